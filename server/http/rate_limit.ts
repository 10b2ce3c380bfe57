/**
 * The rate limit on instance creation: `POST /api/instances` takes from a
 * token bucket (10 a minute by default), else 429 with `Retry-After`.
 *
 * @module
 */
import { TooManyRequestsError } from "./errors.ts";

/** A bucket: `capacity` requests, refilled evenly over `windowMs`. */
export interface RateLimit {
  capacity: number;
  windowMs: number;
}

/** The default limit on `POST /api/instances`: 10 a minute. */
export const DEFAULT_INSTANCE_CREATE_LIMIT: RateLimit = {
  capacity: 10,
  windowMs: 60_000,
};

/**
 * Builds the instance-creation limit; `false` turns it off. The check takes
 * a token for every `POST /api/instances` and lets anything else through.
 *
 * @throws {TooManyRequestsError} (429, `retry-after` in whole seconds) from
 *   the check when the bucket is empty.
 */
export function createInstanceCreateLimit(
  limit: RateLimit | false = DEFAULT_INSTANCE_CREATE_LIMIT,
  now: () => number = Date.now,
): (req: Request, url: URL) => void {
  if (limit === false) return () => {};
  const bucket = new TokenBucket(limit.capacity, limit.windowMs, now);
  return (req, url) => {
    if (req.method !== "POST" || url.pathname !== "/api/instances") return;
    const waitMs = bucket.take();
    if (waitMs <= 0) return;
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    throw new TooManyRequestsError(
      `Cannot create another instance yet: at most ${limit.capacity} instance creations per ${
        Math.round(limit.windowMs / 1000)
      } s; retry in ${seconds} s`,
      seconds,
    );
  };
}

/**
 * A token bucket: `capacity` tokens, refilled continuously at
 * `capacity / windowMs` per millisecond.
 */
export class TokenBucket {
  readonly #capacity: number;
  readonly #perMs: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  constructor(capacity: number, windowMs: number, now: () => number) {
    this.#capacity = capacity;
    this.#perMs = capacity / windowMs;
    this.#now = now;
    this.#tokens = capacity;
    this.#last = now();
  }

  /**
   * Takes one token.
   *
   * @returns 0 when taken, else how many ms until one is available.
   */
  take(): number {
    const t = this.#now();
    this.#tokens = Math.min(
      this.#capacity,
      this.#tokens + Math.max(0, t - this.#last) * this.#perMs,
    );
    this.#last = t;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.#tokens) / this.#perMs);
  }
}
