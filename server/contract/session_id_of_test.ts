import { assertEquals } from "../testing/assert.ts";
import {
  assistantMessage,
  flockEvent,
  openCodeSession,
  textPart,
} from "../testing/event_fixtures.ts";
import type { WireEvent } from "./events.ts";
import { sessionIdOf } from "./session_id_of.ts";

const S = "ses_1";
const session = openCodeSession({ id: S });

Deno.test("sessionIdOf: every event kind that carries a session", () => {
  const cases: [string, WireEvent][] = [
    [
      "session.created",
      flockEvent("session.created", { sessionID: S, info: session }),
    ],
    [
      "session.updated",
      flockEvent("session.updated", { sessionID: S, info: session }),
    ],
    [
      "session.deleted",
      flockEvent("session.deleted", { sessionID: S, info: session }),
    ],
    [
      "session.status",
      flockEvent("session.status", { sessionID: S, status: { type: "busy" } }),
    ],
    ["session.idle", flockEvent("session.idle", { sessionID: S })],
    ["session.error", flockEvent("session.error", { sessionID: S })],
    ["session.diff", flockEvent("session.diff", { sessionID: S, diff: [] })],
    ["session.compacted", flockEvent("session.compacted", { sessionID: S })],
    [
      "message.updated",
      flockEvent("message.updated", {
        sessionID: S,
        info: assistantMessage("msg_1", S),
      }),
    ],
    [
      "message.removed",
      flockEvent("message.removed", { sessionID: S, messageID: "msg_1" }),
    ],
    [
      "message.part.updated",
      flockEvent("message.part.updated", {
        sessionID: S,
        part: textPart("prt_1", "msg_1", S, "hi"),
        time: 1,
      }),
    ],
    [
      "message.part.delta",
      flockEvent("message.part.delta", {
        sessionID: S,
        messageID: "msg_1",
        partID: "prt_1",
        field: "text",
        delta: "x",
      }),
    ],
    [
      "message.part.removed",
      flockEvent("message.part.removed", {
        sessionID: S,
        messageID: "msg_1",
        partID: "prt_1",
      }),
    ],
    [
      "permission.asked",
      flockEvent("permission.asked", {
        id: "per_1",
        sessionID: S,
        permission: "bash",
        patterns: [],
        metadata: {},
        always: [],
      }),
    ],
    [
      "permission.replied",
      flockEvent("permission.replied", {
        sessionID: S,
        requestID: "per_1",
        reply: "once",
      }),
    ],
    [
      "question.asked",
      flockEvent("question.asked", {
        id: "que_1",
        sessionID: S,
        questions: [],
      }),
    ],
    [
      "question.replied",
      flockEvent("question.replied", {
        sessionID: S,
        requestID: "que_1",
        answers: [],
      }),
    ],
    [
      "question.rejected",
      flockEvent("question.rejected", { sessionID: S, requestID: "que_1" }),
    ],
    ["todo.updated", flockEvent("todo.updated", { sessionID: S, todos: [] })],
    [
      "command.executed",
      flockEvent("command.executed", {
        name: "init",
        sessionID: S,
        arguments: "",
        messageID: "msg_1",
      }),
    ],
    ["an unknown type with a sessionID", {
      type: "future.thing",
      instance_id: "inst_a",
      properties: { sessionID: S },
    }],
  ];
  for (const [what, event] of cases) assertEquals(sessionIdOf(event), S, what);
});

Deno.test("sessionIdOf: the session itself wins over the envelope's sessionID", () => {
  // OpenCode sends both and they agree; the session (info.id) is authoritative.
  const event = flockEvent("session.updated", {
    sessionID: "ses_other",
    info: session,
  });
  assertEquals(sessionIdOf(event), S);
  const part = flockEvent("message.part.updated", {
    sessionID: "ses_other",
    part: textPart("prt_1", "msg_1", S, ""),
    time: 1,
  });
  assertEquals(sessionIdOf(part), S);
});

Deno.test("sessionIdOf: events about no session", () => {
  const cases: WireEvent[] = [
    flockEvent("server.connected", {}),
    flockEvent("file.edited", { file: "/a" }),
    flockEvent("session.error", {}),
    flockEvent("instance.removed", {}),
    flockEvent("instance.sessions", { sessions: [] }),
    flockEvent("stream.reset", { reason: "gap" }),
    flockEvent("stream.lagged", { dropped_after: 1 }),
    { type: "future.thing", properties: { sessionID: 5 } },
    { type: "future.thing", properties: { sessionID: "" } },
    { type: "future.thing", properties: {} },
  ];
  for (const event of cases) {
    assertEquals(sessionIdOf(event), undefined, event.type);
  }
});
