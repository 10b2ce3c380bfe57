/**
 * The workflow engine's decision function: `decide(state, event)` returns the
 * run's next state and the commands the runner must carry out. It does no
 * I/O, reads no clock (time arrives in each event's `at`) and draws no random
 * numbers, so every transition is a plain, testable value.
 *
 * Guarantees (checked by `decide_test.ts` over random event sequences): a run
 * never completes with work pending; at most one attempt is live at a time,
 * so no step ever has two; an attempt that has ended is never judged again;
 * a failed or cancelled run issues no further command until a person resumes
 * or retries it.
 *
 * @module
 */
import { advance, attemptTitle } from "./advance.ts";
import { onAttemptEvent } from "./attempt_events.ts";
import type { Decision, RunEvent } from "./decide_types.ts";
import { draftOf, reject, Rejection, type Tx } from "./decide_tx.ts";
import { onPersonEvent } from "./person_actions.ts";
import { liveAttempt, type RunState } from "./run_state.ts";

/**
 * Applies one event to a run.
 *
 * @returns The new state and commands; or, when the event is refused, the
 * same state, no commands and the reason in `rejected`.
 *
 * @example
 * ```ts
 * let { state, commands } = decide(createRunState(init), { type: "start", at: 0 });
 * // commands: [{ type: "create_session", attemptId: "<run>.1", ... }]
 * ```
 */
export function decide(state: RunState, event: RunEvent): Decision {
  const tx: Tx = { state: draftOf(state), commands: [], at: event.at };
  try {
    apply(tx, event);
  } catch (error) {
    if (error instanceof Rejection) {
      return { state, commands: [], rejected: error.message };
    }
    throw error;
  }
  tx.state.updatedAt = event.at;
  return { state: tx.state, commands: tx.commands, rejected: null };
}

function apply(tx: Tx, event: RunEvent): void {
  switch (event.type) {
    case "start":
      return start(tx);
    case "recovered":
      return recover(tx);
    case "stop":
    case "resume":
    case "retry_step":
    case "skip_step":
    case "approve":
      return onPersonEvent(tx, event);
    case "inputs_gathered":
    case "session_created":
    case "prompt_sent":
    case "attempt_finished":
    case "attempt_errored":
    case "attempt_timed_out":
    case "attempt_input_requested":
    case "attempt_input_answered":
    case "attempt_reconciled":
      return onAttemptEvent(tx, event);
    default: {
      const unknown: never = event;
      reject(`Unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

function start(tx: Tx): void {
  const { state } = tx;
  const fresh = state.status === "running" && state.attempts.length === 0 &&
    state.steps.every((step) => step.status === "waiting");
  if (!fresh) reject(`Cannot start run #${state.runNumber} as it has started`);
  advance(tx);
}

/**
 * After a restart: ask the runner to look at the live attempt's session. A
 * running run with nothing live (it cannot happen, but costs nothing to
 * handle) simply moves on.
 */
function recover(tx: Tx): void {
  const { state } = tx;
  if (state.status !== "running" && state.status !== "blocked") return;
  const live = liveAttempt(state);
  if (live === null) return advance(tx);
  tx.commands.push({
    type: "reconcile_attempt",
    attemptId: live.id,
    sessionId: live.sessionId,
    phase: live.phase,
    title: attemptTitle(state, live),
  });
}
