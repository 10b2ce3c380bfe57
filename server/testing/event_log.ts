/**
 * A test's record of a Flock event stream: it reads `/api/events` (or a
 * session's stream) in the background, keeps every event as the page would
 * read it (through the contract's guard), and lets a test wait for the
 * first event of a type that passes a check, from a point in the stream.
 *
 * @example
 * ```ts
 * await using log = await EventLog.open(flock);
 * const from = log.mark();
 * await flock.api("POST", `/api/sessions/${id}/messages`, { text: "hi" });
 * await log.waitFor("session.idle", (e) => e.properties.sessionID === id, { from });
 * ```
 *
 * @module
 */
import { readFlockEvent } from "../contract/event_guard.ts";
import { isEventOf } from "../contract/event_types.ts";
import type {
  FlockEvent,
  FlockEventOf,
  FlockEventType,
} from "../contract/events.ts";
import type { SseConnection, TestFlock } from "./flock_harness.ts";

/** Options for {@linkcode EventLog.waitFor}. */
export interface WaitOptions {
  /** Look at events from this index on (a {@linkcode EventLog.mark}). Default 0. */
  from?: number;
  /** Default 60 s (a fresh OpenCode on a loaded 2-core machine is slow). */
  timeoutMs?: number;
}

/** See the module documentation. */
export class EventLog implements AsyncDisposable {
  /** Every known event so far, in stream order. */
  readonly events: FlockEvent[] = [];
  #sse: SseConnection;
  #wake = new Set<() => void>();
  #reading: Promise<void>;
  #ended = false;

  private constructor(sse: SseConnection) {
    this.#sse = sse;
    this.#reading = this.#read();
  }

  /** Opens the stream (`/api/events` by default). */
  static async open(flock: TestFlock, path = "/api/events"): Promise<EventLog> {
    return new EventLog(await flock.readSse(path));
  }

  /** The index the next event will have. */
  mark(): number {
    return this.events.length;
  }

  /** The events of one type (from `from` on). */
  ofType<T extends FlockEventType>(type: T, from = 0): FlockEventOf<T>[] {
    return this.events.slice(from).flatMap((e) =>
      isEventOf(e, type) ? [e] : []
    );
  }

  /**
   * The first event of `type` (from `options.from` on) that passes `test`,
   * waiting for it if needed.
   *
   * @throws {Error} when none comes within the time limit.
   */
  async waitFor<T extends FlockEventType>(
    type: T,
    test: (event: FlockEventOf<T>) => boolean = () => true,
    options: WaitOptions = {},
  ): Promise<FlockEventOf<T>> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    let index = options.from ?? 0;
    while (true) {
      for (; index < this.events.length; index++) {
        const event = this.events[index]!;
        if (isEventOf(event, type) && test(event)) return event;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.#ended) {
        throw new Error(
          `No ${type} event passed the check within ${
            options.timeoutMs ?? 60_000
          } ms (saw ${
            this.events.slice(options.from ?? 0).map((e) => e.type).join(", ")
          })`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 1000));
        const wake = this.#wake;
        function done() {
          clearTimeout(timer);
          wake.delete(done);
          resolve();
        }
        wake.add(done);
      });
    }
  }

  /** Disconnects. */
  async close(): Promise<void> {
    await this.#sse.close();
    await this.#reading;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #read(): Promise<void> {
    try {
      while (true) {
        const sse = await this.#sse.reader.next(24 * 60 * 60 * 1000);
        if (!sse) break;
        if (sse.data === "") continue;
        const reading = readFlockEvent(JSON.parse(sse.data));
        if (reading.kind === "known") this.events.push(reading.event);
        for (const wake of [...this.#wake]) wake();
      }
    } catch {
      // Closed.
    } finally {
      this.#ended = true;
      for (const wake of [...this.#wake]) wake();
    }
  }
}
