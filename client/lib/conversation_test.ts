import { deepStrictEqual, strictEqual } from "node:assert/strict";
import {
  applyConversationEvent,
  type Conversation,
  type ConversationEvent,
  conversationFromHistory,
  EMPTY_CONVERSATION,
  messageText,
  rebaseConversation,
  visibleErrors,
} from "./conversation.ts";
import type {
  OpenCodeMessage,
  OpenCodeMessageError,
  OpenCodePart,
} from "../../server/contract/opencode.ts";
import {
  assistantMessage,
  flockEvent,
  textPart as part,
  userMessage,
} from "../../server/testing/event_fixtures.ts";

const S = "ses_1";

function info(
  id: string,
  role: "user" | "assistant" = "assistant",
): OpenCodeMessage {
  return role === "user" ? userMessage(id, S) : assistantMessage(id, S);
}
function textPart(id: string, messageID: string, text: string): OpenCodePart {
  return part(id, messageID, S, text);
}
const messageUpdated = (i: OpenCodeMessage): ConversationEvent =>
  flockEvent("message.updated", { sessionID: S, info: i });
const partUpdated = (p: OpenCodePart): ConversationEvent =>
  flockEvent("message.part.updated", { sessionID: S, part: p, time: 1 });
const delta = (
  messageID: string,
  partID: string,
  text: string,
  field = "text",
): ConversationEvent =>
  flockEvent("message.part.delta", {
    sessionID: S,
    messageID,
    partID,
    field,
    delta: text,
  });
const sessionError = (error: OpenCodeMessageError): ConversationEvent =>
  flockEvent("session.error", { sessionID: S, error });

function apply(events: ConversationEvent[], start = EMPTY_CONVERSATION) {
  return events.reduce(applyConversationEvent, start);
}

Deno.test("deltas stream into a text part created empty", () => {
  const conv = apply([
    messageUpdated(info("msg_2")),
    partUpdated(textPart("prt_1", "msg_2", "")),
    delta("msg_2", "prt_1", "Hello"),
    delta("msg_2", "prt_1", ", world"),
  ]);
  strictEqual(conv.messages.length, 1);
  strictEqual(messageText(conv.messages[0]!), "Hello, world");
});

Deno.test("the final part snapshot replaces the streamed text", () => {
  const conv = apply([
    partUpdated(textPart("prt_1", "msg_2", "")),
    delta("msg_2", "prt_1", "Hel"),
    partUpdated(textPart("prt_1", "msg_2", "Hello!")),
  ]);
  strictEqual(messageText(conv.messages[0]!), "Hello!");
  // a placeholder message was created for the unknown message id
  strictEqual(conv.messages[0]!.info.role, "assistant");
});

Deno.test("messages and parts are kept in id order", () => {
  const conv = apply([
    messageUpdated(info("msg_3")),
    messageUpdated(info("msg_1", "user")),
    partUpdated(textPart("prt_b", "msg_3", "b")),
    partUpdated(textPart("prt_a", "msg_3", "a")),
  ]);
  deepStrictEqual(conv.messages.map((m) => m.info.id), ["msg_1", "msg_3"]);
  deepStrictEqual(conv.messages[1]!.parts.map((p) => p.id), ["prt_a", "prt_b"]);
});

Deno.test("an unchanged conversation keeps its identity", () => {
  const conv = apply([messageUpdated(info("msg_1"))]);
  strictEqual(
    applyConversationEvent(
      conv,
      flockEvent("message.removed", { sessionID: S, messageID: "msg_x" }),
    ),
    conv,
  );
  strictEqual(
    applyConversationEvent(
      conv,
      flockEvent("session.error", { sessionID: S }),
    ),
    conv,
  );
  // OpenCode streams only the text field.
  strictEqual(
    applyConversationEvent(conv, delta("msg_1", "p", "x", "x")),
    conv,
  );
});

