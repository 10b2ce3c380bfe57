/**
 * The fake model's cues for OpenCode's agent tools (pure): asking the user
 * a question (`question`), keeping a todo list (`todowrite`) and spawning a
 * subagent (`task`). Each cue answers with one tool call when OpenCode
 * offers the tool; after the tool's result comes back the model's usual
 * "Tool finished" reply follows, so the agent continues on its own.
 *
 * | cue in the prompt | tool call |
 * |---|---|
 * | `use question` | one single-choice question ({@linkcode FAKE_QUESTION}) |
 * | `use question multiple` | the same question with `multiple: true` |
 * | `use questions` | two questions at once (colour, then size) |
 * | `use todo` | `todowrite` with {@linkcode FAKE_TODOS} |
 * | `use task` | `task` (subagent `general`) with {@linkcode FAKE_TASK_PROMPT} |
 * | `use task slow` | the same, the subagent answering slowly (`slow`) |
 * | `use task question` | the same, the subagent asking {@linkcode FAKE_QUESTION} |
 *
 * The subagent's own session then gets the task's prompt: plain
 * {@linkcode FAKE_TASK_PROMPT} holds no cue, so it answers with the
 * default reply.
 *
 * @module
 */

/** A tool call the fake model makes. */
export interface FakeToolCall {
  kind: "tool";
  name: string;
  args: Record<string, unknown>;
}

/** One question of the question tool, as the model sends it. */
export interface FakeQuestion {
  question: string;
  header: string;
  options: { label: string; description: string }[];
  multiple?: boolean;
}

/** The question `use question` asks. */
export const FAKE_QUESTION: FakeQuestion = {
  question: "Which colour should the button be?",
  header: "Colour",
  options: [
    { label: "Red", description: "A warm red" },
    { label: "Blue", description: "A calm blue" },
    { label: "Green", description: "A fresh green" },
  ],
};

/** The second question of `use questions`. */
export const FAKE_SECOND_QUESTION: FakeQuestion = {
  question: "How large should it be?",
  header: "Size",
  options: [
    { label: "Small", description: "Compact" },
    { label: "Large", description: "Easy to tap" },
  ],
};

/** The todo list `use todo` writes. */
export const FAKE_TODOS: readonly {
  content: string;
  status: string;
  priority: string;
}[] = [
  { content: "Read the code", status: "completed", priority: "high" },
  { content: "Write the fix", status: "in_progress", priority: "high" },
  { content: "Run the tests", status: "pending", priority: "medium" },
];

/** The prompt the subagent of `use task` gets (it holds no cue). */
export const FAKE_TASK_PROMPT = "Subagent job: count to three";

/** The prompt of `use task slow`: the subagent replies slowly. */
export const FAKE_SLOW_TASK_PROMPT = "Subagent job: count slowly";

/** The prompt of `use task question`: the subagent asks a question. */
export const FAKE_QUESTION_TASK_PROMPT = "Subagent job: use question";

/** The short description of the task of `use task`. */
export const FAKE_TASK_DESCRIPTION = "Count to three";

/**
 * The tool call for an agent-tool cue in `userText`, or null when there is
 * none (or OpenCode does not offer the tool).
 *
 * @example
 * ```ts
 * agentToolAnswer("please use todo", new Set(["todowrite"]))?.name; // "todowrite"
 * agentToolAnswer("hello", new Set(["todowrite"])); // null
 * ```
 */
export function agentToolAnswer(
  userText: string,
  tools: ReadonlySet<string>,
): FakeToolCall | null {
  const task = /use task(?: (slow|question))?\b/i.exec(userText);
  if (task && tools.has("task")) {
    const kind = task[1]?.toLowerCase();
    return {
      kind: "tool",
      name: "task",
      args: {
        description: FAKE_TASK_DESCRIPTION,
        prompt: kind === "slow"
          ? FAKE_SLOW_TASK_PROMPT
          : kind === "question"
          ? FAKE_QUESTION_TASK_PROMPT
          : FAKE_TASK_PROMPT,
        subagent_type: "general",
      },
    };
  }
  if (/use questions\b/i.test(userText) && tools.has("question")) {
    return {
      kind: "tool",
      name: "question",
      args: { questions: [FAKE_QUESTION, FAKE_SECOND_QUESTION] },
    };
  }
  if (/use question\b/i.test(userText) && tools.has("question")) {
    const multiple = /use question multiple/i.test(userText);
    return {
      kind: "tool",
      name: "question",
      args: {
        questions: [multiple ? { ...FAKE_QUESTION, multiple } : FAKE_QUESTION],
      },
    };
  }
  if (/use todo\b/i.test(userText) && tools.has("todowrite")) {
    return { kind: "tool", name: "todowrite", args: { todos: FAKE_TODOS } };
  }
  return null;
}
