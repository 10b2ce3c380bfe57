/**
 * Periodic health checks of a running child: a check every `intervalMs`
 * (after the previous one finished), and a verdict after `failures` failed
 * checks in a row.
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
  /** Failed checks in a row that count as a crash. Default 3. */
  failures: number;
}

/** The default {@linkcode HealthPolicy}. */
export const DEFAULT_HEALTH_POLICY: Readonly<HealthPolicy> = {
  intervalMs: 5000,
  timeoutMs: 5000,
  failures: 3,
};

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
  /** Told about each failed check (count in a row, problem). */
  onFailure?(count: number, problem: string): void;
}

/**
 * Checks until `signal` aborts or the child is judged unhealthy.
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
    options.onFailure?.(failures, problem);
    if (failures >= policy.failures) {
      return `${failures} failed checks, last: ${problem}`;
    }
  }
  return null;
}
