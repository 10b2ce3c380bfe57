/**
 * The inputs and outputs of {@linkcode decide}: events (what happened, told by
 * the runner or a person) and commands (what the runner must do).
 *
 * Every event carries `at`, the runner's clock in epoch milliseconds: the
 * decision function has no clock of its own.
 *
 * @module
 */
import type { PermissionRule } from "./roles.ts";
import type { AttemptPhase, RunState } from "./run_state.ts";
import type { AgentRole } from "./spec_types.ts";

/** What the runner found when it looked at an attempt's session after a restart. */
export type ReconcileObservation =
  /** No session exists for the attempt (none recorded, or none titled with its id). */
  | { kind: "no_session" }
  /** The session exists and holds no prompt yet. */
  | { kind: "not_prompted"; sessionId: string }
  /** The session is working on the prompt. */
  | { kind: "busy"; sessionId: string }
  /** The session waits on a permission or question request. */
  | { kind: "waiting_input"; sessionId: string; request: string }
  /** The session finished; `reply` is its last assistant text. */
  | {
    kind: "idle";
    sessionId: string;
    reply: string;
    tokens?: number;
    cost?: number;
  }
  /** The session's last turn ended in an error. */
  | { kind: "errored"; sessionId: string; message: string }
  /**
   * The session's reply was cut off by something outside the attempt (its
   * OpenCode stopped, e.g. with Flock): not the agent's failure, so the
   * work is done again without spending a retry.
   */
  | { kind: "interrupted"; sessionId: string; message: string };

/** Something that happened to a run. */
export type RunEvent =
  /** Begin a new run (from {@linkcode createRunState}). */
  | { type: "start"; at: number }
  /** The runner gathered the inputs a template needs from the repository. */
  | {
    type: "inputs_gathered";
    at: number;
    attemptId: string;
    /** `progress-<run_id>.txt`'s text, or null when there is none. */
    progress: string | null;
    hasFrontendChanges: boolean;
  }
  /** The attempt's session exists. */
  | {
    type: "session_created";
    at: number;
    attemptId: string;
    sessionId: string;
  }
  /** OpenCode accepted the prompt (`prompt_async` answered). */
  | { type: "prompt_sent"; at: number; attemptId: string }
  /** The session went idle; `reply` is the final assistant text. */
  | {
    type: "attempt_finished";
    at: number;
    attemptId: string;
    reply: string;
    tokens?: number;
    cost?: number;
  }
  /**
   * `session.error`, or the session could not be created or prompted.
   * With `giveUp`, retrying cannot help (the run's worktree is gone): the
   * step (or story) is given up at once, as when its retries run out, and
   * no retry is spent.
   */
  | {
    type: "attempt_errored";
    at: number;
    attemptId: string;
    message: string;
    giveUp?: boolean;
  }
  /** The attempt's role timeout fired. */
  | { type: "attempt_timed_out"; at: number; attemptId: string }
  /** The session asked a permission or question; its timeout pauses. */
  | {
    type: "attempt_input_requested";
    at: number;
    attemptId: string;
    request: string;
  }
  /** No request of the session is pending any more. */
  | { type: "attempt_input_answered"; at: number; attemptId: string }
  /** Flock restarted: look at every live attempt. */
  | { type: "recovered"; at: number }
  /** What the runner found for `reconcile_attempt`. */
  | {
    type: "attempt_reconciled";
    at: number;
    attemptId: string;
    observed: ReconcileObservation;
  }
  /** A person stops the run (→ cancelled). */
  | { type: "stop"; at: number }
  /** A person resumes a cancelled or failed run. */
  | { type: "resume"; at: number }
  /** A person retries a step (blocked, failed or live). */
  | { type: "retry_step"; at: number; step: string }
  /** A person skips a step (or, on a loop, its current story). */
  | { type: "skip_step"; at: number; step: string }
  /** A person approves a gate, or accepts an escalated step (or story) as done. */
  | { type: "approve"; at: number; step: string };

/** The type names of events a person sends (answered 409 when rejected). */
export const PERSON_EVENTS = [
  "stop",
  "resume",
  "retry_step",
  "skip_step",
  "approve",
] as const;

/** What the runner must do. Each carries the attempt it is for, which keys it. */
export type RunCommand =
  /** Read `progress-<run_id>.txt` and diff the branch for front-end files. */
  | {
    type: "gather_inputs";
    attemptId: string;
    needs: ("progress" | "has_frontend_changes")[];
    /** `{{repo}}` and `{{branch}}` from the context, when known. */
    repo: string | null;
    branch: string | null;
  }
  /** Create the attempt's OpenCode session (title holds the attempt id, for recovery). */
  | {
    type: "create_session";
    attemptId: string;
    title: string;
    agent: string;
    role: AgentRole;
    permission: PermissionRule[];
    model: string | null;
  }
  /** Send the prompt with `prompt_async`. */
  | {
    type: "send_prompt";
    attemptId: string;
    sessionId: string;
    system: string;
    text: string;
  }
  /** Arm (or re-arm) the attempt's timeout to fire `attempt_timed_out` at `deadline`. */
  | { type: "schedule_timeout"; attemptId: string; deadline: number }
  /** Disarm the attempt's timeout. */
  | { type: "cancel_timeout"; attemptId: string }
  /** Abort the session (idempotent: aborting an idle session is harmless). */
  | { type: "abort_session"; attemptId: string; sessionId: string }
  /** Look at the attempt's session and answer with `attempt_reconciled`. */
  | {
    type: "reconcile_attempt";
    attemptId: string;
    sessionId: string | null;
    phase: AttemptPhase;
    title: string;
  }
  /** Tell a person (inbox + notification); `key` makes it idempotent. */
  | {
    type: "notify";
    key: string;
    kind: "blocked" | "failed" | "completed";
    step: string | null;
    story: string | null;
    reason: string;
  };

/** The result of {@linkcode decide}. */
export interface Decision {
  state: RunState;
  commands: RunCommand[];
  /** Why the event was refused (state unchanged, no commands), or null. */
  rejected: string | null;
}

/**
 * Whether a command left in the outbox at a crash is carried out again after
 * the restart. Attempt commands are not: `recovered` regenerates them from
 * the state after looking at OpenCode, which is the only way to know whether
 * they happened.
 */
export function replayAfterCrash(command: RunCommand): boolean {
  return command.type === "abort_session" || command.type === "notify";
}
