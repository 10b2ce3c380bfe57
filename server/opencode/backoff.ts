/**
 * The restart policy and its delay formula (pure).
 *
 * @module
 */

/** How crashed children are restarted. */
export interface RestartPolicy {
  /** The first delay, in ms. Default 500. */
  baseMs: number;
  /** The largest delay, in ms. Default 30 000. */
  capMs: number;
  /** Growth per attempt. Default 2. */
  multiplier: number;
  /** Fraction of the delay that is random (0..1). Default 0.5. */
  jitter: number;
  /** Restarts in a row before the instance stays `error`. Default 5. */
  maxAttempts: number;
  /** Uptime in `running` after which the attempt counter resets, in ms. Default 60 000. */
  stableAfterMs: number;
}

/** The default {@linkcode RestartPolicy}. */
export const DEFAULT_RESTART_POLICY: Readonly<RestartPolicy> = {
  baseMs: 500,
  capMs: 30_000,
  multiplier: 2,
  jitter: 0.5,
  maxAttempts: 5,
  stableAfterMs: 60_000,
};

/**
 * The delay before restart number `attempt` (0-based): exponential growth,
 * capped, minus a random share (the formula of std's
 * `exponentialBackoffWithJitter`).
 *
 * @param attempt 0 for the first restart.
 * @param random A number in [0, 1), injected for tests.
 * @returns The delay in ms, in `[(1 - jitter) * d, d]` where
 * `d = min(capMs, baseMs * multiplier ** attempt)`.
 * @example
 * ```ts
 * backoffDelay(0, DEFAULT_RESTART_POLICY, () => 0); // 500
 * backoffDelay(10, DEFAULT_RESTART_POLICY, () => 0); // 30000
 * ```
 */
export function backoffDelay(
  attempt: number,
  policy: Pick<RestartPolicy, "baseMs" | "capMs" | "multiplier" | "jitter">,
  random: () => number,
): number {
  const exp = Math.min(
    policy.capMs,
    policy.baseMs * policy.multiplier ** Math.max(0, attempt),
  );
  return Math.round((1 - policy.jitter * random()) * exp);
}
