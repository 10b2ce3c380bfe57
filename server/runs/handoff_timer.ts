/**
 * Times step hand-offs for the bench: from an attempt's `session.idle`
 * reaching the runner to the next attempt's prompt being accepted, and how
 * much of it was spent waiting on OpenCode's own answers (reading the
 * messages, creating the session, `prompt_async`).
 *
 * @module
 */

/** One hand-off. */
export interface Handoff {
  /** `session.idle` → the next prompt accepted, in ms. */
  ms: number;
  /** The part spent in OpenCode's REST calls, in ms. */
  openCodeMs: number;
}

/** Measures hand-offs per run; does nothing without a listener. */
export class HandoffTimer {
  #report: ((handoff: Handoff) => void) | undefined;
  #open = new Map<string, { start: number; openCodeMs: number }>();

  constructor(report: ((handoff: Handoff) => void) | undefined) {
    this.#report = report;
  }

  /** An attempt of the run went idle: a hand-off begins. */
  idle(runId: string): void {
    if (this.#report === undefined) return;
    this.#open.set(runId, { start: performance.now(), openCodeMs: 0 });
  }

  /** Runs an OpenCode call, counting its time when a hand-off is open. */
  async time<T>(runId: string, call: () => Promise<T>): Promise<T> {
    const open = this.#open.get(runId);
    if (open === undefined) return await call();
    const start = performance.now();
    try {
      return await call();
    } finally {
      open.openCodeMs += performance.now() - start;
    }
  }

  /** The run's next prompt was accepted: the hand-off ends. */
  accepted(runId: string): void {
    const open = this.#open.get(runId);
    if (open === undefined) return;
    this.#open.delete(runId);
    this.#report?.({
      ms: performance.now() - open.start,
      openCodeMs: open.openCodeMs,
    });
  }

  /** The run moved on without a prompt (failed, blocked, stopped …). */
  cancel(runId: string): void {
    this.#open.delete(runId);
  }
}
