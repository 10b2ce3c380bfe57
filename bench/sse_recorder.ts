/**
 * The SSE client worker's bookkeeping: what each connection saw, scanned
 * straight from the decoded text with no SSE library, no `JSON.parse` and
 * no per-event objects.
 *
 * Two modes per connection group:
 * - `latency`: for bench events (`"run":R,"seq":S,"sentAt":T` in the data
 *   line), records `arrival - sentAt` and `S` for events of the armed run;
 * - `arrivals`: records the arrival time of every `message.part.delta`
 *   event by its OpenCode id (`"id":"evt_…"`), to compare two paths for the
 *   same events when the sender cannot stamp them (a real OpenCode).
 *
 * @module
 */
import type { GroupSample } from "./sse_worker_protocol.ts";

/** The shared clock: epoch ms, sub-ms (`timeOrigin + now()`). */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** What a group's connections record. */
export type GroupMode = "latency" | "arrivals";

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

/** Connections opened under one name, closed together. */
export class Group {
  /** The group's connections, in the order they were opened. */
  readonly conns: Connection[] = [];
  /** Aborted when the group is closed: every connection's socket closes. */
  readonly abort = new AbortController();

  constructor(
    readonly name: string,
    readonly mode: GroupMode,
    readonly recorder: Recorder,
  ) {}
}

/** What one SSE connection has recorded since it was last collected. */
export class Connection {
  latencies: number[] = [];
  seqs: number[] = [];
  received = 0;
  firstAt = Infinity;
  lastAt = 0;
  /** Whether the connection has ended (or never opened). */
  ended = false;
  arrivalIds: string[] = [];
  arrivalTimes: number[] = [];

  constructor(readonly group: Group) {}

  /**
   * Scans the complete lines of `text` (read at `at`, shared clock) from 0;
   * returns where the incomplete tail starts.
   */
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
    if (numberAt(text, r + RUN.length) !== this.group.recorder.run) return;
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

/** Every group of the worker, and the run being recorded. */
export class Recorder {
  readonly #groups = new Map<string, Group>();
  /** The armed run: latency events of other runs are ignored; -1 for none. */
  run = -1;

  /** The group `name`, created with `mode` if new (an old one keeps its mode). */
  group(name: string, mode: GroupMode): Group {
    const group = this.#groups.get(name) ?? new Group(name, mode, this);
    this.#groups.set(name, group);
    return group;
  }

  /** Forgets every connection's latencies and records `run` from now on. */
  arm(run: number): void {
    for (const group of this.#groups.values()) {
      for (const conn of group.conns) {
        conn.latencies = [];
        conn.seqs = [];
        conn.received = 0;
      }
    }
    this.run = run;
  }

  /** Whether every live latency connection has received `expect` events. */
  complete(expect: number): boolean {
    for (const group of this.#groups.values()) {
      if (group.mode !== "latency") continue;
      for (const conn of group.conns) {
        if (!conn.ended && conn.received < expect) return false;
      }
    }
    return true;
  }

  /**
   * Takes every latency group's sample (and the buffers to transfer),
   * resets the connections and disarms.
   */
  takeSamples(): { samples: GroupSample[]; transfer: Transferable[] } {
    const samples: GroupSample[] = [];
    const transfer: Transferable[] = [];
    for (const group of this.#groups.values()) {
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
    this.run = -1;
    return { samples, transfer };
  }

  /** Takes the arrivals recorded by group `name` (none if there is no such group). */
  takeArrivals(
    name: string,
  ): { ids: string[]; times: number[]; ended: number } {
    const group = this.#groups.get(name);
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
    return { ids, times, ended };
  }

  /** Closes group `name`'s connections and forgets it. */
  close(name: string): void {
    const group = this.#groups.get(name);
    if (group) {
      group.abort.abort();
      this.#groups.delete(name);
    }
  }
}
