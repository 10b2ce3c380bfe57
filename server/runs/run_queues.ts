/**
 * One queue per run: whatever changes a run (an event `decide` applies, a
 * commit of its worktree, a merge or removal of it) waits for everything
 * queued before it on that run, so two never interleave.
 *
 * @module
 */

/** The runs' queues. */
export class RunQueues {
  #tails = new Map<string, Promise<unknown>>();

  /**
   * Runs `task` once every earlier task of the run has settled.
   *
   * @returns What `task` returns (its failure is the caller's; the queue
   * goes on).
   */
  enqueue<T>(runId: string, task: () => T | Promise<T>): Promise<T> {
    const previous = this.#tails.get(runId) ?? Promise.resolve();
    const next = previous.then(task);
    const settled = next.catch(() => {});
    this.#tails.set(runId, settled);
    settled.then(() => {
      if (this.#tails.get(runId) === settled) this.#tails.delete(runId);
    });
    return next;
  }

  /** The queues' last tasks (closing waits for them). */
  pending(): Promise<unknown>[] {
    return [...this.#tails.values()];
  }
}
