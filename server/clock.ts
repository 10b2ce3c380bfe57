/**
 * Time as a dependency: the current time and cancellable sleeps. Code that
 * waits (restart backoff, readiness, health checks, stop grace periods)
 * takes a {@linkcode Clock}, so tests drive it with
 * `server/testing/fake_clock.ts` instead of sleeping. Also the small helpers
 * built on it: {@linkcode within} and {@linkcode abortPromise}.
 *
 * @module
 */

/** The current time and timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Resolves with `true` after `ms`, or with `false` as soon as `signal`
   * aborts (at once when it already has). Never rejects.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean>;
}

/** The real clock: `Date.now` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve(false);
      const done = (elapsed: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        resolve(elapsed);
      };
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(true), Math.max(0, ms));
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  },
};

/**
 * Races `promise` against `ms` on `clock`.
 *
 * @returns the promise's value, or `undefined` when the time ran out first
 * (so use it for promises whose value is never `undefined`).
 * @example
 * ```ts
 * const exit = await within(systemClock, child.status, 5000);
 * if (exit === undefined) child.kill("SIGKILL");
 * ```
 */
export async function within<T>(
  clock: Clock,
  promise: Promise<T>,
  ms: number,
): Promise<T | undefined> {
  const ctl = new AbortController();
  try {
    return await Promise.race([
      promise,
      clock.sleep(ms, ctl.signal).then(() => undefined),
    ]);
  } finally {
    ctl.abort();
  }
}

/** A promise that resolves when a signal aborts; dispose it to detach. */
export interface AbortPromise extends Disposable {
  readonly promise: Promise<void>;
}

/**
 * A promise that resolves (never rejects) when `signal` aborts, for racing
 * against other promises. Dispose it when done so the listener goes away.
 *
 * @example
 * ```ts
 * using stopped = abortPromise(signal);
 * await Promise.race([work, stopped.promise]);
 * ```
 */
export function abortPromise(signal: AbortSignal): AbortPromise {
  let detach = () => {};
  const promise = new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const listener = () => resolve();
    signal.addEventListener("abort", listener, { once: true });
    detach = () => signal.removeEventListener("abort", listener);
  });
  return { promise, [Symbol.dispose]: () => detach() };
}
