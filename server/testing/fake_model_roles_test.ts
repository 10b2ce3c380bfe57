import { assertEquals } from "./assert.ts";
import { conversationOf, decideAnswer } from "./fake_answers.ts";
import {
  FAKE_BRANCH,
  FAKE_PR_URL,
  FAKE_STORIES,
  FAKE_VERIFY_ISSUE,
  workflowAnswer,
} from "./fake_model_roles.ts";

const SYSTEM =
  "You are opencode.\n<env>\n  Working directory: /w/repo\n  Is directory a git repo: yes\n</env>";

function ask(prompt: string, toolResult?: string, tools = ["bash", "write"]) {
  const messages: { role: string; content: string }[] = [
    { role: "system", content: SYSTEM },
    { role: "user", content: prompt },
  ];
  if (toolResult !== undefined) {
    messages.push({ role: "assistant", content: "" });
    messages.push({ role: "tool", content: toolResult });
  }
  return workflowAnswer(
    conversationOf({
      messages,
      tools: tools.map((name) => ({ type: "function", function: { name } })),
    }),
    "/fallback",
  );
}

const text = (answer: ReturnType<typeof ask>) =>
  answer?.kind === "text" ? answer.text : `not text: ${JSON.stringify(answer)}`;

Deno.test("the planner names the working directory, a branch and two stories", () => {
  const answer = text(
    ask("Decompose this.\nReply with:\nSTORIES_JSON: [ ... ]"),
  );
  assertEquals(
    answer,
    [
      "STATUS: done",
      "REPO: /w/repo",
      `BRANCH: ${FAKE_BRANCH}`,
      `STORIES_JSON: ${JSON.stringify(FAKE_STORIES)}`,
    ].join("\n"),
  );
});

Deno.test("the developer writes a file through the write tool, then reports; after feedback it writes the fix", () => {
  const prompt =
    "Implement the following user story.\nCURRENT STORY:\nStory S-1: Greeting module\n";
  assertEquals(ask(prompt), {
    kind: "tool",
    name: "write",
    args: {
      filePath: "/w/repo/flock-S-1.txt",
      content: "S-1 implemented by the fake developer\n",
    },
  });
  assertEquals(
    text(ask(prompt, "Wrote file successfully.")),
    "STATUS: done\nCHANGES: implemented S-1 in flock-S-1.txt\nTESTS: a test for S-1",
  );
  const again = `${prompt}VERIFY FEEDBACK:\n- ${FAKE_VERIFY_ISSUE}\n`;
  const call = ask(again);
  assertEquals(
    call?.kind === "tool" ? call.args.filePath : null,
    "/w/repo/flock-S-1-fix.txt",
  );
  assertEquals(
    text(ask(again, "ok")).split("\n")[1],
    "CHANGES: implemented S-1 after feedback in flock-S-1-fix.txt",
  );
});

Deno.test("the verifier asks for one retry on S-1, then passes; other stories pass at once", () => {
  const verify = (story: string, changes: string) =>
    text(
      ask(
        `Verify the developer's work on this story.\nCHANGES: ${changes}\nCURRENT STORY:\nStory ${story}: x\n`,
      ),
    );
  assertEquals(
    verify("S-1", "implemented S-1"),
    `STATUS: retry\nISSUES:\n- ${FAKE_VERIFY_ISSUE}`,
  );
  assertEquals(
    verify("S-1", "implemented S-1 after feedback"),
    "STATUS: done\nVERIFIED: S-1 does what it says",
  );
  assertEquals(verify("S-2", "implemented S-2").split("\n")[0], "STATUS: done");
});

Deno.test("setup, tester, pr and reviewer answer STATUS: done with their keys", () => {
  assertEquals(
    text(ask("Prepare the development environment for this feature.")),
    "STATUS: done\nBUILD_CMD: true\nTEST_CMD: true\nCI_NOTES: none (fake setup)\nBASELINE: clean",
  );
  assertEquals(
    text(ask("Integration and E2E testing of the implementation.")),
    "STATUS: done\nRESULTS: every test passes (fake tester)",
  );
  assertEquals(
    text(ask("Create a pull request for your changes.")),
    `STATUS: done\nPR: ${FAKE_PR_URL}`,
  );
  assertEquals(
    text(ask("Review the pull request.")),
    "STATUS: done\nDECISION: approved",
  );
  assertEquals(ask("hello there"), null);
});

Deno.test("cues: WRITE> and BASH> make a tool call when the tool is offered, REPLY> lines are the reply", () => {
  const prompt =
    "Do it.\nWRITE> notes.txt\nREPLY> STATUS: done\nREPLY> TITLE: v1";
  assertEquals(ask(prompt), {
    kind: "tool",
    name: "write",
    args: {
      filePath: "/w/repo/notes.txt",
      content: "written by the fake model\n",
    },
  });
  assertEquals(
    text(ask(prompt, "Wrote file successfully.")),
    "STATUS: done\nTITLE: v1\nTOOL: Wrote file successfully.",
  );
  // A role that may not write gets no write tool: it just replies.
  assertEquals(
    text(ask(prompt, undefined, ["bash", "read"])),
    "STATUS: done\nTITLE: v1",
  );
  assertEquals(ask("WRITE> a/b.txt  line from session one \nREPLY> ok"), {
    kind: "tool",
    name: "write",
    args: { filePath: "/w/repo/a/b.txt", content: "line from session one\n" },
  });
  assertEquals(ask("BASH> echo hi\nREPLY> STATUS: done"), {
    kind: "tool",
    name: "bash",
    args: { command: "echo hi", description: "Run a shell command" },
  });
  // decideAnswer routes workflow prompts to the roles, titles first.
  assertEquals(
    decideAnswer({
      messages: [{ role: "user", content: "REPLY> STATUS: done" }],
    }, { slowDelayMs: 1, cwd: "/c" }),
    { kind: "text", text: "STATUS: done" },
  );
});
