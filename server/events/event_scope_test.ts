import { assertEquals } from "../testing/assert.ts";
import { flockEvent } from "../testing/event_fixtures.ts";
import { matches, scopeOf } from "./event_scope.ts";

const delta = (sessionID: string) =>
  flockEvent("message.part.delta", {
    sessionID,
    messageID: "msg_1",
    partID: "prt_1",
    field: "text",
    delta: "x",
  }, "i1");

Deno.test("scopeOf and matches: session streams get their events and instance lifecycle", () => {
  const mine = delta("s1");
  const other = delta("s2");
  const removed = flockEvent("instance.removed", {}, "i1");
  const elsewhere = flockEvent("instance.removed", {}, "i2");
  const filter = { sessionId: "s1", instanceId: "i1" };
  assertEquals(matches(scopeOf(mine), filter), true);
  assertEquals(matches(scopeOf(other), filter), false);
  assertEquals(matches(scopeOf(removed), filter), true);
  assertEquals(matches(scopeOf(elsewhere), filter), false);
  assertEquals(matches(scopeOf(elsewhere), {}), true);
  assertEquals(matches(scopeOf(mine), { instanceId: "i1" }), true);
  assertEquals(matches(scopeOf(elsewhere), { instanceId: "i1" }), false);
});

Deno.test("scopeOf: an unknown event is scoped by its sessionID and instance", () => {
  const unknown = {
    type: "future.thing",
    instance_id: "i1",
    properties: { sessionID: "s1" },
  };
  assertEquals(scopeOf(unknown), {
    sessionId: "s1",
    instanceId: "i1",
    rootSessionId: undefined,
    instanceLifecycle: false,
  });
  const sessions = flockEvent("instance.sessions", { sessions: [] }, "i1");
  assertEquals(scopeOf(sessions), {
    sessionId: undefined,
    instanceId: "i1",
    rootSessionId: undefined,
    instanceLifecycle: false,
  });
});

Deno.test("scopeOf and matches: a subagent's events reach its top-level session's stream; pending and recovered are lifecycle", () => {
  const child = { ...delta("s_child"), root_session_id: "s1" };
  const filter = { sessionId: "s1", instanceId: "i1" };
  assertEquals(scopeOf(child).rootSessionId, "s1");
  assertEquals(matches(scopeOf(child), filter), true);
  assertEquals(matches(scopeOf(child), { sessionId: "s_child" }), true);
  assertEquals(matches(scopeOf(child), { sessionId: "s2" }), false);
  const pending = flockEvent("instance.pending", {
    permissions: [],
    questions: [],
  }, "i1");
  assertEquals(matches(scopeOf(pending), filter), true);
  assertEquals(
    matches(scopeOf(pending), { sessionId: "s1", instanceId: "i2" }),
    false,
  );
});
