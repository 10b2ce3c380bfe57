/**
 * A Web Worker that holds many low-overhead SSE connections and measures
 * when events arrive. It runs on its own thread (and the servers it reads
 * run in their own processes), so measuring never competes with the code
 * being measured for an event loop.
 *
 * The client is a raw TCP socket speaking just enough HTTP/1.1 (a GET, the
 * response head, chunked decoding) plus hand-written line scanning over the
 * decoded text: no SSE library, no `JSON.parse`, no per-event objects. A
 * read is timestamped once, as soon as it returns, on the shared clock
 * `performance.timeOrigin + performance.now()` (epoch ms, sub-ms).
 *
 * Two modes per connection group:
 * - `latency`: for bench events (`"run":R,"seq":S,"sentAt":T` in the data
 *   line), records `arrival - sentAt` and `S` for events of the current run;
 * - `arrivals`: records the arrival time of every `message.part.delta`
 *   event by its OpenCode id (`"id":"evt_…"`), to compare two paths for the
 *   same events when the sender cannot stamp them (a real OpenCode).
 *
 * @module
 */

/** A request from the bench to the worker. */
export type WorkerRequest =
  | {
    op: "open";
    group: string;
    url: string;
    headers: Record<string, string>;
    count: number;
    mode: "latency" | "arrivals";
  }
  | { op: "arm"; run: number }
  | { op: "collect"; run: number; expect: number; timeoutMs: number }
  | { op: "arrivals"; group: string }
  | { op: "close"; group: string }
  | { op: "load"; url: string; clients: number; durationMs: number };

/** Latencies of one group for one run. */
export interface GroupSample {
  group: string;
  /** One entry per received event per connection, in ms. */
  latencies: Float64Array;
  /** The event (`seq`) of each latency. */
  seqs: Float64Array;
  /** Connections in the group. */
  clients: number;
  /** Connections that ended or failed before the run finished. */
  failed: number;
  /** When the first and last event of the run arrived (shared clock). */
  firstAt: number;
  lastAt: number;
}

/** A reply from the worker to the bench. */
export type WorkerReply =
  | { op: "opened"; group: string; failed: number; error?: string }
  | { op: "armed"; run: number }
  | { op: "collected"; run: number; groups: GroupSample[]; timedOut: boolean }
  | {
    op: "arrivals";
    group: string;
    ids: string[];
    times: number[];
    /** Connections of the group that have ended. */
    ended: number;
  }
  | { op: "closed"; group: string }
  | { op: "loaded"; latencies: Float64Array; elapsedMs: number }
  | { op: "error"; message: string };

function now(): number {
  return performance.timeOrigin + performance.now();
}

const RUN = '"run":';
const SEQ = '"seq":';
const SENT_AT = '"sentAt":';
const DELTA = '"type":"message.part.delta"';
const ID = '"id":"';

/**
 * Parses a non-negative decimal number (digits, optional fraction) at
 * `pos` without allocating.
 */
function numberAt(text: string, pos: number): number {
  let value = 0;
  let i = pos;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    value = value * 10 + (c - 48);
  }
  if (text.charCodeAt(i) === 46) {
    let scale = 0.1;
    for (i++; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      value += (c - 48) * scale;
      scale /= 10;
    }
  }
  return value;
}

class Group {
  readonly conns: Connection[] = [];
  constructor(
    readonly name: string,
    readonly mode: "latency" | "arrivals",
    readonly abort: AbortController,
  ) {}
}

class Connection {
  latencies: number[] = [];
  seqs: number[] = [];
  received = 0;
  firstAt = Infinity;
  lastAt = 0;
  ended = false;
  arrivalIds: string[] = [];
  arrivalTimes: number[] = [];

  constructor(readonly group: Group) {}

  /** Scans complete lines of `text` from 0; returns where the tail starts. */
  scan(text: string, at: number): number {
    let start = 0;
    while (true) {
      const nl = text.indexOf("\n", start);
      if (nl < 0) return start;
      // "data:" lines only.
      if (text.charCodeAt(start) === 100 && text.charCodeAt(start + 4) === 58) {
        if (this.group.mode === "latency") this.#latency(text, start, nl, at);
        else this.#arrival(text, start, nl, at);
      }
      start = nl + 1;
    }
  }

