/**
 * One low-overhead SSE connection of the bench's client worker, over a raw
 * TCP socket: an HTTP/1.1 GET, the response head, then the (chunked) body
 * read into one reused buffer and handed, decoded, to the connection's
 * scanner. A read is timestamped once, as soon as it returns, on the shared
 * clock.
 *
 * @module
 */
import {
  ChunkedDecoder,
  encoder,
  HEAD_END,
  indexOfBytes,
  writeAll,
} from "./raw_http.ts";
import { type Connection, now } from "./sse_recorder.ts";

/**
 * Reads `url` as an SSE stream into `conn` until the stream ends or the
 * connection's group is closed. Calls `opened` once: `true` after a 200
 * response head, or `false` with the error if connecting or the request
 * failed. Deno's `fetch` costs about 55 µs of CPU per body chunk here
 * against about 9 µs for a plain socket read, and the clients must stay
 * cheaper than the servers they measure.
 */
export async function readConnection(
  conn: Connection,
  url: string,
  headers: Record<string, string>,
  opened: (ok: boolean, error?: string) => void,
): Promise<void> {
  const target = new URL(url);
  let socket: Deno.TcpConn;
  try {
    socket = await Deno.connect({
      hostname: target.hostname,
      port: Number(target.port || 80),
    });
    socket.setNoDelay(true);
  } catch (error) {
    conn.ended = true;
    opened(false, String(error));
    return;
  }
  const onAbort = () => {
    try {
      socket.close();
    } catch {
      // closed already
    }
  };
  conn.group.abort.signal.addEventListener("abort", onAbort, { once: true });
  const buffer = new Uint8Array(256 * 1024);
  const decoder = new TextDecoder();
  const chunked = new ChunkedDecoder();
  let tail = "";
  let isChunked = false;
  let at = 0;
  const onPayload = (payload: Uint8Array) => {
    const text = tail + decoder.decode(payload, { stream: true });
    const rest = conn.scan(text, at);
    tail = rest === text.length ? "" : text.slice(rest);
  };
  let reported = false;
  try {
    const lines = [`GET ${target.pathname}${target.search} HTTP/1.1`];
    const all: Record<string, string> = {
      host: target.host,
      accept: "text/event-stream",
      ...headers,
    };
    for (const [key, value] of Object.entries(all)) {
      lines.push(`${key}: ${value}`);
    }
    await writeAll(socket, encoder.encode(lines.join("\r\n") + "\r\n\r\n"));
    // The response head.
    let head = new Uint8Array(0);
    let bodyStart = -1;
    while (bodyStart < 0) {
      const n = await socket.read(buffer);
      if (n === null) throw new Error(`${url} closed before answering`);
      const joined = new Uint8Array(head.length + n);
      joined.set(head);
      joined.set(buffer.subarray(0, n), head.length);
      head = joined;
      const end = indexOfBytes(head, HEAD_END);
      if (end >= 0) bodyStart = end + 4;
    }
    at = now();
    const headText = decoder.decode(head.subarray(0, bodyStart));
    const status = Number(headText.slice(9, 12));
    if (status !== 200) {
      throw new Error(`HTTP ${status} from ${url}`);
    }
    isChunked = /^transfer-encoding:\s*chunked/im.test(headText);
    reported = true;
    opened(true);
    const first = head.subarray(bodyStart);
    if (isChunked) chunked.feed(first, onPayload);
    else if (first.length > 0) onPayload(first);
    while (!chunked.ended) {
      const n = await socket.read(buffer);
      if (n === null) break;
      at = now();
      const bytes = buffer.subarray(0, n);
      if (isChunked) chunked.feed(bytes, onPayload);
      else onPayload(bytes);
    }
  } catch (error) {
    if (!reported) {
      reported = true;
      opened(false, error instanceof Error ? error.message : String(error));
    }
  } finally {
    conn.ended = true;
    conn.group.abort.signal.removeEventListener("abort", onAbort);
    onAbort();
  }
}
