/**
 * Closed-loop GET load over raw keep-alive sockets, for the API bench (run
 * inside the SSE client worker so that the load generator does not share
 * an event loop with the bench).
 *
 * @module
 */
import { encoder, HEAD_END, indexOfBytes, writeAll } from "./raw_http.ts";

/** What to load: a GET `url`, by `clients` connections, for `durationMs`. */
export interface LoadOptions {
  url: string;
  clients: number;
  durationMs: number;
}

/**
 * Closed-loop GET load: `clients` keep-alive connections, each sending its
 * next request as soon as the previous response's body is complete, for
 * `durationMs`. Returns every request's latency in ms.
 */
export async function load(
  request: LoadOptions,
): Promise<{ latencies: Float64Array; elapsedMs: number }> {
  const target = new URL(request.url);
  const head = encoder.encode(
    `GET ${target.pathname}${target.search} HTTP/1.1\r\nhost: ${target.host}\r\naccept: application/json\r\n\r\n`,
  );
  const latencies: number[] = [];
  const started = performance.now();
  const end = started + request.durationMs;
  const one = async () => {
    const socket = await Deno.connect({
      hostname: target.hostname,
      port: Number(target.port || 80),
    });
    socket.setNoDelay(true);
    const buffer = new Uint8Array(64 * 1024);
    try {
      while (performance.now() < end) {
        const t0 = performance.now();
        await writeAll(socket, head);
        // Head, then a Content-Length or chunked body.
        let bodyStart = -1;
        let data = new Uint8Array(0);
        while (bodyStart < 0) {
          const n = await socket.read(buffer);
          if (n === null) {
            throw new Error(`${request.url} closed the connection`);
          }
          const joined = new Uint8Array(data.length + n);
          joined.set(data);
          joined.set(buffer.subarray(0, n), data.length);
          data = joined;
          const at = indexOfBytes(data, HEAD_END);
          if (at >= 0) bodyStart = at + 4;
        }
        const headText = new TextDecoder().decode(data.subarray(0, bodyStart));
        const status = Number(headText.slice(9, 12));
        if (status !== 200) {
          throw new Error(`HTTP ${status} from ${request.url}`);
        }
        const length = /^content-length:\s*(\d+)/im.exec(headText)?.[1];
        if (length === undefined) {
          throw new Error(`No content-length from ${request.url}`);
        }
        let left = Number(length) - (data.length - bodyStart);
        while (left > 0) {
          const n = await socket.read(buffer);
          if (n === null) throw new Error(`${request.url} closed mid-body`);
          left -= n;
        }
        latencies.push(performance.now() - t0);
      }
    } finally {
      socket.close();
    }
  };
  await Promise.all(Array.from({ length: request.clients }, one));
  return {
    latencies: Float64Array.from(latencies),
    elapsedMs: performance.now() - started,
  };
}
