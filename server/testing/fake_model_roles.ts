/**
 * The fake model playing workflow roles (pure): it recognises a step's
 * prompt and answers as that role would, deterministically, so whole runs
 * can be tested offline. Antfarm's own `feature-dev` prompts are recognised
 * by their wording, and Flock's test specs use the same wording (or the
 * explicit cues below).
 *
 * | prompt says | role | answer |
 * |---|---|---|
 * | `Verify the developer's work` | verifier | story S-1 the first time: `STATUS: retry` + `ISSUES:` ({@linkcode FAKE_VERIFY_ISSUE}); otherwise `STATUS: done` |
 * | `Implement the following user story` | developer | a `write` tool call creating `flock-<story>.txt` (`-fix` after feedback), then `STATUS: done`, `CHANGES:`, `TESTS:` |
 * | `STORIES_JSON` | planner | `STATUS: done`, `REPO:` (the working directory), `BRANCH:`, two stories |
 * | `Prepare the development environment` | setup | `STATUS: done`, `BUILD_CMD:`, `TEST_CMD:`, `CI_NOTES:`, `BASELINE:` |
 * | `Integration and E2E testing` | tester | `STATUS: done`, `RESULTS:` |
 * | `Create a pull request` | pr | `STATUS: done`, `PR:` |
 * | `Review the pull request` | reviewer | `STATUS: done`, `DECISION: approved` |
 *
 * Explicit cues, for specs written for a test (checked first):
 * - `WRITE> <relative path> [text]`: a `write` tool call creating that
 *   file (when `write` is offered), before the reply; its content is
 *   `text` and a newline, or `written by the fake model` without one.
 * - `BASH> <command>`: a `bash` tool call, before the reply.
 * - `REPLY> <line>`: the reply is these lines, in order (plus `TOOL:` with
 *   the tool's result when there was one).
 *
 * @module
 */
import type { Conversation, FakeAnswer } from "./fake_answers.ts";

/** The verifier's complaint the first time it sees story S-1. */
export const FAKE_VERIFY_ISSUE = "S-1 needs a second look (fake verifier)";

/** The branch the fake planner names. */
export const FAKE_BRANCH = "flock-feature";

/** The pull request the fake pr role names. */
export const FAKE_PR_URL = "https://example.invalid/flock/pull/1";

/** The stories the fake planner makes. */
export const FAKE_STORIES = [
  {
    id: "S-1",
    title: "Greeting module",
    description: "Add a module that returns a greeting.",
    acceptanceCriteria: ["The greeting is returned", "Typecheck passes"],
  },
  {
    id: "S-2",
    title: "Greeting command",
    description: "Print the greeting from the command line.",
    acceptanceCriteria: ["The command prints it", "Typecheck passes"],
  },
] as const;

/** The file the fake developer writes for a story (relative to the repository). */
export function fakeStoryFile(story: string, fix: boolean): string {
  return `flock-${story}${fix ? "-fix" : ""}.txt`;
}

function text(value: string): FakeAnswer {
  return { kind: "text", text: value };
}

function reply(lines: readonly string[]): FakeAnswer {
  return text(lines.join("\n"));
}

function storyOf(prompt: string): string {
  return /Story (\S+?):/.exec(prompt)?.[1] ?? "S-?";
}

function write(
  c: Conversation,
  repo: string,
  relative: string,
  content: string,
): FakeAnswer | null {
  if (c.toolResults.length > 0 || !c.tools.has("write")) return null;
  return {
    kind: "tool",
    name: "write",
    args: { filePath: `${repo.replace(/\/+$/, "")}/${relative}`, content },
  };
}

function cued(c: Conversation, repo: string): FakeAnswer | null {
  const prompt = c.userText;
  const cue = /^WRITE> (\S+)(?:[ \t]+(.*?))?[ \t]*$/m.exec(prompt);
  if (cue !== null) {
    const content = cue[2] ? `${cue[2]}\n` : `written by the fake model\n`;
    const call = write(c, repo, cue[1]!, content);
    if (call !== null) return call;
  }
  const command = /^BASH> (.+)$/m.exec(prompt)?.[1];
  if (
    command !== undefined && c.toolResults.length === 0 && c.tools.has("bash")
  ) {
    return {
      kind: "tool",
      name: "bash",
      args: { command: command.trim(), description: "Run a shell command" },
    };
  }
  const lines = [...prompt.matchAll(/^REPLY> (.*)$/gm)].map((m) => m[1]!);
  if (lines.length === 0) return null;
  const wrote = c.toolResults[0];
  return reply(
    wrote === undefined ? lines : [
      ...lines,
      `TOOL: ${wrote.replace(/\s+/g, " ").trim().slice(0, 200)}`,
    ],
  );
}

/**
 * The answer of the workflow role the prompt belongs to, or null when it
 * is not a workflow prompt.
 *
 * @param fallbackCwd The repository when OpenCode's system prompt names none.
 */
export function workflowAnswer(
  c: Conversation,
  fallbackCwd: string,
): FakeAnswer | null {
  const prompt = c.userText;
  if (prompt === "") return null;
  const repo = c.cwd ?? fallbackCwd;
  const explicit = cued(c, repo);
  if (explicit !== null) return explicit;
  if (/Verify the developer's work/i.test(prompt)) {
    const story = storyOf(prompt);
    const changes = /^CHANGES: (.*)$/m.exec(prompt)?.[1] ?? "";
    if (story === "S-1" && !/after feedback/.test(changes)) {
      return reply(["STATUS: retry", "ISSUES:", `- ${FAKE_VERIFY_ISSUE}`]);
    }
    return reply(["STATUS: done", `VERIFIED: ${story} does what it says`]);
  }
  if (/Implement the following user story/i.test(prompt)) {
    const story = storyOf(prompt);
    const fix = prompt.includes(FAKE_VERIFY_ISSUE);
    const call = write(
      c,
      repo,
      fakeStoryFile(story, fix),
      `${story} implemented by the fake developer${fix ? " (fixed)" : ""}\n`,
    );
    if (call !== null) return call;
    return reply([
      "STATUS: done",
      `CHANGES: implemented ${story}${fix ? " after feedback" : ""} in ${
        fakeStoryFile(story, fix)
      }`,
      `TESTS: a test for ${story}`,
    ]);
  }
  if (/STORIES_JSON/.test(prompt)) {
    return reply([
      "STATUS: done",
      `REPO: ${repo}`,
      `BRANCH: ${FAKE_BRANCH}`,
      `STORIES_JSON: ${JSON.stringify(FAKE_STORIES)}`,
    ]);
  }
  if (/Prepare the development environment/i.test(prompt)) {
    return reply([
      "STATUS: done",
      "BUILD_CMD: true",
      "TEST_CMD: true",
      "CI_NOTES: none (fake setup)",
      "BASELINE: clean",
    ]);
  }
  if (/Integration and E2E testing/i.test(prompt)) {
    return reply(["STATUS: done", "RESULTS: every test passes (fake tester)"]);
  }
  if (/Create a pull request/i.test(prompt)) {
    return reply(["STATUS: done", `PR: ${FAKE_PR_URL}`]);
  }
  if (/Review the pull request/i.test(prompt)) {
    return reply(["STATUS: done", "DECISION: approved"]);
  }
  return null;
}
