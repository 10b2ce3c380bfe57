import { assertEquals } from "../testing/assert.ts";
import { checkInvariants } from "./invariants.ts";
import type { RunState } from "./run_state.ts";
import { play, toRunning } from "./testing/run_steps.ts";
import { BUGFIX_YAML, newRun } from "./testing/specs.ts";

const running = toRunning(play(newRun(BUGFIX_YAML), { type: "start" }));

function broken(change: (state: RunState) => void): string[] {
  const state = structuredClone(running);
  change(state);
  return checkInvariants(state);
}

Deno.test("a sound state breaks no rule", () => {
  assertEquals(checkInvariants(running), []);
});

Deno.test("each rule catches its own breakage", () => {
  assertEquals(
    broken((s) =>
      s.attempts.push({ ...s.attempts[0]!, id: "run1.2", number: 2 })
    ),
    [
      "2 attempts are live: run1.1,run1.2",
    ],
  );
  assertEquals(broken((s) => (s.status = "completed")), [
    "the run is completed with a live attempt",
    'completed with step "triage" running',
    'completed with step "fix" waiting',
    'completed with step "verify" waiting',
  ]);
  assertEquals(
    broken((s) => {
      s.attempts[0]!.phase = "ended";
      s.attempts[0]!.outcome = "passed";
    }),
    ["the run is running with nothing live (it would stall)"],
  );
  assertEquals(broken((s) => (s.status = "blocked")), [
    "the run is blocked and blocked is undefined",
  ]);
  assertEquals(
    broken((s) => (s.failure = { step: "x", story: null, reason: "r" })),
    [
      "the run is running and failure is r",
    ],
  );
  assertEquals(
    broken((s) => {
      s.status = "blocked";
      s.blocked = { kind: "gate", step: "triage", story: null, reason: "r" };
    }),
    ["the run is blocked (gate) with a live attempt"],
  );
  assertEquals(
    broken((s) => {
      s.status = "blocked";
      s.blocked = { kind: "input", step: "triage", story: null, reason: "r" };
    }),
    ["the run waits for input but no attempt does"],
  );
  assertEquals(broken((s) => (s.attempts[0]!.number = 7)), [
    "attempt run1.1 is numbered 7",
  ]);
  assertEquals(broken((s) => (s.attempts[0]!.outcome = "passed")), [
    "attempt run1.1 is running with outcome passed",
  ]);
  assertEquals(broken((s) => (s.steps[0]!.status = "done")), [
    'live attempt run1.1 on step "triage" done',
  ]);
  assertEquals(broken((s) => (s.attempts[0]!.story = "S-9")), [
    'live attempt run1.1 on story "S-9" undefined',
  ]);
});
