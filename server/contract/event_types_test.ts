import { assert, assertEquals } from "../testing/assert.ts";
import {
  FLOCK_EVENT_TYPES,
  FLOCK_OWN_EVENT_TYPES,
  isFlockEvent,
  isFlockEventType,
  isOpenCodeEventType,
  OPENCODE_EVENT_TYPES,
} from "./event_types.ts";

Deno.test("the event type lists are complete and distinct", () => {
  // The SDK 1.18.33 union has 89 types; Flock adds 15 of its own.
  assertEquals(OPENCODE_EVENT_TYPES.length, 89);
  assertEquals(FLOCK_OWN_EVENT_TYPES.length, 15);
  assertEquals(new Set(FLOCK_EVENT_TYPES).size, 104);
  for (
    const type of [
      "message.part.delta",
      "session.status",
      "session.created",
      "permission.asked",
      "question.asked",
      "todo.updated",
      "server.connected",
    ]
  ) {
    assert(isOpenCodeEventType(type), type);
    assert(FLOCK_EVENT_TYPES.includes(type), type);
  }
  assert(!isOpenCodeEventType("instance.status"));
  assert(isFlockEventType("instance.sessions"));
  for (
    const type of [
      "run.updated",
      "step.updated",
      "story.updated",
      "attempt.updated",
      "run.notice",
    ] as const
  ) {
    assert(FLOCK_OWN_EVENT_TYPES.includes(type), type);
  }
  // Sent by OpenCode but not in its documented union.
  assert(!isFlockEventType("server.heartbeat"));
  assert(!isFlockEventType("constructor"));
  assert(!isFlockEventType("__proto__"));
});

Deno.test("isFlockEvent tells known events from unknown ones by type", () => {
  assert(isFlockEvent({ type: "stream.reset", properties: { reason: "x" } }));
  assert(!isFlockEvent({ type: "future.thing", properties: {} }));
});
