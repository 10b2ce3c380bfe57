/**
 * A test-side SSE reader that follows the HTML spec's parsing rules,
 * including what `EventSource` does with the last event id: an `id:` field
 * updates it even in a frame without `data:` (Flock anchors fresh streams
 * that way). `npm:eventsource-parser` drops such frames, so tests and
 * benchmarks read Flock's streams with this instead.
 *
 * @module
 */

import { decodeText } from "../opencode/output.ts";

/** One dispatched SSE event. */
export interface SseEvent {
  /** The event's own `id:` field, if it had one. */
  id: string | undefined;
  /** The last event id at dispatch (what `EventSource` reports). */
  lastEventId: string;
  /** The `event:` field, or "message". */
  event: string;
  /** The joined `data:` lines. */
  data: string;
}

/** Reading timed out before an event arrived. */
export class SseTimeoutError extends Error {
  constructor(ms: number) {
    super(`Cannot read an SSE event as none arrived within ${ms} ms`);
    this.name = "SseTimeoutError";
  }
}

/**
 * Reads SSE events from a byte stream.
 *
 * @example
 * ```ts
 * const res = await fetch(url);
 * const sse = new SseReader(res.body!);
 * const first = await sse.next(5000);
 * await sse.cancel();
 * ```
 */
export class SseReader {
  #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  #events: SseEvent[] = [];
  #pending: Promise<ReadableStreamReadResult<string>> | undefined;
  #data: string[] = [];
  #eventType = "";
  #eventId: string | undefined;
  #ended = false;
  /** The last event id, as `EventSource` tracks it. */
  lastEventId = "";
  /** The last `retry:` value seen. */
  retry: number | undefined;
  /** Every comment line seen (heartbeats), without the leading colon. */
  readonly comments: string[] = [];

  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = decodeText(body).getReader();
  }

  /** Whether the stream has ended and every event was read. */
  get ended(): boolean {
    return this.#ended && this.#events.length === 0;
  }

  /**
   * The next event, or undefined when the stream ends.
   *
   * @throws {SseTimeoutError} when nothing arrives within `timeoutMs`.
   */
  async next(timeoutMs = 10_000): Promise<SseEvent | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.#events.length === 0) {
      if (this.#ended) return undefined;
      this.#pending ??= this.#reader.read();
      const left = deadline - Date.now();
      if (left <= 0) throw new SseTimeoutError(timeoutMs);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), left);
      });
      const result = await Promise.race([this.#pending, timeout]);
      clearTimeout(timer);
      if (result === "timeout") throw new SseTimeoutError(timeoutMs);
      this.#pending = undefined;
      if (result.done) {
        // Per the spec, an event without its closing blank line is dropped.
        this.#ended = true;
      } else {
        this.#feed(result.value);
      }
    }
    return this.#events.shift();
  }

  /**
   * Reads events until `stop` returns true for one (included) or the
   * stream ends.
   *
   * @throws {SseTimeoutError} when the whole read takes longer than `timeoutMs`.
   */
  async until(
    stop: (event: SseEvent) => boolean,
    timeoutMs = 15_000,
  ): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    const out: SseEvent[] = [];
    while (true) {
      const left = deadline - Date.now();
      if (left <= 0) throw new SseTimeoutError(timeoutMs);
      const event = await this.next(left);
      if (!event) return out;
      out.push(event);
      if (stop(event)) return out;
    }
  }

  /** Cancels the underlying stream (disconnects). */
  async cancel(): Promise<void> {
    this.#ended = true;
    await this.#reader.cancel().catch(() => {});
  }

  #feed(text: string): void {
    this.#buffer += text;
    let start = 0;
    while (start < this.#buffer.length) {
      const cr = this.#buffer.indexOf("\r", start);
      const lf = this.#buffer.indexOf("\n", start);
      let end: number;
      if (cr === -1 && lf === -1) break;
      if (cr === -1) end = lf;
      else if (lf === -1) end = cr;
      else end = Math.min(cr, lf);
      // A CR at the very end may be the first half of CRLF.
      if (end === cr && cr === this.#buffer.length - 1) break;
      this.#line(this.#buffer.slice(start, end));
      start = end + 1;
      if (end === cr && this.#buffer[start] === "\n") start++;
    }
    this.#buffer = this.#buffer.slice(start);
  }

  #line(line: string): void {
    if (line === "") {
      this.#dispatch();
      return;
    }
    if (line.startsWith(":")) {
      this.comments.push(line.slice(1).trimStart());
      return;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "data":
        this.#data.push(value);
        break;
      case "event":
        this.#eventType = value;
        break;
      case "id":
        if (!value.includes("\0")) {
          this.lastEventId = value;
          this.#eventId = value;
        }
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
    }
  }

  #dispatch(): void {
    const id = this.#eventId;
    this.#eventId = undefined;
    if (this.#data.length === 0) {
      this.#eventType = "";
      return;
    }
    this.#events.push({
      id,
      lastEventId: this.lastEventId,
      event: this.#eventType || "message",
      data: this.#data.join("\n"),
    });
    this.#data = [];
    this.#eventType = "";
  }
}
