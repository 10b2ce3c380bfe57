import assert from "node:assert/strict";
import { INSTANCE_STATUSES } from "../contract/instances.ts";
import { type InstanceInput, isActive, nextState } from "./instance_state.ts";

Deno.test("nextState: the happy path", () => {
  assert.equal(nextState("starting", "ready"), "running");
  assert.equal(nextState("running", "stop"), "stopping");
  assert.equal(nextState("stopping", "stopped"), "stopped");
  assert.equal(nextState("stopped", "start"), "starting");
});

Deno.test("nextState: failures and restarts", () => {
  assert.equal(nextState("starting", "fail"), "error");
  assert.equal(nextState("running", "fail"), "error");
  assert.equal(nextState("error", "start"), "starting");
  assert.equal(nextState("error", "stop"), "stopping");
  assert.equal(nextState("starting", "stop"), "stopping");
});

Deno.test("nextState: a stopping instance ignores crashes and readiness", () => {
  assert.equal(nextState("stopping", "fail"), null);
  assert.equal(nextState("stopping", "ready"), null);
  assert.equal(nextState("stopping", "start"), null);
});

Deno.test("nextState: invalid inputs return null", () => {
  assert.equal(nextState("stopped", "ready"), null);
  assert.equal(nextState("stopped", "fail"), null);
  assert.equal(nextState("stopped", "stop"), null);
  assert.equal(nextState("running", "start"), null);
  assert.equal(nextState("running", "ready"), null);
  assert.equal(nextState("error", "ready"), null);
});

Deno.test("nextState: every state leads to stopped", () => {
  const inputs: InstanceInput[] = [
    "start",
    "ready",
    "fail",
    "stop",
    "stopped",
    "hibernate",
    "hibernated",
  ];
  for (const start of INSTANCE_STATUSES) {
    const seen = new Set([start]);
    const queue = [start];
    while (queue.length > 0) {
      const state = queue.shift()!;
      for (const input of inputs) {
        const next = nextState(state, input);
        if (next && !seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    assert.ok(seen.has("stopped"), `${start} cannot reach stopped`);
  }
});

Deno.test("isActive", () => {
  assert.deepEqual(INSTANCE_STATUSES.filter(isActive), [
    "starting",
    "running",
    "stopping",
    "hibernating",
  ]);
});

Deno.test("nextState: hibernation and wake", () => {
  assert.equal(nextState("running", "hibernate"), "hibernating");
  assert.equal(nextState("hibernating", "hibernated"), "hibernated");
  assert.equal(nextState("hibernated", "start"), "starting");
  assert.equal(nextState("hibernated", "stop"), "stopping");
  // Only a running instance goes to sleep; a sleeping one ignores the rest.
  for (const state of ["starting", "stopping", "stopped", "error"] as const) {
    assert.equal(nextState(state, "hibernate"), null);
  }
  assert.equal(nextState("hibernating", "fail"), null);
  assert.equal(nextState("hibernating", "start"), null);
  assert.equal(nextState("hibernated", "ready"), null);
});
