import { assertEquals } from "../testing/assert.ts";
import { openCodeSession } from "../testing/event_fixtures.ts";
import { readFlockEvent, readOpenCodeEvent } from "./event_guard.ts";

const delta = {
  id: "evt_1",
  type: "message.part.delta",
  properties: {
    sessionID: "ses_1",
    messageID: "msg_1",
    partID: "prt_1",
    field: "text",
    delta: "Hi",
  },
};

Deno.test("readOpenCodeEvent: a known event with its fields is known and typed", () => {
  const reading = readOpenCodeEvent(delta);
  assertEquals(reading.kind, "known");
  if (reading.kind === "known" && reading.event.type === "message.part.delta") {
    // Narrowed by the type alone: no cast.
    assertEquals(reading.event.properties.delta, "Hi");
  }
});

Deno.test("readOpenCodeEvent: a type the pinned SDK does not know is kept as unknown", () => {
  for (const type of ["server.heartbeat", "future.thing"]) {
    const value = { type, properties: { any: [1] } };
    assertEquals(readOpenCodeEvent(value), { kind: "unknown", event: value });
  }
});

Deno.test("readOpenCodeEvent: what is not an envelope is invalid", () => {
  for (
    const value of [
      null,
      "text",
      [],
      { properties: {} },
      { type: 5, properties: {} },
      { type: "", properties: {} },
      { type: "a\nb", properties: {} },
      { type: "x" },
      { type: "x", properties: [] },
      { type: "x", properties: null },
      { type: "x", properties: {}, id: 5 },
    ]
  ) {
    assertEquals(
      readOpenCodeEvent(value).kind,
      "invalid",
      JSON.stringify(value),
    );
  }
});

Deno.test("readOpenCodeEvent: a known type without its id or the fields Flock reads is invalid", () => {
  const session = openCodeSession({ id: "ses_1" });
  const cases: [string, Record<string, unknown>][] = [
    ["message.part.delta", { ...delta.properties, delta: 5 }],
    ["message.part.delta", { ...delta.properties, partID: undefined }],
    ["session.created", { sessionID: "ses_1", info: { id: "ses_1" } }],
    ["session.updated", {
      sessionID: "ses_1",
      info: { ...session, time: { created: "x", updated: 1 } },
    }],
    ["session.deleted", { sessionID: "ses_1", info: { ...session, title: 1 } }],
    ["session.status", { sessionID: "ses_1", status: { type: "weird" } }],
    ["session.status", { sessionID: "ses_1", status: { type: "retry" } }],
    ["session.idle", {}],
    ["session.error", { sessionID: "ses_1", error: { data: {} } }],
    ["message.updated", { sessionID: "s", info: { id: "m", role: "bot" } }],
    ["message.part.updated", { sessionID: "s", part: { id: "p" } }],
    ["message.removed", { sessionID: "s" }],
    ["message.part.removed", { sessionID: "s", messageID: "m" }],
    ["permission.asked", {
      id: "per_1",
      sessionID: "s",
      permission: "bash",
      patterns: "ls",
      metadata: {},
      always: [],
    }],
    ["permission.replied", { sessionID: "s", requestID: "per_1", reply: "no" }],
    // Any event's sessionID must be a string.
    ["todo.updated", { sessionID: 7, todos: [] }],
  ];
  for (const [type, properties] of cases) {
    const reading = readOpenCodeEvent({ id: "evt_1", type, properties });
    assertEquals(
      reading.kind,
      "invalid",
      `${type} ${JSON.stringify(properties)}`,
    );
  }
  const { id: _id, ...withoutId } = delta;
  assertEquals(readOpenCodeEvent(withoutId).kind, "invalid");
});

Deno.test("readOpenCodeEvent: the shapes OpenCode 1.18.33 sends are known", () => {
  const session = openCodeSession({ id: "ses_1" });
  const events = [
    { type: "server.connected", properties: {} },
    {
      type: "session.created",
      properties: { sessionID: "ses_1", info: session },
    },
    {
      type: "session.status",
      properties: {
        sessionID: "ses_1",
        status: { type: "retry", attempt: 1, message: "down", next: 1 },
      },
    },
    {
      type: "session.error",
      properties: {
        sessionID: "ses_1",
        error: { name: "MessageAbortedError", data: { message: "Aborted" } },
      },
    },
    { type: "session.error", properties: {} },
    {
      type: "permission.asked",
      properties: {
        id: "per_1",
        sessionID: "ses_1",
        permission: "bash",
        patterns: ["echo hi"],
        metadata: { command: "echo hi" },
        always: ["echo *"],
        tool: { messageID: "msg_1", callID: "call_1" },
      },
    },
    { type: "plugin.added", properties: { id: "x" } },
  ];
  for (const [i, event] of events.entries()) {
    const reading = readOpenCodeEvent({ id: `evt_${i}`, ...event });
    assertEquals(reading.kind, "known", event.type);
  }
});

