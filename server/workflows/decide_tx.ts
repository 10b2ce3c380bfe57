/**
 * The working copy one {@linkcode decide} call mutates, and the helpers every
 * transition shares (notify, block, fail, reject).
 *
 * @module
 */
import type { RunCommand } from "./decide_types.ts";
import type { BlockedState, FailureState, RunState } from "./run_state.ts";

/** One decision in progress: a private copy of the state and the commands so far. */
export interface Tx {
  state: RunState;
  commands: RunCommand[];
  /** The event's time. */
  at: number;
}

/** Thrown inside a transition to refuse the event; `decide` turns it into `rejected`. */
export class Rejection extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Rejection";
  }
}

/** Refuses the event with a reason (for a person's action, the 409 message). */
export function reject(message: string): never {
  throw new Rejection(message);
}

/** A deep copy of the state that shares the pinned workflow (never mutated). */
export function draftOf(state: RunState): RunState {
  const { workflow, ...rest } = state;
  return { ...structuredClone(rest), workflow };
}

/** Queues a notification for a person, keyed so it is delivered once. */
export function notify(
  tx: Tx,
  kind: "blocked" | "failed" | "completed",
  step: string | null,
  story: string | null,
  reason: string,
): void {
  tx.state.notices += 1;
  tx.commands.push({
    type: "notify",
    key: `${tx.state.id}:${tx.state.notices}`,
    kind,
    step,
    story,
    reason,
  });
}

/** Puts the run in `blocked` for a person, and tells them. */
export function block(tx: Tx, blocked: BlockedState): void {
  tx.state.status = "blocked";
  tx.state.blocked = blocked;
  notify(tx, "blocked", blocked.step, blocked.story, blocked.reason);
}

/** Ends the run as `failed`, and tells a person. */
export function failRun(tx: Tx, failure: FailureState): void {
  tx.state.status = "failed";
  tx.state.failure = failure;
  tx.state.blocked = null;
  notify(tx, "failed", failure.step, failure.story, failure.reason);
}
