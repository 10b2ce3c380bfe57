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
 * The broker produces bytes but knows nothing about HTTP; `http/sse.ts`
 * wraps its streams in responses.
 *
 * @module
 */
import type {
  StreamLaggedEvent,
  StreamResetEvent,
  WireEvent,
} from "../contract/events.ts";
import { encodeComment, encodeSse } from "../http/sse.ts";
import { log } from "../log.ts";
import type { EventIdSource } from "./event_ids.ts";
import {
  type EventFilter,
  type EventScope,
  matches,
  scopeOf,
} from "./event_scope.ts";

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

/** A published event as the ring keeps it. */
interface Entry extends EventScope {
  id: number;
  frame: Uint8Array;
}

/** A frame waiting in a subscriber's queue; `id` is undefined for comments. */
interface Pending {
  id: number | undefined;
  frame: Uint8Array;
}

const encoder = new TextEncoder();
const HEARTBEAT = encoder.encode(encodeComment("keepalive"));
/** Frames are coalesced into chunks of about this size when a client is behind. */
const CHUNK_BYTES = 64 * 1024;

/** A FIFO of frames with O(1) push and batched take. */
class FrameQueue {
  /** Taken slots are cleared (undefined) so their frames can be collected. */
  #items: (Pending | undefined)[] = [];
  #head = 0;
  bytes = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: Pending): void {
    this.#items.push(item);
    this.bytes += item.frame.byteLength;
  }

  /** Removes frames up to about `maxBytes` (at least one). */
  take(maxBytes: number, out: Pending[]): number {
    let size = 0;
    while (this.#head < this.#items.length) {
      const item = this.#items[this.#head]!;
      if (out.length > 0 && size + item.frame.byteLength > maxBytes) break;
      this.#items[this.#head] = undefined;
      this.#head++;
      size += item.frame.byteLength;
      out.push(item);
    }
    this.bytes -= size;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    }
    return size;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
    this.bytes = 0;
  }
}

class Subscriber {
  readonly filter: EventFilter;
  controller!: ReadableStreamDefaultController<Uint8Array>;
  /** Frames not subject to the queue limit: the start frame and the replay. */
  readonly backlog = new FrameQueue();
  /** Live frames, bounded by the broker's limits. */
  readonly queue = new FrameQueue();
  /** Resolves the pending `pull`, when the consumer waits for data. */
  waiter: (() => void) | undefined;
  /** The id of the last event handed to the stream (or the resume point). */
  position: number;
  lastActivity: number;
  done = false;
  detach: (() => void) | undefined;

  constructor(filter: EventFilter, position: number, now: number) {
    this.filter = filter;
    this.position = position;
    this.lastActivity = now;
  }

  get hasPending(): boolean {
    return this.backlog.length > 0 || this.queue.length > 0;
  }

  /** Hands queued frames to the stream as one chunk. */
  flush(): void {
    const items: Pending[] = [];
    let size = this.backlog.take(CHUNK_BYTES, items);
    if (size < CHUNK_BYTES && this.queue.length > 0) {
      size += this.queue.take(CHUNK_BYTES - size, items);
    }
    if (items.length === 0) return;
    let chunk: Uint8Array;
    if (items.length === 1) {
      chunk = items[0]!.frame;
    } else {
      chunk = new Uint8Array(size);
      let offset = 0;
      for (const item of items) {
        chunk.set(item.frame, offset);
        offset += item.frame.byteLength;
      }
    }
    for (let i = items.length - 1; i >= 0; i--) {
      const id = items[i]!.id;
      if (id !== undefined) {
        this.position = id;
        break;
      }
    }
    this.controller.enqueue(chunk);
  }

  /** Hands a frame straight to a waiting consumer. */
  handOver(frame: Uint8Array, id: number | undefined): void {
    this.controller.enqueue(frame);
    if (id !== undefined) this.position = id;
    this.wake();
  }

  wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
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
  #ringSize: number;
  #queueLimit: number;
  #queueBytes: number;
  #heartbeatMs: number;
  #retryMs: number;
  #now: () => number;