Deno.test("removal events remove messages and parts", () => {
  let conv = apply([
    partUpdated(textPart("prt_1", "msg_1", "x")),
    partUpdated(textPart("prt_2", "msg_1", "y")),
    partUpdated(textPart("prt_3", "msg_2", "z")),
  ]);
  conv = applyConversationEvent(
    conv,
    flockEvent("message.part.removed", {
      sessionID: S,
      messageID: "msg_1",
      partID: "prt_1",
    }),
  );
  conv = applyConversationEvent(
    conv,
    flockEvent("message.removed", { sessionID: S, messageID: "msg_2" }),
  );
  deepStrictEqual(conv.messages.map((m) => m.parts.map((p) => p.id)), [[
    "prt_2",
  ]]);
});

Deno.test("an abort error on the message hides the duplicate session.error", () => {
  let conv = apply([
    messageUpdated(info("msg_1", "user")),
    messageUpdated(info("msg_2")),
    sessionError({
      name: "MessageAbortedError",
      data: { message: "Aborted" },
    }),
  ]);
  strictEqual(visibleErrors(conv).length, 1);
  strictEqual(visibleErrors(conv)[0]!.message, "Aborted");
  conv = applyConversationEvent(
    conv,
    messageUpdated(
      assistantMessage("msg_2", S, {
        error: { name: "MessageAbortedError", data: { message: "Aborted" } },
      }),
    ),
  );
  strictEqual(visibleErrors(conv).length, 0);
});

Deno.test("a provider error without a message stays visible", () => {
  const conv = apply([
    messageUpdated(info("msg_1", "user")),
    sessionError({
      name: "APIError",
      data: { message: "", isRetryable: false },
    }),
  ]);
  deepStrictEqual(visibleErrors(conv).map((e) => [e.name, e.message]), [[
    "APIError",
    "APIError",
  ]]);
});

Deno.test("conversationFromHistory sorts messages and parts", () => {
  const conv = conversationFromHistory([
    { info: info("msg_2"), parts: [textPart("prt_2", "msg_2", "b")] },
    {
      info: info("msg_1", "user"),
      parts: [textPart("prt_9", "msg_1", "y"), textPart("prt_1", "msg_1", "x")],
    },
  ]);
  deepStrictEqual(conv.messages.map((m) => m.info.id), ["msg_1", "msg_2"]);
  strictEqual(messageText(conv.messages[0]!), "x\n\ny");
});

function streamed(text: string): Conversation {
  return apply([
    messageUpdated(info("msg_2")),
    partUpdated(textPart("prt_1", "msg_2", text)),
  ]);
}

Deno.test("rebase: deltas already in the snapshot are not doubled", () => {
  // buffered A B C D; the snapshot was taken after B
  const buffered = ["A", "B", "C", "D"].map((d) => delta("msg_2", "prt_1", d));
  const conv = rebaseConversation(streamed("xxAB"), buffered);
  strictEqual(messageText(conv.messages[0]!), "xxABCD");
});

Deno.test("rebase: a snapshot taken before all deltas gets them all", () => {
  const buffered = ["A", "B"].map((d) => delta("msg_2", "prt_1", d));
  strictEqual(
    messageText(rebaseConversation(streamed("xx"), buffered).messages[0]!),
    "xxAB",
  );
});

Deno.test("rebase: a snapshot that has every delta stays as it is", () => {
  const buffered = ["A", "B"].map((d) => delta("msg_2", "prt_1", d));
  strictEqual(
    messageText(rebaseConversation(streamed("xxAB"), buffered).messages[0]!),
    "xxAB",
  );
});

Deno.test("rebase: a buffered part snapshot supersedes earlier deltas", () => {
  const buffered = [
    delta("msg_2", "prt_1", "A"),
    partUpdated(textPart("prt_1", "msg_2", "xxAB")),
    delta("msg_2", "prt_1", "C"),
  ];
  strictEqual(
    messageText(rebaseConversation(streamed("xxA"), buffered).messages[0]!),
    "xxABC",
  );
});

Deno.test("rebase: parts created after the snapshot stream normally", () => {
  const buffered = [
    partUpdated(textPart("prt_2", "msg_2", "")),
    delta("msg_2", "prt_2", "N"),
    delta("msg_2", "prt_2", "ew"),
  ];
  const conv = rebaseConversation(streamed("old"), buffered);
  strictEqual(messageText(conv.messages[0]!), "old\n\nNew");
});
