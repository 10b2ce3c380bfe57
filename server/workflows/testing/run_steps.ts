/**
 * Helpers for the decision-table tests: events without timestamps (each gets
 * the run's last update + 1 s), a `play` that applies them and checks the
 * invariants, and compact one-line views of states and commands.
 *
 * @module
 */
import { decide } from "../decide.ts";
import type { Decision, RunCommand, RunEvent } from "../decide_types.ts";
import { checkInvariants } from "../invariants.ts";
import { type AttemptState, liveAttempt, type RunState } from "../run_state.ts";

type WithoutAt<T> = T extends unknown ? Omit<T, "at"> : never;

/** An event to apply: given outright, or made from the state (e.g. its live attempt). */
export type Step =
  | WithoutAt<RunEvent>
  | ((state: RunState) => WithoutAt<RunEvent>);

/** The time the next event gets. */
export function nextAt(state: RunState): number {
  return state.updatedAt + 1000;
}

/** Applies one step; throws if it is rejected or breaks an invariant. */
export function applyStep(state: RunState, step: Step): Decision {
  const partial = typeof step === "function" ? step(state) : step;
  const event = { ...partial, at: nextAt(state) } as RunEvent;
  const decision = decide(state, event);
  if (decision.rejected !== null) {
    throw new Error(`Rejected ${event.type}: ${decision.rejected}`);
  }
  const broken = checkInvariants(decision.state);
  if (broken.length > 0) {
    throw new Error(`Invariants broken by ${event.type}: ${broken.join("; ")}`);
  }
  return decision;
}

/** Applies steps in order; returns the final state. */
export function play(state: RunState, ...steps: Step[]): RunState {
  return steps.reduce((s, step) => applyStep(s, step).state, state);
}

/** The live attempt (throws when none). */
export function live(state: RunState): AttemptState {
  const attempt = liveAttempt(state);
  if (attempt === null) throw new Error("No live attempt");
  return attempt;
}

/** Steps that bring the live attempt from wherever it is to `running`. */
export function toRunning(state: RunState): RunState {
  let s = state;
  for (let i = 0; i < 3 && live(s).phase !== "running"; i++) {
    const attempt = live(s);
    const id = attempt.id;
    if (attempt.phase === "preparing") {
      s = play(s, {
        type: "inputs_gathered",
        attemptId: id,
        progress: null,
        hasFrontendChanges: false,
      });
    } else if (attempt.phase === "creating_session") {
      s = play(s, {
        type: "session_created",
        attemptId: id,
        sessionId: `ses_${attempt.number}`,
      });
    } else if (attempt.phase === "prompting") {
      s = play(s, { type: "prompt_sent", attemptId: id });
    }
  }
  return s;
}

/** The live attempt runs and replies with `reply`. */
export function reply(state: RunState, text: string): RunState {
  const s = toRunning(state);
  return play(s, {
    type: "attempt_finished",
    attemptId: live(s).id,
    reply: text,
  });
}

/** Replies in order, one per attempt. */
export function replies(state: RunState, ...texts: string[]): RunState {
  return texts.reduce(reply, state);
}

/** A compact view of a run for table rows. */
export interface Summary {
  status: string;
  steps: string;
  stories: string;
  attempts: string;
  blocked: string | null;
  failure: string | null;
  feedback: string | null;
}

/** Summarises a run: `plan:done setup:running`, `S-1:done/0`, `1:plan:passed` … */
export function summary(state: RunState): Summary {
  return {
    status: state.status,
    steps: state.steps.map((s) =>
      `${s.id}:${s.status}${s.retryCount ? `/r${s.retryCount}` : ""}${
        s.reworkCount ? `/w${s.reworkCount}` : ""
      }`
    ).join(" "),
    stories: state.stories.map((s) => `${s.id}:${s.status}/${s.retryCount}`)
      .join(" "),
    attempts: state.attempts.map((a) =>
      `${a.number}:${a.step}${a.story ? `/${a.story}` : ""}:${
        a.outcome ?? a.phase
      }`
    ).join(" "),
    blocked: state.blocked
      ? `${state.blocked.kind} ${state.blocked.step}${
        state.blocked.story ? `/${state.blocked.story}` : ""
      }: ${state.blocked.reason}`
      : null,
    failure: state.failure
      ? `${state.failure.step}${
        state.failure.story ? `/${state.failure.story}` : ""
      }: ${state.failure.reason}`
      : null,
    feedback: state.feedback
      ? `${state.feedback.from}: ${state.feedback.text}`
      : null,
  };
}

/** One line per command; times are shown relative to the event (`+30m`). */
export function brief(commands: readonly RunCommand[], at: number): string[] {
  return commands.map((c) => {
    switch (c.type) {
      case "gather_inputs":
        return `gather ${c.attemptId} ${c.needs.join(",")}`;
      case "create_session": {
        const deny = c.permission.filter((r) => r.action === "deny")
          .map((r) => r.permission);
        return `create ${c.attemptId} ${c.agent}/${c.role}${
          deny.length ? ` deny:${deny.join(",")}` : ""
        }`;
      }
      case "send_prompt":
        return `prompt ${c.attemptId} ${c.sessionId}`;
      case "schedule_timeout":
        return `timer ${c.attemptId} +${(c.deadline - at) / 60_000}m`;
      case "cancel_timeout":
        return `untimer ${c.attemptId}`;
      case "abort_session":
        return `abort ${c.attemptId} ${c.sessionId}`;
      case "reconcile_attempt":
        return `reconcile ${c.attemptId} ${c.phase} ${c.sessionId ?? "-"}`;
      case "notify":
        return `notify ${c.kind} ${c.step ?? "-"}${
          c.story ? `/${c.story}` : ""
        }: ${c.reason}`;
    }
  });
}
