/**
 * One client of the broker: its filter, its bounded queue of frames, and
 * the `ReadableStream` that hands them to the HTTP layer.
 *
 * The stream is pull-based (`highWaterMark: 0`): `pull` runs when the
 * consumer (Deno's response writer) waits for data. With nothing queued,
 * `pull` only sets {@linkcode Subscriber.waiting} and returns; the next
 * frame is then enqueued straight into the pending read
 * ({@linkcode Subscriber.handOver}), with no promise or closure made per
 * frame. Frames that arrive while the consumer is busy wait in the queue and
 * go out together, coalesced into chunks of about 64 KiB, at the next pull.
 *
 * @module
 */
import type { EventFilter } from "./event_scope.ts";

/** A frame waiting in a queue; `id` is undefined for comments. */
export interface Pending {
  id: number | undefined;
  frame: Uint8Array;
}

/** Frames are coalesced into chunks of about this size when a client is behind. */
const CHUNK_BYTES = 64 * 1024;

/** A FIFO of frames with O(1) push and batched take. */
export class FrameQueue {
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

/** One subscriber and its stream. */
export class Subscriber {
  readonly filter: EventFilter;
  /** Frames not subject to the queue limit: the start frame and the replay. */
  readonly backlog: FrameQueue = new FrameQueue();
  /** Live frames, bounded by the broker's limits. */
  readonly queue: FrameQueue = new FrameQueue();
  /** The encoded SSE bytes for the HTTP layer. */
  readonly stream: ReadableStream<Uint8Array>;
  /** Whether the consumer waits for data (a read is pending, nothing is queued). */
  waiting = false;
  /** The id of the last event handed to the stream (or the resume point). */
  position: number;
  lastActivity: number;
  done = false;
  detach: (() => void) | undefined;
  #controller!: ReadableStreamDefaultController<Uint8Array>;

  /** @param onCancel Called when the consumer cancels the stream. */
  constructor(
    filter: EventFilter,
    position: number,
    now: number,
    onCancel: () => void,
  ) {
    this.filter = filter;
    this.position = position;
    this.lastActivity = now;
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: () => {
        if (this.done) return;
        if (this.hasPending) this.flush();
        else this.waiting = true;
      },
      cancel: onCancel,
    }, { highWaterMark: 0 });
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
    this.waiting = false;
    this.#controller.enqueue(chunk);
  }

  /** Hands a frame straight to the waiting consumer. */
  handOver(frame: Uint8Array, id: number | undefined): void {
    this.waiting = false;
    if (id !== undefined) this.position = id;
    this.#controller.enqueue(frame);
  }

  /**
   * Drops every queued frame, then hands over `frame` as the last one and
   * closes the stream (a lagging client's `stream.lagged`).
   */
  finish(frame: Uint8Array): void {
    this.backlog.clear();
    this.queue.clear();
    try {
      this.#controller.enqueue(frame);
    } catch {
      // Already closed or cancelled.
    }
  }

  /** Ends the stream (when the broker ends it, not the consumer). */
  close(): void {
    try {
      this.#controller.close();
    } catch {
      // Already closed, errored or cancelled.
    }
  }
}
