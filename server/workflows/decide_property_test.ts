/**
 * Property tests: long seeded random event sequences (plausible runner
 * events, replies of every kind, a person's actions, stale and unknown
 * events, restarts) against the three test workflows. After every event:
 * the invariants hold; a refused event changes nothing; a run that is failed,
 * cancelled or completed issues no command unless a person revives it; an
 * attempt that has ended never changes again; commands only concern the live
 * attempt (or the one that just ended).
 *
 * The seed is fixed; `WORKFLOW_SEED=<n>` reproduces a run and
 * `WORKFLOW_SEED=random` draws one (printed).
 */
import { ATTEMPT_OUTCOMES } from "../contract/workflows.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { decide } from "./decide.ts";
import type { RunEvent } from "./decide_types.ts";
import { checkInvariants } from "./invariants.ts";
import { isTerminal, liveAttempt, type RunState } from "./run_state.ts";
import { chooseSeed, SeededRandom } from "./testing/seeded_random.ts";
import {
  BUGFIX_YAML,
  FEATURE_YAML,
  GATED_YAML,
  newRun,
  storiesJson,
} from "./testing/specs.ts";

const { seed: SEED, random: RANDOM_SEED } = chooseSeed();
const RUNS = 400;
const EVENTS_PER_RUN = 120;

const REPLIES = [
  "STATUS: done",
  "STATUS: done\nREPO: /r\nBRANCH: b\nROOT_CAUSE: x\nCHANGES: c\nTEST_CMD: t\nRESULTS: r\nPR: p\nTITLE: t",
  `STATUS: done\nREPO: /r\nBRANCH: b\nSTORIES_JSON: ${storiesJson(2)}`,
  `STATUS: done\nREPO: /r\nBRANCH: b\nTEST_CMD: t\nSTORIES_JSON: ${
    storiesJson(3)
  }`,
  'STATUS: done\nSTORIES_JSON: [{"id": 1}]',
  "STATUS: done\nSTORIES_JSON: []",
  "STATUS: retry\nISSUES:\n- missing",
  "STATUS: retry\nFAILURES: f",
  "STATUS: fail",
  "",
  "no status at all",
];

function plausible(rng: SeededRandom, state: RunState, at: number): RunEvent {
  const attempt = liveAttempt(state);
  if (attempt === null || rng.chance(0.1)) return person(rng, state, at);
  const attemptId = attempt.id;
  if (rng.chance(0.05)) {
    return { type: "attempt_errored", at, attemptId, message: "boom" };
  }
  if (rng.chance(0.01)) {
    // The run's worktree is gone: given up at once.
    return {
      type: "attempt_errored",
      at,
      attemptId,
      message: "gone",
      giveUp: true,
    };
  }
  if (rng.chance(0.05)) return { type: "recovered", at };
  if (rng.chance(0.08)) return reconciled(rng, attemptId, at);
  switch (attempt.phase) {
    case "preparing":
      return {
        type: "inputs_gathered",
        at,
        attemptId,
        progress: rng.chance(0.5) ? null : "notes",
        hasFrontendChanges: rng.chance(0.5),
      };
    case "creating_session":
      return {
        type: "session_created",
        at,
        attemptId,
        sessionId: `ses_${attempt.number}`,
      };
    case "prompting":
      return { type: "prompt_sent", at, attemptId };
    case "running":
      if (rng.chance(0.05)) {
        return {
          type: "attempt_timed_out",
          at: attempt.deadline ?? at,
          attemptId,
        };
      }
      if (rng.chance(0.05)) {
        return {
          type: "attempt_input_requested",
          at,
          attemptId,
          request: "bash",
        };
      }
      return {
        type: "attempt_finished",
        at,
        attemptId,
        reply: rng.pick(REPLIES),
        cost: 0.01,
      };
    case "waiting_input":
      return rng.chance(0.5)
        ? { type: "attempt_input_answered", at, attemptId }
        : { type: "attempt_finished", at, attemptId, reply: rng.pick(REPLIES) };
    case "ended":
      throw new Error("a live attempt cannot be ended");
  }
}

function reconciled(
  rng: SeededRandom,
  attemptId: string,
  at: number,
): RunEvent {
  const sessionId = "ses_r";
  const observed = rng.pick(
    [
      { kind: "no_session" },
      { kind: "not_prompted", sessionId },
      { kind: "busy", sessionId },
      { kind: "waiting_input", sessionId, request: "q" },
      { kind: "idle", sessionId, reply: rng.pick(REPLIES) },
      { kind: "errored", sessionId, message: "x" },
      { kind: "interrupted", sessionId, message: "cut off" },
    ] as const,
  );
  return { type: "attempt_reconciled", at, attemptId, observed };
}