  #ring: (Entry | undefined)[];
  #ringStart = 0;
  #ringLength = 0;
  /** The id of the newest event evicted from the ring (0: none yet). */
  #evicted = 0;
  /** An id reserved when the broker starts; no event carries it. */
  #runMarker: number;
  /** The newest id issued (the run marker before any event). */
  #lastId: number;
  #subscribers = new Set<Subscriber>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(options: EventBrokerOptions) {
    this.#ids = options.ids;
    this.#ringSize = positive("ringSize", options.ringSize ?? 10_000);
    this.#queueLimit = positive("queueLimit", options.queueLimit ?? 1_000);
    this.#queueBytes = positive(
      "queueBytes",
      options.queueBytes ?? 8 * 1024 * 1024,
    );
    this.#heartbeatMs = positive("heartbeatMs", options.heartbeatMs ?? 15_000);
    this.#retryMs = positive("retryMs", options.retryMs ?? 1_000);
    this.#now = options.now ?? Date.now;
    this.#ring = new Array(this.#ringSize);
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
   * @returns The event's id, or undefined when it was dropped.
   */
  publish(event: WireEvent): number | undefined {
    if (this.#closed) return undefined;
    let data: string;
    let scope: EventScope;
    try {
      data = JSON.stringify(event);
      scope = scopeOf(event);
      if (typeof event.type !== "string" || /[\r\n]/.test(event.type)) {
        throw new Error(`bad event type ${JSON.stringify(event.type)}`);
      }
    } catch (error) {
      log.warn("Cannot publish an event; dropping it:", error);
      return undefined;
    }
    const id = this.#ids.next();
    const frame = encoder.encode(encodeSse({ id, event: event.type, data }));
    const entry: Entry = { ...scope, id, frame };
    this.#remember(entry);
    this.#lastId = id;
    if (this.#subscribers.size === 0) return id;
    const now = this.#now();
    for (const sub of this.#subscribers) {
      if (!matches(entry, sub.filter)) continue;
      this.#deliver(sub, entry, now);
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
    const now = this.#now();
    const start = this.#resumePoint(options.lastEventId);
    const sub = new Subscriber(filter, start.position, now);
    const retry = `retry: ${this.#retryMs}\n`;
    if (start.reset === undefined) {
      // The id-only frame anchors the client's Last-Event-ID.
      sub.backlog.push({
        id: start.position,
        frame: encoder.encode(`${retry}id: ${start.position}\n\n`),
      });
      this.#replay(sub, start.position);
    } else {
      sub.backlog.push({ id: undefined, frame: encoder.encode(`${retry}\n`) });
      const reset: StreamResetEvent = {
        type: "stream.reset",
        properties: { reason: start.reset },
      };
      sub.backlog.push({
        id: start.position,
        frame: encoder.encode(
          encodeSse({
            id: start.position,
            event: reset.type,
            data: JSON.stringify(reset),
          }),
        ),
      });
    }
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        sub.controller = controller;
      },
      pull: () => {
        if (sub.done) return;
        if (sub.hasPending) {
          sub.flush();
          return;
        }
        return new Promise<void>((resolve) => {
          sub.waiter = resolve;
        });
      },
      cancel: () => {
        this.#end(sub, "cancel");
      },
    }, { highWaterMark: 0 });
    if (this.#closed) {
      sub.done = true;
      sub.controller.close();
      return stream;
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
    return stream;
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
      if (sub.waiter !== undefined && !sub.hasPending) {
        sub.handOver(HEARTBEAT, undefined);
      }
    }
  }

  #deliver(sub: Subscriber, entry: Entry, now: number): void {
    sub.lastActivity = now;
    if (sub.waiter !== undefined && !sub.hasPending) {
      sub.handOver(entry.frame, entry.id);
      return;
    }
    if (
      sub.queue.length >= this.#queueLimit ||
      sub.queue.bytes + entry.frame.byteLength > this.#queueBytes
    ) {
      this.#lag(sub);
      return;
    }
    sub.queue.push({ id: entry.id, frame: entry.frame });
  }

  #lag(sub: Subscriber): void {
    const lagged: StreamLaggedEvent = {
      type: "stream.lagged",
      properties: { dropped_after: sub.position },
    };
    sub.backlog.clear();
    sub.queue.clear();
    try {
      sub.controller.enqueue(encoder.encode(encodeSse({
        id: sub.position,
        event: lagged.type,
        data: JSON.stringify(lagged),
      })));
    } catch {
      // Already closed or cancelled.
    }
    this.#end(sub, "close");
  }

  #end(sub: Subscriber, how: "close" | "cancel"): void {
    if (sub.done) return;
    sub.done = true;
    this.#subscribers.delete(sub);
    sub.detach?.();
    sub.detach = undefined;
    sub.backlog.clear();
    sub.queue.clear();
    if (how === "close") {
      try {
        sub.controller.close();
      } catch {
        // Already closed, errored or cancelled.
      }
    }
    sub.wake();
    if (this.#subscribers.size === 0) this.#stopTimer();
  }

  #remember(entry: Entry): void {
    if (this.#ringLength < this.#ringSize) {
      this.#ring[(this.#ringStart + this.#ringLength) % this.#ringSize] = entry;
      this.#ringLength++;
      return;
    }
    const oldest = this.#ring[this.#ringStart]!;
    this.#evicted = oldest.id;
    this.#ring[this.#ringStart] = entry;
    this.#ringStart = (this.#ringStart + 1) % this.#ringSize;
  }

  /** Queues every ring event after `position` that the subscriber wants. */
  #replay(sub: Subscriber, position: number): void {
    // Walk back from the newest to find the first event after `position`.
    let count = 0;
    while (count < this.#ringLength) {
      const entry = this.#ringAt(this.#ringLength - 1 - count);
      if (entry.id <= position) break;
      count++;
    }
    for (let i = this.#ringLength - count; i < this.#ringLength; i++) {
      const entry = this.#ringAt(i);
      if (matches(entry, sub.filter)) {
        sub.backlog.push({ id: entry.id, frame: entry.frame });
      }
    }
  }

  #ringAt(index: number): Entry {
    return this.#ring[(this.#ringStart + index) % this.#ringSize]!;
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
    if (id < this.#evicted) {
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
