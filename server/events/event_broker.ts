/**
 * The SSE fan-out hub. Every published event gets the next id, is encoded
 * into SSE frame bytes once, stored in a bounded replay ring and handed to
 * every matching subscriber's bounded queue.
 *
 * - `publish` is synchronous and O(subscribers); it never waits for a
 *   client. A subscriber whose queue overflows gets a final `stream.lagged`
 *   event (whose `id:` is the last event it was handed, so it can resume)
 *   and its stream is closed.
 * - `subscribe` registers the subscriber and snapshots the ring in the same
 *   synchronous step, so there is no gap and no duplicate between replay
 *   and live events.
 * - Resume: an id newer than the ring's floor and issued in this run
 *   replays every later (matching) event; anything else (unparsable, from
 *   an earlier run, older than the ring, from the future) gets a
 *   `stream.reset` event and then the live tail.
 * - A fresh stream starts with `retry:` and an id-only frame carrying the
 *   current position, so a browser that reconnects before any event
 *   arrives still resumes without a gap.
 * - Heartbeat comments go to subscribers idle for `heartbeatMs`.
 *
 * - The hot path of `publish` per event: one id, one frame (from the
 *   caller's JSON text when given, else one `JSON.stringify`), one ring
 *   slot, then per matching subscriber either one `enqueue` into its
 *   stream's pending read or one push onto its queue (`subscriber.ts`).
 *   No timer, promise or closure is made per event or per subscriber.
 *
 * The broker produces bytes but knows nothing about HTTP; `http/sse.ts`
 * wraps its streams in responses. Frames are in `sse_frames.ts`, the ring
 * in `event_ring.ts`, a client's queue and stream in `subscriber.ts`.
 *
 * @module
 */
import type { WireEvent } from "../contract/events.ts";
import { log } from "../log.ts";
import type { EventIdSource } from "./event_ids.ts";
import { EventRing, type RingEntry } from "./event_ring.ts";
import {
  type EventFilter,
  type EventScope,
  matches,
  scopeOf,
} from "./event_scope.ts";
import {
  anchorFrame,
  eventFrame,
  HEARTBEAT_FRAME,
  laggedFrame,
  resetFrame,
  retryFrame,
} from "./sse_frames.ts";
import { Subscriber } from "./subscriber.ts";

/** Options for {@linkcode EventBroker}. */
export interface EventBrokerOptions {
  /** Where event ids come from (persistent in production). */
  ids: EventIdSource;
  /** How many recent events the replay ring keeps. Default 10,000. */
  ringSize?: number;
  /** How many live events may wait for one slow subscriber. Default 1,000. */
  queueLimit?: number;
  /** How many bytes of live events may wait for one subscriber. Default 8 MiB. */
  queueBytes?: number;
  /** Idle time before a heartbeat comment. Default 15,000 ms. */
  heartbeatMs?: number;
  /** The `retry:` hint sent at stream start. Default 1,000 ms. */
  retryMs?: number;
  /** The clock, for tests. */
  now?: () => number;
}

/** Options for {@linkcode EventBroker.subscribe}. */
export interface SubscribeOptions extends EventFilter {
  /** The client's `Last-Event-ID` (header or query), if any. */
  lastEventId?: string | null;
  /** Ends the subscription when aborted (e.g. `request.signal`). */
  signal?: AbortSignal;
}

/**
 * The fan-out broker. See the module documentation for its guarantees.
 *
 * @example
 * ```ts
 * const broker = new EventBroker({ ids: new MemoryEventIds() });
 * const stream = broker.subscribe({ sessionId: "ses_1", instanceId: "inst_a" });
 * broker.publish({ type: "session.idle", instance_id: "inst_a", properties: { sessionID: "ses_1" } });
 * broker.close();
 * ```
 */
export class EventBroker {
  #ids: EventIdSource;
  #queueLimit: number;
  #queueBytes: number;
  #heartbeatMs: number;
  #retryMs: number;
  #now: () => number;

