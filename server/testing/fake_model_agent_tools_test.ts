import { assertEquals } from "./assert.ts";
import {
  agentToolAnswer,
  FAKE_QUESTION,
  FAKE_QUESTION_TASK_PROMPT,
  FAKE_SLOW_TASK_PROMPT,
  FAKE_TASK_PROMPT,
  FAKE_TODOS,
} from "./fake_model_agent_tools.ts";
import { decideAnswer } from "./fake_model.ts";

const all = new Set(["question", "todowrite", "task", "bash"]);

Deno.test("agentToolAnswer: each cue calls its tool when offered", () => {
  assertEquals(agentToolAnswer("please use question", all), {
    kind: "tool",
    name: "question",
    args: { questions: [FAKE_QUESTION] },
  });
  const multiple = agentToolAnswer("use question multiple", all);
  assertEquals(multiple?.args, {
    questions: [{ ...FAKE_QUESTION, multiple: true }],
  });
  assertEquals(
    (agentToolAnswer("use questions", all)?.args.questions as unknown[]).length,
    2,
  );
  assertEquals(agentToolAnswer("use todo", all)?.args, { todos: FAKE_TODOS });
  for (
    const [cue, prompt] of [
      ["use task", FAKE_TASK_PROMPT],
      ["use task slow", FAKE_SLOW_TASK_PROMPT],
      ["use task question", FAKE_QUESTION_TASK_PROMPT],
    ]
  ) {
    const call = agentToolAnswer(cue!, all);
    assertEquals([call?.name, call?.args.prompt], ["task", prompt], cue);
  }
  assertEquals(agentToolAnswer("hello", all), null);
  assertEquals(agentToolAnswer("use question", new Set(["bash"])), null);
  // The plain task prompt holds no cue, so a subagent just answers.
  assertEquals(agentToolAnswer(FAKE_TASK_PROMPT, all), null);
});

Deno.test("decideAnswer: the cues reach the fake model's answer", () => {
  const body = (text: string) => ({
    messages: [{ role: "user", content: text }],
    tools: [...all].map((name) => ({ type: "function", function: { name } })),
  });
  const options = { slowDelayMs: 1, cwd: "/tmp" };
  assertEquals(decideAnswer(body("use todo"), options).kind, "tool");
  assertEquals(
    decideAnswer(body(FAKE_QUESTION_TASK_PROMPT), options),
    agentToolAnswer("use question", all),
  );
});
