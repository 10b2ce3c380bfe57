/**
 * The restart loop: run a child, and after each failure decide whether and
 * when to run it again. {@linkcode decideRestart} is the whole policy as a
 * pure function (backoff, attempts, reset after stable uptime, give up, no
 * retry for what a retry cannot fix); {@linkcode restartLoop} is the small
 * driver around it. Nothing restarts once the instance is no longer wanted
 * (an intentional stop), not even from inside a backoff wait.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import { backoffDelay, type RestartPolicy } from "./backoff.ts";

/** A run that ended on its own (not by an intentional stop). */
export interface FailedRun {
  kind: "failed";
  /** The instance's `last_error`, without the restart note. */
  message: string;
  exitCode: number | null;
  /** When it reached running (clock ms), or null if it never did. */
  runningSince: number | null;
  /**
   * Whether a restart may help: true for crashes, failed health checks and
   * children that exited on their own while starting (e.g. two OpenCodes
   * migrating a fresh data dir at once); false for a missing binary, a spawn
   * error or a readiness timeout.
   */
  retryable: boolean;
}

/** How one run ended. */
export type RunOutcome = { kind: "stopped" } | FailedRun;

/** What to do after a failed run. */
export type RestartDecision =
  | {
    kind: "restart";
    delayMs: number;
    /** Restarts in a row, this one included. */
    attempts: number;
    /** Appended to `last_error`. */
    note: string;
  }
  | { kind: "give-up"; attempts: number; note: string }
  | { kind: "final"; attempts: number; note: "" };

/**
 * The decision after `outcome`, given the restarts in a row so far.
 *
 * @param now The clock's time when the run ended.
 * @param random A number in [0, 1) for the backoff jitter.
 * @example
 * ```ts
 * decideRestart(0, crash, now, DEFAULT_RESTART_POLICY, () => 0);
 * // { kind: "restart", delayMs: 500, attempts: 1, note: "\nRestarting in 500 ms (attempt 1 of 5)." }
 * ```
 */
export function decideRestart(
  attempts: number,
  outcome: FailedRun,
  now: number,
  policy: RestartPolicy,
  random: () => number,
): RestartDecision {
  const stable = outcome.runningSince !== null &&
    now - outcome.runningSince >= policy.stableAfterMs;
  const inARow = stable ? 0 : attempts;
  if (!outcome.retryable) return { kind: "final", attempts: inARow, note: "" };
  if (inARow >= policy.maxAttempts) {
    return {
      kind: "give-up",
      attempts: inARow,
      note: `\nGave up after ${inARow} restarts in a row.`,
    };
  }
  const delayMs = backoffDelay(inARow, policy, random);
  return {
    kind: "restart",
    delayMs,
    attempts: inARow + 1,
    note: Number.isFinite(policy.maxAttempts)
      ? `\nRestarting in ${delayMs} ms (attempt ${
        inARow + 1
      } of ${policy.maxAttempts}).`
      : `\nTrying again in ${delayMs} ms (attempt ${inARow + 1}).`,
  };
}

/** Options for {@linkcode restartLoop}. */
export interface RestartLoopOptions {
  /** One run, to its end; `restart` is false for the first. */
  runOnce(restart: boolean): Promise<RunOutcome>;
  /** Records a failure with the decision taken (before any backoff wait). */
  onFailure(outcome: FailedRun, decision: RestartDecision): void;
  /** False once the instance was stopped on purpose. */
  wanted(): boolean;
  /** Aborted by an intentional stop: ends a backoff wait at once. */
  signal: AbortSignal;
  clock: Clock;
  policy: RestartPolicy;
  random: () => number;
  /**
   * A failure before any run of this loop was ready is final (a wake: the
   * request waiting on it gets the reason at once, and the instance stays
   * `error`). Later failures follow the policy.
   */
  finalBeforeReady?: boolean;
}

/** Runs until a stop, a failure that is not retried, or giving up. */
export async function restartLoop(options: RestartLoopOptions): Promise<void> {
  let attempts = 0;
  let restart = false;
  let everReady = false;
  while (options.wanted()) {
    const outcome = await options.runOnce(restart);
    if (!options.wanted() || outcome.kind === "stopped") return;
    everReady ||= outcome.runningSince !== null;
    const decision: RestartDecision = options.finalBeforeReady && !everReady
      ? { kind: "final", attempts, note: "" }
      : decideRestart(
        attempts,
        outcome,
        options.clock.now(),
        options.policy,
        options.random,
      );
    attempts = decision.attempts;
    options.onFailure(outcome, decision);
    if (decision.kind !== "restart") return;
    await options.clock.sleep(decision.delayMs, options.signal);
    restart = true;
  }
}
