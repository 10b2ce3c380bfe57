/**
 * A {@linkcode Clock} that only moves when a test says so. Sleeps wait until
 * {@linkcode FakeClock.advance} passes their due time; a test sees what the
 * code under test is waiting for with {@linkcode FakeClock.pending} and waits
 * for it to start waiting with {@linkcode FakeClock.untilSleeping}, so it
 * never sleeps for real to find out that nothing happened.
 *
 * @example
 * ```ts
 * const clock = new FakeClock();
 * const done = clock.sleep(500);
 * await clock.untilSleeping(1);
 * assertEquals(clock.pending, [500]);
 * await clock.advance(500);
 * assertEquals(await done, true);
 * ```
 *
 * @module
 */
import type { Clock } from "../clock.ts";

interface Sleeper {
  at: number;
  ms: number;
  seq: number;
  wake(elapsed: boolean): void;
}

interface Watcher {
  count: number;
  resolve(): void;
}

/** Lets promise chains that were waiting on a timer run to their next wait. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A clock for tests; see the module documentation. */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #sleepers: Sleeper[] = [];
  #watchers: Watcher[] = [];

  /** @param start The initial `now()`, in ms since the epoch. */
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  /** The fake time. */
  now(): number {
    return this.#now;
  }

  /** Waits until {@linkcode advance} reaches `now() + ms`, or `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const sleeper: Sleeper = {
        at: this.#now + Math.max(0, ms),
        ms,
        seq: this.#seq++,
        wake: (elapsed) => {
          this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
          signal?.removeEventListener("abort", onAbort);
          resolve(elapsed);
        },
      };
      const onAbort = () => sleeper.wake(false);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#sleepers.push(sleeper);
      this.#sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      for (const w of [...this.#watchers]) {
        if (this.#sleepers.length >= w.count) {
          this.#watchers = this.#watchers.filter((x) => x !== w);
          w.resolve();
        }
      }
    });
  }

  /** The durations the pending sleeps asked for, the soonest due first. */
  get pending(): number[] {
    return this.#sleepers.map((s) => s.ms);
  }

  /**
   * Resolves once at least `count` sleeps are pending. Rejects after
   * `guardMs` of real time, so a test whose code never waits fails instead
   * of hanging.
   */
  untilSleeping(count = 1, guardMs = 20_000): Promise<void> {
    if (this.#sleepers.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const watcher: Watcher = {
        count,
        resolve: () => {
          clearTimeout(guard);
          resolve();
        },
      };
      const guard = setTimeout(() => {
        this.#watchers = this.#watchers.filter((w) => w !== watcher);
        reject(
          new Error(
            `Timed out waiting for ${count} pending sleep(s); pending: [${this.pending}]`,
          ),
        );
      }, guardMs);
      this.#watchers.push(watcher);
    });
  }

  /**
   * Moves time forward by `ms`, waking each sleep that falls due, in order,
   * and letting the code it wakes run before the next one.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    while (true) {
      const next = this.#sleepers[0];
      if (!next || next.at > target) break;
      this.#now = Math.max(this.#now, next.at);
      next.wake(true);
      await settle();
    }
    this.#now = target;
    await settle();
  }

  /**
   * Waits for a sleep to be pending (see {@linkcode untilSleeping}), then
   * advances to the soonest one and wakes it.
   *
   * @returns the duration that sleep asked for.
   */
  async next(guardMs?: number): Promise<number> {
    await this.untilSleeping(1, guardMs);
    const next = this.#sleepers[0]!;
    await this.advance(next.at - this.#now);
    return next.ms;
  }
}