  #ring: EventRing;
  /** An id reserved when the broker starts; no event carries it. */
  #runMarker: number;
  /** The newest id issued (the run marker before any event). */
  #lastId: number;
  #subscribers = new Set<Subscriber>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(options: EventBrokerOptions) {
    this.#ids = options.ids;
    this.#ring = new EventRing(
      positive("ringSize", options.ringSize ?? 10_000),
    );
    this.#queueLimit = positive("queueLimit", options.queueLimit ?? 1_000);
    this.#queueBytes = positive(
      "queueBytes",
      options.queueBytes ?? 8 * 1024 * 1024,
    );
    this.#heartbeatMs = positive("heartbeatMs", options.heartbeatMs ?? 15_000);
    this.#retryMs = positive("retryMs", options.retryMs ?? 1_000);
    this.#now = options.now ?? Date.now;
    this.#runMarker = this.#ids.next();
    this.#lastId = this.#runMarker;
  }

  /** How many subscribers are connected. */
  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /** The id of the newest event (or the run's start marker before any). */
  get lastId(): number {
    return this.#lastId;
  }

  /** Whether {@linkcode EventBroker.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Publishes an event to every matching subscriber. Never blocks and never
   * throws; an event that cannot be encoded is dropped with a warning.
   *
   * @param json The event's JSON text when the caller has it already (the
   * upstream reader forwards OpenCode's own text): sent as the `data:`
   * instead of serialising `event`. It must parse to `event`.
   * @returns The event's id, or undefined when it was dropped.
   */
  publish(event: WireEvent, json?: string): number | undefined {
    if (this.#closed) return undefined;
    const type = event.type;
    let data: string;
    let scope: EventScope;
    try {
      if (
        typeof type !== "string" || type.includes("\n") || type.includes("\r")
      ) {
        throw new Error(`bad event type ${JSON.stringify(type)}`);
      }
      data = json ?? JSON.stringify(event);
      scope = scopeOf(event);
    } catch (error) {
      log.warn("Cannot publish an event; dropping it:", error);
      return undefined;
    }
    const id = this.#ids.next();
    const entry: RingEntry = {
      sessionId: scope.sessionId,
      instanceId: scope.instanceId,
      rootSessionId: scope.rootSessionId,
      instanceLifecycle: scope.instanceLifecycle,
      id,
      frame: eventFrame(id, type, data),
    };
    this.#ring.push(entry);
    this.#lastId = id;
    if (this.#subscribers.size === 0) return id;
    const now = this.#now();
    for (const sub of this.#subscribers) {
      if (matches(entry, sub.filter)) this.#deliver(sub, entry, now);
    }
    return id;
  }

  /**
   * Opens a stream of encoded SSE bytes. Registration and the ring
   * snapshot happen synchronously, before this returns.
   */
  subscribe(options: SubscribeOptions = {}): ReadableStream<Uint8Array> {
    const filter: EventFilter = {};
    if (options.sessionId !== undefined) filter.sessionId = options.sessionId;
    if (options.instanceId !== undefined) {
      filter.instanceId = options.instanceId;
    }
    const start = this.#resumePoint(options.lastEventId);
    const sub: Subscriber = new Subscriber(
      filter,
      start.position,
      this.#now(),
      () => this.#end(sub, "cancel"),
    );
    if (start.reset === undefined) {
      // The id-only frame anchors the client's Last-Event-ID.
      sub.backlog.push({
        id: start.position,
        frame: anchorFrame(this.#retryMs, start.position),
      });
      this.#ring.forEachAfter(start.position, (entry) => {
        if (matches(entry, filter)) {
          sub.backlog.push({ id: entry.id, frame: entry.frame });
        }
      });
    } else {
      sub.backlog.push({ id: undefined, frame: retryFrame(this.#retryMs) });
      sub.backlog.push({
        id: start.position,
        frame: resetFrame(start.position, start.reset),
      });
    }
    if (this.#closed) {
      sub.done = true;
      sub.close();
      return sub.stream;
    }
    this.#subscribers.add(sub);
    const signal = options.signal;
    if (signal) {
      if (signal.aborted) {
        this.#end(sub, "close");
      } else {
        const onAbort = () => this.#end(sub, "close");
        signal.addEventListener("abort", onAbort, { once: true });
        sub.detach = () => signal.removeEventListener("abort", onAbort);
      }
    }
    this.#startTimer();
    return sub.stream;
  }

  /** Ends every stream at once and refuses new work. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const sub of [...this.#subscribers]) this.#end(sub, "close");
    this.#stopTimer();
  }

  /** Sends heartbeats to idle subscribers; exposed for tests. */
  heartbeat(): void {
    const now = this.#now();
    for (const sub of this.#subscribers) {
      if (now - sub.lastActivity < this.#heartbeatMs) continue;
      sub.lastActivity = now;
      // A consumer that is not waiting is busy with earlier frames.
      if (sub.waiting && !sub.hasPending) {
        sub.handOver(HEARTBEAT_FRAME, undefined);
      }
    }
  }

  #deliver(sub: Subscriber, entry: RingEntry, now: number): void {
    sub.lastActivity = now;
    if (sub.waiting && !sub.hasPending) {
      sub.handOver(entry.frame, entry.id);
      return;
    }
    if (
      sub.queue.length >= this.#queueLimit ||
      sub.queue.bytes + entry.frame.byteLength > this.#queueBytes
    ) {
      sub.finish(laggedFrame(sub.position));
      this.#end(sub, "close");
      return;
    }
    sub.queue.push({ id: entry.id, frame: entry.frame });
  }

  #end(sub: Subscriber, how: "close" | "cancel"): void {
    if (sub.done) return;
    sub.done = true;
    this.#subscribers.delete(sub);
    sub.detach?.();
    sub.detach = undefined;
    sub.backlog.clear();
    sub.queue.clear();
    if (how === "close") sub.close();
    if (this.#subscribers.size === 0) this.#stopTimer();
  }

  #resumePoint(
    lastEventId: string | null | undefined,
  ): { position: number; reset?: string } {
    const raw = lastEventId?.trim();
    if (raw === undefined || raw === "") return { position: this.#lastId };
    if (!/^\d{1,15}$/.test(raw)) {
      return {
        position: this.#lastId,
        reset: "The Last-Event-ID is not an event id",
      };
    }
    const id = Number(raw);
    if (id > this.#lastId) {
      return {
        position: this.#lastId,
        reset: "The Last-Event-ID is unknown to this Flock",
      };
    }
    if (id < this.#runMarker) {
      return {
        position: this.#lastId,
        reset: "The Last-Event-ID is from before Flock restarted",
      };
    }
    if (id < this.#ring.evicted) {
      return {
        position: this.#lastId,
        reset: "The Last-Event-ID is older than the replay buffer",
      };
    }
    return { position: id };
  }

  #startTimer(): void {
    if (this.#timer !== undefined || this.#closed) return;
    const tick = Math.max(
      10,
      Math.min(1_000, Math.floor(this.#heartbeatMs / 3)),
    );
    const timer = setInterval(() => this.heartbeat(), tick);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  #stopTimer(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot use ${name} as it is not a positive integer: ${value}`,
    );
  }
  return value;
}
