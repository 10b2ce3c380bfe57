/**
 * Server-Sent Events on the wire: a small encoder for SSE frames and the
 * `Response` that carries a stream of them. It knows nothing about the
 * broker; the broker knows nothing about HTTP.
 *
 * @module
 */

/** One SSE message. Every field is optional, but a frame needs at least one. */
export interface SseMessage {
  /** The `id:` field; no CR, LF or NUL. */
  id?: string | number;
  /** The `event:` field (the event type); no CR or LF. */
  event?: string;
  /** The `data:` payload; split on line breaks into several `data:` lines. */
  data?: string;
  /** The `retry:` reconnection hint in milliseconds. */
  retry?: number;
}

/** A field value that SSE cannot carry (a line break in `event:` or `id:`). */
export class SseEncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SseEncodingError";
  }
}

const LINE_BREAK = /\r\n|\r|\n/;

/**
 * Encodes one SSE frame, ending with the blank line that dispatches it.
 *
 * @throws {SseEncodingError} when `event` or `id` holds CR, LF (or NUL in
 * an id), or `retry` is not a non-negative integer.
 * @example
 * ```ts
 * encodeSse({ id: 7, event: "session.idle", data: "a\nb" });
 * // "id: 7\nevent: session.idle\ndata: a\ndata: b\n\n"
 * ```
 */
export function encodeSse(message: SseMessage): string {
  let out = "";
  if (message.retry !== undefined) {
    if (!Number.isInteger(message.retry) || message.retry < 0) {
      throw new SseEncodingError(
        `Cannot encode retry as it is not a non-negative integer: ${message.retry}`,
      );
    }
    out += `retry: ${message.retry}\n`;
  }
  if (message.id !== undefined) {
    const id = String(message.id);
    if (/[\r\n\0]/.test(id)) {
      throw new SseEncodingError(
        "Cannot encode id as it contains a line break or NUL",
      );
    }
    out += `id: ${id}\n`;
  }
  if (message.event !== undefined) {
    if (/[\r\n]/.test(message.event)) {
      throw new SseEncodingError(
        "Cannot encode event as it contains a line break",
      );
    }
    out += `event: ${message.event}\n`;
  }
  if (message.data !== undefined) {
    for (const line of message.data.split(LINE_BREAK)) {
      out += `data: ${line}\n`;
    }
  }
  if (out === "") {
    throw new SseEncodingError("Cannot encode an empty SSE frame");
  }
  return out + "\n";
}

/**
 * Encodes an SSE comment (ignored by clients; keeps idle connections open).
 * Line breaks in `text` become separate comment lines.
 *
 * @example
 * ```ts
 * encodeComment("keepalive"); // ": keepalive\n\n"
 * ```
 */
export function encodeComment(text: string): string {
  return text.split(LINE_BREAK).map((line) => `: ${line}\n`).join("") + "\n";
}

/** The headers of every SSE response. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
};

/**
 * Wraps a stream of encoded SSE bytes in a `200 text/event-stream`
 * response.
 *
 * @param body The SSE bytes, typically from `EventBroker.subscribe`.
 */
export function sseResponse(body: ReadableStream<Uint8Array>): Response {
  return new Response(body, { status: 200, headers: { ...SSE_HEADERS } });
}
