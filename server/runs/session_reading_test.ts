import { assertEquals } from "../testing/assert.ts";
import {
  assistantMessage,
  textPart,
  userMessage,
} from "../testing/event_fixtures.ts";
import type { OpenCodeMessageWithParts } from "../contract/opencode.ts";
import {
  describeError,
  describeRequest,
  judgeMessages,
  observeSession,
} from "./session_reading.ts";

const S = "ses_1";
const prompt: OpenCodeMessageWithParts = {
  info: userMessage("msg_1", S),
  parts: [textPart("prt_1", "msg_1", S, "Do it")],
};

function reply(
  id: string,
  text: string | null,
  overrides: Parameters<typeof assistantMessage>[2] = {},
): OpenCodeMessageWithParts {
  return {
    info: assistantMessage(id, S, {
      time: { created: 2, completed: 3 },
      ...overrides,
    }),
    parts: text === null ? [] : [textPart(`prt_${id}`, id, S, text)],
  };
}

const tokens = (input: number, output: number) => ({
  input,
  output,
  reasoning: 0,
  cache: { read: 0, write: 0 },
});

Deno.test("judgeMessages: the last assistant message is the reply; tokens and cost add up over the turn", () => {
  const toolStep = reply("msg_2", "", {
    tokens: tokens(10, 5),
    cost: 0.01,
    finish: "tool-calls",
  });
  const final = reply("msg_3", "STATUS: done\nCHANGES: x", {
    tokens: { ...tokens(20, 7), total: 30 },
    cost: 0.02,
  });
  assertEquals(judgeMessages([prompt, toolStep, final]), {
    kind: "reply",
    reply: "STATUS: done\nCHANGES: x",
    tokens: 45,
    cost: 0.03,
  });
});

Deno.test("judgeMessages: errors, an unfinished reply, no reply, no prompt", () => {
  assertEquals(judgeMessages([]), { kind: "not_prompted" });
  assertEquals(judgeMessages([prompt]), { kind: "no_reply" });
  assertEquals(
    judgeMessages([prompt, reply("msg_2", "half", { time: { created: 2 } })]),
    { kind: "incomplete" },
  );
  assertEquals(
    judgeMessages([
      prompt,
      reply("msg_2", null, {
        error: { name: "MessageAbortedError", data: { message: "Aborted" } },
      }),
    ]),
    { kind: "error", message: "MessageAbortedError: Aborted", aborted: true },
  );
  assertEquals(
    describeError({ name: "UnknownError", data: { message: "" } }),
    "UnknownError",
  );
  assertEquals(describeError(undefined), "unknown error");
});

Deno.test("observeSession: what recovery tells decide about a found session", () => {
  const base = { sessionId: S, busy: false, request: null };
  assertEquals(observeSession({ ...base, messages: [] }), {
    kind: "not_prompted",
    sessionId: S,
  });
  assertEquals(observeSession({ ...base, busy: true, messages: [prompt] }), {
    kind: "busy",
    sessionId: S,
  });
  assertEquals(
    observeSession({
      ...base,
      busy: true,
      messages: [prompt],
      request: "permission to bash",
    }),
    { kind: "waiting_input", sessionId: S, request: "permission to bash" },
  );
  assertEquals(
    observeSession({
      ...base,
      messages: [prompt, reply("msg_2", "STATUS: done")],
    }),
    { kind: "idle", sessionId: S, reply: "STATUS: done", tokens: 0, cost: 0 },
  );
  assertEquals(
    observeSession({
      ...base,
      messages: [
        prompt,
        reply("msg_2", null, {
          error: { name: "UnknownError", data: { message: "boom" } },
        }),
      ],
    }),
    { kind: "errored", sessionId: S, message: "UnknownError: boom" },
  );
  for (
    const cut of [
      [prompt],
      [prompt, reply("msg_2", "half", { time: { created: 2 } })],
      [
        prompt,
        reply("msg_2", null, {
          error: { name: "MessageAbortedError", data: { message: "Aborted" } },
        }),
      ],
    ]
  ) {
    assertEquals(
      observeSession({ ...base, messages: cut }).kind,
      "interrupted",
    );
  }
});

Deno.test("describeRequest names a permission and its patterns, or the question", () => {
  assertEquals(
    describeRequest({
      kind: "permission",
      permission: {
        id: "per_1",
        sessionID: S,
        permission: "bash",
        patterns: ["rm -rf build"],
        metadata: {},
        always: [],
      },
    }),
    "permission to bash (rm -rf build)",
  );
  assertEquals(
    describeRequest({
      kind: "question",
      question: {
        id: "que_1",
        sessionID: S,
        questions: [{
          question: "Which database?",
          header: "DB",
          options: [],
        }],
      },
    }),
    "question: Which database?",
  );
});
