/**
 * A workflow attempt counts as activity: while a run has a live attempt,
 * the runner holds an activity lease on the run's instance (see
 * `server/fleet/activity.ts`), so the instance never hibernates under a run.
 *
 * One lease per live attempt, keyed by the run. When the run's live attempt
 * changes (a hand-off: one attempt ends and the next begins in the same
 * decision), the next attempt's lease is taken before the previous one is
 * let go, so the instance is never without one in between. A run with no
 * live attempt (done, blocked on a person, stopped) holds none; closing
 * lets every lease go.
 *
 * @module
 */

/** What the runner needs from the activity registry. */
export interface ActivityLeases {
  /** Keeps the instance awake until the returned lease is disposed. */
  hold(instanceId: string): Disposable;
}

/** Holds nothing (a runner without an activity registry). */
export const NO_LEASES: ActivityLeases = {
  hold: () => ({ [Symbol.dispose]() {} }),
};

interface Held {
  attemptId: string;
  instanceId: string;
  lease: Disposable;
}

/** The leases of the runs' live attempts. */
export class AttemptLeases implements Disposable {
  #activity: ActivityLeases;
  #held = new Map<string, Held>();
  #closed = false;

  constructor(activity: ActivityLeases) {
    this.#activity = activity;
  }

  /**
   * Makes the run hold a lease for `attempt` (its live attempt) on
   * `instanceId`, or none when `attempt` is null.
   */
  sync(
    runId: string,
    instanceId: string,
    attempt: { id: string } | null,
  ): void {
    const before = this.#held.get(runId);
    if (
      attempt !== null && before?.attemptId === attempt.id &&
      before.instanceId === instanceId
    ) return;
    if (attempt !== null && !this.#closed) {
      this.#held.set(runId, {
        attemptId: attempt.id,
        instanceId,
        lease: this.#activity.hold(instanceId),
      });
    } else {
      this.#held.delete(runId);
    }
    before?.lease[Symbol.dispose]();
  }

  /** The attempts holding a lease now, by run (for tests and diagnostics). */
  held(): Map<string, string> {
    return new Map([...this.#held].map(([run, h]) => [run, h.attemptId]));
  }

  /** Lets every lease go; later syncs hold nothing. */
  [Symbol.dispose](): void {
    this.#closed = true;
    for (const held of this.#held.values()) held.lease[Symbol.dispose]();
    this.#held.clear();
  }
}