function person(rng: SeededRandom, state: RunState, at: number): RunEvent {
  const steps = [...state.steps.map((s) => s.id), "nope"];
  const step = rng.pick(steps);
  return rng.pick<RunEvent>([
    { type: "stop", at },
    { type: "resume", at },
    { type: "retry_step", at, step },
    { type: "skip_step", at, step },
    { type: "approve", at, step },
    { type: "approve", at, step: state.blocked?.step ?? step },
    {
      type: "retry_step",
      at,
      step: state.blocked?.step ?? state.failure?.step ?? step,
    },
  ]);
}

function stale(rng: SeededRandom, state: RunState, at: number): RunEvent {
  const attemptId = state.attempts.length > 0 && rng.chance(0.8)
    ? rng.pick(state.attempts).id
    : "run1.999";
  return rng.pick<RunEvent>([
    { type: "attempt_finished", at, attemptId, reply: "STATUS: done" },
    { type: "session_created", at, attemptId, sessionId: "ses_dup" },
    { type: "prompt_sent", at, attemptId },
    { type: "attempt_timed_out", at, attemptId },
    { type: "attempt_errored", at, attemptId, message: "late" },
    {
      type: "inputs_gathered",
      at,
      attemptId,
      progress: null,
      hasFrontendChanges: false,
    },
    { type: "start", at },
  ]);
}

const REVIVING = new Set(["resume", "retry_step", "skip_step", "approve"]);

Deno.test(`decide keeps its invariants over ${RUNS} random runs (seed ${SEED})`, () => {
  // deno-lint-ignore no-console
  if (RANDOM_SEED) console.log(`decide_property_test: WORKFLOW_SEED=${SEED}`);
  const rng = new SeededRandom(SEED);
  const specs = [FEATURE_YAML, BUGFIX_YAML, GATED_YAML];
  const seenStatuses = new Set<string>();
  const seenOutcomes = new Set<string>();
  let accepted = 0;
  for (let run = 0; run < RUNS; run++) {
    let state = decide(newRun(rng.pick(specs)), { type: "start", at: 1 }).state;
    for (let i = 0; i < EVENTS_PER_RUN; i++) {
      const at = state.updatedAt + 1 + rng.int(120_000);
      const event = rng.chance(0.1)
        ? stale(rng, state, at)
        : plausible(rng, state, at);
      const context = `seed ${SEED}, run ${run}, event ${i}: ${
        JSON.stringify(event)
      }`;
      const decision = decide(state, event);
      if (decision.rejected !== null) {
        assert(
          decision.state === state,
          `a refused event changed the state (${context})`,
        );
        assertEquals(decision.commands, [], context);
        continue;
      }
      accepted++;
      const next = decision.state;
      assertEquals(checkInvariants(next), [], context);
      if (isTerminal(state.status) && !REVIVING.has(event.type)) {
        assertEquals(
          decision.commands,
          [],
          `a ${state.status} run issued commands (${context})`,
        );
      }
      state.attempts.forEach((before, index) => {
        if (before.phase === "ended") {
          assertEquals(
            next.attempts[index],
            before,
            `an ended attempt changed (${context})`,
          );
        }
      });
      assertEquals(
        next.attempts.slice(0, state.attempts.length).map((a) => a.id),
        state.attempts.map((a) => a.id),
        context,
      );
      const liveId = liveAttempt(next)?.id;
      for (const command of decision.commands) {
        if (
          command.type === "notify" || command.type === "abort_session" ||
          command.type === "cancel_timeout"
        ) {
          continue;
        }
        assertEquals(
          command.attemptId,
          liveId,
          `a command for a non-live attempt (${context})`,
        );
      }
      state = next;
      seenStatuses.add(state.status);
    }
    for (const attempt of state.attempts) {
      seenOutcomes.add(attempt.outcome ?? "live");
    }
  }
  // The generator must reach every corner, or the properties prove little.
  assertEquals([...seenStatuses].sort(), [
    "blocked",
    "cancelled",
    "completed",
    "failed",
    "running",
  ]);
  for (const outcome of ATTEMPT_OUTCOMES) {
    assert(seenOutcomes.has(outcome), `no attempt ended ${outcome}`);
  }
  assert(accepted > RUNS * 20, `only ${accepted} events were accepted`);
});

Deno.test("decide is deterministic: the same events give the same states and commands", () => {
  const rng = new SeededRandom(SEED ^ 0x5eed);
  let a = decide(newRun(FEATURE_YAML), { type: "start", at: 1 }).state;
  let b = decide(newRun(FEATURE_YAML), { type: "start", at: 1 }).state;
  for (let i = 0; i < 300; i++) {
    const event = plausible(rng, a, a.updatedAt + 1000);
    const da = decide(a, event);
    const db = decide(b, structuredClone(event));
    assertEquals(da, db);
    a = da.state;
    b = db.state;
  }
});
