/**
 * Periodic health checks of a running child: a check every `intervalMs`
 * (after the previous one finished), and a verdict after a number of failed
 * checks in a row that depends on whether the instance is busy
 * ({@linkcode failureThreshold}): a child that stops answering while one of
 * its sessions works is given longer, so a loaded machine or a long
 * synchronous step in OpenCode does not cost the user their turn.
 *
 * @module
 */
import type { Clock } from "../clock.ts";

/** Health checking of running children. */
export interface HealthPolicy {
  /** Time between checks, in ms. Default 5000. */
  intervalMs: number;
  /**
   * Time limit per check, in ms. Default 5000: a fresh OpenCode can leave
   * `/global/health` unanswered for over 3 s during its lazy first-use
   * initialisation on a small machine.
   */
  timeoutMs: number;
  /** Failed checks in a row that count as a crash while idle. Default 3. */
  failures: number;
  /** While a session is busy, the threshold is multiplied by this. Default 4. */
  busyMultiplier: number;
  /** The busy threshold never exceeds this many checks. Default 20. */
  maxBusyFailures: number;
}

/** The default {@linkcode HealthPolicy}. */
export const DEFAULT_HEALTH_POLICY: Readonly<HealthPolicy> = {
  intervalMs: 5000,
  timeoutMs: 5000,
  failures: 3,
  busyMultiplier: 4,
  maxBusyFailures: 20,
};

/**
 * How many failed checks in a row make the verdict: `failures` while idle;
 * while busy `failures × busyMultiplier`, capped at `maxBusyFailures` (and
 * never below `failures`). With the defaults: 3 idle, 12 busy.
 *
 * @example
 * ```ts
 * failureThreshold(DEFAULT_HEALTH_POLICY, false); // 3
 * failureThreshold(DEFAULT_HEALTH_POLICY, true); // 12
 * ```
 */
export function failureThreshold(policy: HealthPolicy, busy: boolean): number {
  if (!busy) return policy.failures;
  return Math.max(
    policy.failures,
    Math.min(policy.failures * policy.busyMultiplier, policy.maxBusyFailures),
  );
}

/** Options for {@linkcode monitorHealth}. */
export interface MonitorHealthOptions {
  /**
   * One check: resolves with null when healthy, or with what was wrong.
   * Must not reject.
   */
  check(timeoutMs: number, signal: AbortSignal): Promise<string | null>;
  policy: HealthPolicy;
  clock: Clock;
  /** Ends the monitoring. */
  signal: AbortSignal;
  /** Whether a session of the instance is busy now (asked after each failure). */
  busy?(): boolean;
  /** Told about each failed check (count in a row, threshold, problem). */
  onFailure?(count: number, threshold: number, problem: string): void;
}

/**
 * Checks until `signal` aborts or the child is judged unhealthy: after
 * {@linkcode failureThreshold} failed checks in a row, the threshold taken
 * with the busy state at the time of the last failure.
 *
 * @returns why it is unhealthy, or null when the signal ended the monitoring.
 */
export async function monitorHealth(
  options: MonitorHealthOptions,
): Promise<string | null> {
  const { policy, clock, signal } = options;
  let failures = 0;
  while (await clock.sleep(policy.intervalMs, signal)) {
    const problem = await options.check(policy.timeoutMs, signal);
    if (signal.aborted) return null;
    if (problem === null) {
      failures = 0;
      continue;
    }
    failures++;
    const busy = options.busy?.() ?? false;
    const threshold = failureThreshold(policy, busy);
    options.onFailure?.(failures, threshold, problem);
    if (failures >= threshold) {
      return `${failures} failed checks${
        busy ? " while a session was busy" : ""
      }, last: ${problem}`;
    }
  }
  return null;
}