  #latency(text: string, start: number, end: number, at: number): void {
    const r = text.indexOf(RUN, start);
    if (r < 0 || r > end) return;
    if (numberAt(text, r + RUN.length) !== currentRun) return;
    const q = text.indexOf(SEQ, r);
    if (q < 0 || q > end) return;
    const s = text.indexOf(SENT_AT, q);
    if (s < 0 || s > end) return;
    this.latencies.push(at - numberAt(text, s + SENT_AT.length));
    this.seqs.push(numberAt(text, q + SEQ.length));
    this.received++;
    if (at < this.firstAt) this.firstAt = at;
    this.lastAt = at;
  }

  #arrival(text: string, start: number, end: number, at: number): void {
    const d = text.indexOf(DELTA, start);
    if (d < 0 || d > end) return;
    const i = text.indexOf(ID, start);
    if (i < 0 || i > end) return;
    const close = text.indexOf('"', i + ID.length);
    if (close < 0 || close > end) return;
    this.arrivalIds.push(text.slice(i + ID.length, close));
    this.arrivalTimes.push(at);
  }
}

const groups = new Map<string, Group>();
let currentRun = -1;

/** Decodes HTTP/1.1 chunked transfer coding, byte by byte state. */
class ChunkedDecoder {
  #state: "size" | "ext" | "sizeLf" | "data" | "cr" | "lf" | "end" = "size";
  #size = 0;
  #left = 0;

  get ended(): boolean {
    return this.#state === "end";
  }

