import type { FlockEvent } from "../api_types.ts";
import { assertEquals } from "../testing/assert.ts";
import { matches, scopeOf, sessionIdOf } from "./event_scope.ts";

Deno.test("sessionIdOf finds the session in every documented place", () => {
  assertEquals(
    sessionIdOf({
      type: "message.part.delta",
      properties: { sessionID: "s1" },
    }),
    "s1",
  );
  assertEquals(
    sessionIdOf({
      type: "message.updated",
      properties: { info: { id: "msg_1", sessionID: "s2" } },
    }),
    "s2",
  );
  assertEquals(
    sessionIdOf({
      type: "message.part.updated",
      properties: { part: { id: "prt_1", sessionID: "s3" } },
    }),
    "s3",
  );
  assertEquals(
    sessionIdOf({
      type: "session.created",
      properties: { info: { id: "s4" } },
    }),
    "s4",
  );
  // info.id is a message id outside session.* events.
  assertEquals(
    sessionIdOf({ type: "message.updated", properties: { info: { id: "m" } } }),
    undefined,
  );
  assertEquals(
    sessionIdOf({ type: "x", properties: { sessionID: 5 } }),
    undefined,
  );
  assertEquals(sessionIdOf({ type: "x", properties: null }), undefined);
  assertEquals(sessionIdOf({ type: "x" }), undefined);
});

Deno.test("scopeOf and matches: session streams get their events and instance lifecycle", () => {
  const delta: FlockEvent = {
    type: "message.part.delta",
    instance_id: "i1",
    properties: { sessionID: "s1" },
  };
  const other: FlockEvent = {
    type: "message.part.delta",
    instance_id: "i1",
    properties: { sessionID: "s2" },
  };
  const removed: FlockEvent = {
    type: "instance.removed",
    instance_id: "i1",
    properties: {},
  };
  const elsewhere: FlockEvent = {
    type: "instance.removed",
    instance_id: "i2",
    properties: {},
  };
  const filter = { sessionId: "s1", instanceId: "i1" };
  assertEquals(matches(scopeOf(delta), filter), true);
  assertEquals(matches(scopeOf(other), filter), false);
  assertEquals(matches(scopeOf(removed), filter), true);
  assertEquals(matches(scopeOf(elsewhere), filter), false);
  assertEquals(matches(scopeOf(elsewhere), {}), true);
  assertEquals(matches(scopeOf(delta), { instanceId: "i1" }), true);
  assertEquals(matches(scopeOf(elsewhere), { instanceId: "i1" }), false);
});
