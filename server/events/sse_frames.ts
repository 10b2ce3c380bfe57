/**
 * The SSE frames the broker sends, as bytes: published events (encoded
 * once, shared by every client), the anchor or reset that starts a stream,
 * `stream.lagged`, and the keepalive comment.
 *
 * @module
 */
import type {
  StreamLaggedEvent,
  StreamResetEvent,
} from "../contract/events.ts";
import { encodeComment, encodeSse } from "../http/sse.ts";

const encoder = new TextEncoder();

/** The keepalive comment sent to idle subscribers. */
export const HEARTBEAT_FRAME: Uint8Array = encoder.encode(
  encodeComment("keepalive"),
);

/**
 * One event's frame: `id:`, `event:` and `data:`. `type` must hold no line
 * break (the broker checks). Byte-identical to {@linkcode encodeSse}; a
 * `data` without line breaks (any `JSON.stringify` output) skips its split.
 */
export function eventFrame(id: number, type: string, data: string): Uint8Array {
  const text = data.includes("\n") || data.includes("\r")
    ? encodeSse({ id, event: type, data })
    : `id: ${id}\nevent: ${type}\ndata: ${data}\n\n`;
  return encoder.encode(text);
}

/**
 * What a stream that resumes (or starts) cleanly begins with: the `retry:`
 * hint and an id-only frame anchoring the client's `Last-Event-ID`.
 */
export function anchorFrame(retryMs: number, position: number): Uint8Array {
  return encoder.encode(`retry: ${retryMs}\nid: ${position}\n\n`);
}

/** The `retry:` hint alone (before a `stream.reset`). */
export function retryFrame(retryMs: number): Uint8Array {
  return encoder.encode(`retry: ${retryMs}\n\n`);
}

/** `stream.reset`, carrying the newest id so the client resumes from now. */
export function resetFrame(position: number, reason: string): Uint8Array {
  const reset: StreamResetEvent = {
    type: "stream.reset",
    properties: { reason },
  };
  return encoder.encode(
    encodeSse({ id: position, event: reset.type, data: JSON.stringify(reset) }),
  );
}

/** `stream.lagged`, carrying the last id the client was handed. */
export function laggedFrame(position: number): Uint8Array {
  const lagged: StreamLaggedEvent = {
    type: "stream.lagged",
    properties: { dropped_after: position },
  };
  return encoder.encode(
    encodeSse({
      id: position,
      event: lagged.type,
      data: JSON.stringify(lagged),
    }),
  );
}