  /** Calls `out` with each payload slice of `bytes` (views, no copies). */
  feed(bytes: Uint8Array, out: (payload: Uint8Array) => void): void {
    let i = 0;
    while (i < bytes.length && this.#state !== "end") {
      if (this.#state === "data") {
        const n = Math.min(this.#left, bytes.length - i);
        out(bytes.subarray(i, i + n));
        i += n;
        this.#left -= n;
        if (this.#left === 0) this.#state = "cr";
        continue;
      }
      const c = bytes[i++]!;
      switch (this.#state) {
        case "size":
          if (c === 13) this.#state = "sizeLf";
          else if (c === 59) this.#state = "ext";
          else this.#size = this.#size * 16 + hexValue(c);
          break;
        case "ext":
          if (c === 13) this.#state = "sizeLf";
          break;
        case "sizeLf":
          if (this.#size === 0) {
            this.#state = "end";
          } else {
            this.#left = this.#size;
            this.#size = 0;
            this.#state = "data";
          }
          break;
        case "cr":
          this.#state = "lf";
          break;
        case "lf":
          this.#state = "size";
          break;
      }
    }
  }
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return 0;
}

const HEAD_END = new Uint8Array([13, 10, 13, 10]);

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

/**
 * One SSE connection over a raw TCP socket: an HTTP/1.1 GET, the response
 * head, then the (chunked) body read into one reused buffer. Deno's `fetch`
 * costs about 55 µs of CPU per body chunk here against about 9 µs for a
 * plain socket read, and the clients must stay cheaper than the servers
 * they measure.
 */
async function readConnection(
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

async function writeAll(
  socket: Deno.TcpConn,
  bytes: Uint8Array,
): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    offset += await socket.write(bytes.subarray(offset));
  }
}

const encoder = new TextEncoder();

/**
 * Closed-loop GET load: `clients` keep-alive connections, each sending its
 * next request as soon as the previous response's body is complete, for
 * `durationMs`. Returns every request's latency in ms.
 */
async function load(
  request: Extract<WorkerRequest, { op: "load" }>,
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

/** The worker's global scope, as this module uses it. */
interface WorkerScope {
  postMessage(message: WorkerReply, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
}

function isWorkerScope(value: unknown): value is WorkerScope {
  return typeof value === "object" && value !== null &&
    "postMessage" in value && typeof value.postMessage === "function";
}

function workerScope(): WorkerScope {
  const scope: unknown = globalThis;
  if (!isWorkerScope(scope)) {
    throw new Error("Cannot run the SSE client worker outside a Worker");
  }
  return scope;
}

function post(reply: WorkerReply, transfer: Transferable[] = []): void {
  workerScope().postMessage(reply, transfer);
}

async function open(
  request: Extract<WorkerRequest, { op: "open" }>,
): Promise<void> {
  const existing = groups.get(request.group);
  const group = existing ??
    new Group(request.group, request.mode, new AbortController());
  groups.set(request.group, group);
  let failed = 0;
  let error: string | undefined;
  const waits: Promise<void>[] = [];
  for (let i = 0; i < request.count; i++) {
    const conn = new Connection(group);
    group.conns.push(conn);
    waits.push(
      new Promise<void>((resolve) => {
        readConnection(conn, request.url, request.headers, (ok, message) => {
          if (!ok) {
            failed++;
            error ??= message;
          }
          resolve();
        });
      }),
    );
  }
  await Promise.all(waits);
  post({
    op: "opened",
    group: request.group,
    failed,
    ...(error === undefined ? {} : { error }),
  });
}

async function collect(
  request: Extract<WorkerRequest, { op: "collect" }>,
): Promise<void> {
  const deadline = now() + request.timeoutMs;
  const complete = () => {
    for (const group of groups.values()) {
      if (group.mode !== "latency") continue;
      for (const conn of group.conns) {
        if (!conn.ended && conn.received < request.expect) return false;
      }
    }
    return true;
  };
  let timedOut = false;
  while (!complete()) {
    if (now() > deadline) {
      timedOut = true;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const samples: GroupSample[] = [];
  const transfer: Transferable[] = [];
  for (const group of groups.values()) {
    if (group.mode !== "latency") continue;
    let total = 0;
    let failed = 0;
    let firstAt = Infinity;
    let lastAt = 0;
    for (const conn of group.conns) {
      total += conn.latencies.length;
      if (conn.ended) failed++;
      firstAt = Math.min(firstAt, conn.firstAt);
      lastAt = Math.max(lastAt, conn.lastAt);
    }
    const latencies = new Float64Array(total);
    const seqs = new Float64Array(total);
    let offset = 0;
    for (const conn of group.conns) {
      latencies.set(conn.latencies, offset);
      seqs.set(conn.seqs, offset);
      offset += conn.latencies.length;
      conn.latencies = [];
      conn.seqs = [];
      conn.received = 0;
      conn.firstAt = Infinity;
      conn.lastAt = 0;
    }
    samples.push({
      group: group.name,
      latencies,
      seqs,
      clients: group.conns.length,
      failed,
      firstAt,
      lastAt,
    });
    transfer.push(latencies.buffer, seqs.buffer);
  }
  currentRun = -1;
  post(
    { op: "collected", run: request.run, groups: samples, timedOut },
    transfer,
  );
}

function close(name: string): void {
  const group = groups.get(name);
  if (group) {
    group.abort.abort();
    groups.delete(name);
  }
  post({ op: "closed", group: name });
}

workerScope().onmessage = (event) => {
  const request = event.data;
  const fail = (error: unknown) =>
    post({ op: "error", message: String(error) });
  switch (request.op) {
    case "open":
      open(request).catch(fail);
      break;
    case "arm":
      for (const group of groups.values()) {
        for (const conn of group.conns) {
          conn.latencies = [];
          conn.seqs = [];
          conn.received = 0;
        }
      }
      currentRun = request.run;
      post({ op: "armed", run: request.run });
      break;
    case "collect":
      collect(request).catch(fail);
      break;
    case "arrivals": {
      const group = groups.get(request.group);
      const ids: string[] = [];
      const times: number[] = [];
      for (const conn of group?.conns ?? []) {
        for (let i = 0; i < conn.arrivalIds.length; i++) {
          ids.push(conn.arrivalIds[i]!);
          times.push(conn.arrivalTimes[i]!);
        }
        conn.arrivalIds = [];
        conn.arrivalTimes = [];
      }
      const ended = (group?.conns ?? []).filter((c) => c.ended).length;
      post({ op: "arrivals", group: request.group, ids, times, ended });
      break;
    }
    case "load":
      load(request).then(
        ({ latencies, elapsedMs }) =>
          post({ op: "loaded", latencies, elapsedMs }, [latencies.buffer]),
        fail,
      );
      break;
    case "close":
      close(request.group);
      break;
  }
};