Deno.test("readFlockEvent: upstream events need instance_id, Flock's own their fields", () => {
  const upstream = { ...delta, instance_id: "inst_a" };
  assertEquals(readFlockEvent(upstream), { kind: "known", event: upstream });
  assertEquals(readFlockEvent(delta).kind, "invalid", "no instance_id");
  assertEquals(
    readFlockEvent({ ...upstream, instance_id: 5 }).kind,
    "invalid",
  );
  const instance = {
    id: "inst_a",
    name: "a",
    working_directory: "/a",
    status: "running",
    kind: "local",
  };
  const known = [
    {
      type: "instance.status",
      instance_id: "inst_a",
      properties: { instance },
    },
    { type: "instance.removed", instance_id: "inst_a", properties: {} },
    {
      type: "instance.sessions",
      instance_id: "inst_a",
      properties: {
        sessions: [{
          id: "ses_1",
          instance_id: "inst_a",
          title: "t",
          status: "idle",
          created_at: "2026-01-01T00:00:00.000Z",
          updated_at: "2026-01-01T00:00:00.000Z",
        }],
      },
    },
    { type: "stream.reset", properties: { reason: "gap" } },
    { type: "stream.lagged", properties: { dropped_after: 4 } },
  ];
  for (const event of known) {
    assertEquals(readFlockEvent(event).kind, "known", event.type);
  }
  const invalid = [
    { type: "instance.status", properties: { instance } },
    {
      type: "instance.status",
      instance_id: "inst_a",
      properties: { instance: { ...instance, status: "sleeping" } },
    },
    {
      type: "instance.status",
      instance_id: "inst_a",
      properties: { instance: { ...instance, kind: "cloud" } },
    },
    {
      type: "instance.sessions",
      instance_id: "inst_a",
      properties: { sessions: [{ id: "ses_1" }] },
    },
    { type: "stream.reset", properties: {} },
    { type: "stream.lagged", properties: { dropped_after: "4" } },
  ];
  for (const event of invalid) {
    assertEquals(readFlockEvent(event).kind, "invalid", JSON.stringify(event));
  }
  const future = {
    type: "future.thing",
    instance_id: "inst_a",
    properties: {},
  };
  assertEquals(readFlockEvent(future), { kind: "unknown", event: future });
});

Deno.test("readFlockEvent: Flock's driving events and the question events need their fields", () => {
  const question = {
    id: "que_1",
    sessionID: "ses_1",
    questions: [{
      question: "Q?",
      header: "Q",
      options: [{ label: "A", description: "" }],
    }],
  };
  const known = [
    {
      type: "question.asked",
      id: "evt_1",
      instance_id: "i",
      properties: question,
    },
    {
      type: "question.replied",
      id: "evt_2",
      instance_id: "i",
      root_session_id: "ses_0",
      properties: { sessionID: "ses_1", requestID: "que_1", answers: [["A"]] },
    },
    {
      type: "instance.pending",
      instance_id: "i",
      properties: {
        permissions: [],
        questions: [{
          ...question,
          instance_id: "i",
          root_session_id: "ses_1",
        }],
      },
    },
    {
      type: "instance.recovered",
      instance_id: "i",
      properties: {
        reason: "r",
        restart_count: 1,
        interrupted: 0,
        logs: "/l",
        at: "t",
      },
    },
    {
      type: "marks.updated",
      instance_id: "i",
      properties: {
        sessionID: "ses_1",
        marks: [{
          kind: "aborted",
          session_id: "ses_1",
          message_id: "m",
          part_id: null,
          tool: null,
          reason: "r",
          at: "t",
        }],
      },
    },
    {
      type: "queue.updated",
      instance_id: "i",
      properties: { sessionID: "ses_1", queue: [] },
    },
  ];
  for (const event of known) {
    assertEquals(readFlockEvent(event).kind, "known", event.type);
  }
  const invalid = [
    {
      type: "question.asked",
      id: "evt_1",
      instance_id: "i",
      properties: { ...question, questions: [{ header: "Q" }] },
    },
    {
      type: "question.replied",
      id: "evt_2",
      instance_id: "i",
      properties: { sessionID: "s", requestID: "q", answers: ["A"] },
    },
    {
      type: "instance.pending",
      instance_id: "i",
      properties: { permissions: [{ id: "per_1" }], questions: [] },
    },
    {
      type: "instance.pending",
      instance_id: "i",
      properties: { permissions: [], questions: [question] },
    },
    {
      type: "instance.recovered",
      instance_id: "i",
      properties: { reason: "r" },
    },
    {
      type: "marks.updated",
      instance_id: "i",
      properties: { sessionID: "s", marks: [{}] },
    },
    { type: "queue.updated", instance_id: "i", properties: { sessionID: "s" } },
    {
      type: "session.idle",
      id: "evt_3",
      instance_id: "i",
      root_session_id: 5,
      properties: { sessionID: "s" },
    },
  ];
  for (const event of invalid) {
    assertEquals(readFlockEvent(event).kind, "invalid", JSON.stringify(event));
  }
});
