/**
 * The bench side of {@link ./sse_client_worker.ts}: owns the worker(s) and
 * turns its messages into promises. Connections of a group are spread over
 * the workers round-robin.
 *
 * @module
 */
import type {
  GroupSample,
  WorkerReply,
  WorkerRequest,
} from "./sse_worker_protocol.ts";

export type { GroupSample };

/** One worker with a promise per request (requests are answered in order per op). */
class WorkerLink {
  #worker: Worker;
  #waiting: Array<{ op: string; resolve: (reply: WorkerReply) => void }> = [];
  #error: Error | undefined;

  constructor() {
    this.#worker = new Worker(
      new URL("./sse_client_worker.ts", import.meta.url).href,
      { type: "module" },
    );
    this.#worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      if (reply.op === "error") {
        this.#error = new Error(`SSE client worker failed: ${reply.message}`);
        for (const w of this.#waiting.splice(0)) w.resolve(reply);
        return;
      }
      const index = this.#waiting.findIndex((w) => w.op === reply.op);
      if (index >= 0) this.#waiting.splice(index, 1)[0]?.resolve(reply);
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.#error = new Error(`SSE client worker crashed: ${event.message}`);
      for (const w of this.#waiting.splice(0)) {
        w.resolve({ op: "error", message: event.message });
      }
    };
  }

  async request<O extends WorkerReply["op"]>(
    request: WorkerRequest,
    op: O,
  ): Promise<Extract<WorkerReply, { op: O }>> {
    if (this.#error) throw this.#error;
    const reply = await new Promise<WorkerReply>((resolve) => {
      this.#waiting.push({ op, resolve });
      this.#worker.postMessage(request);
    });
    if (reply.op === "error") throw new Error(reply.message);
    return reply as Extract<WorkerReply, { op: O }>;
  }

  terminate(): void {
    this.#worker.terminate();
  }
}

/** What one group delivered in one run, merged over workers. */
export interface RunSample {
  latencies: Float64Array;
  /** The event (`seq`) of each latency. */
  seqs: Float64Array;
  clients: number;
  failed: number;
  firstAt: number;
  lastAt: number;
}

/** A pool of SSE clients in worker threads. */
export class SseClients implements Disposable {
  #links: WorkerLink[];

  /** @param workers How many worker threads (default 1). */
  constructor(workers = 1) {
    this.#links = Array.from({ length: workers }, () => new WorkerLink());
  }

  /**
   * Opens `count` connections as `group`; resolves when every one has its
   * response headers (for Flock that means it is subscribed).
   *
   * @throws when a connection fails.
   */
  async open(options: {
    group: string;
    url: string;
    headers?: Record<string, string>;
    count: number;
    mode?: "latency" | "arrivals";
  }): Promise<void> {
    const n = this.#links.length;
    const replies = await Promise.all(this.#links.map((link, i) => {
      const count = Math.floor(options.count / n) +
        (i < options.count % n ? 1 : 0);
      if (count === 0) return undefined;
      return link.request({
        op: "open",
        group: options.group,
        url: options.url,
        headers: options.headers ?? {},
        count,
        mode: options.mode ?? "latency",
      }, "opened");
    }));
    const failed = replies.reduce((sum, r) => sum + (r?.failed ?? 0), 0);
    if (failed > 0) {
      const error = replies.find((r) => r?.error)?.error;
      throw new Error(
        `Cannot open ${failed} of ${options.count} SSE connections to ${options.url}: ${error}`,
      );
    }
  }

  /** Starts recording events of `run` (and forgets earlier ones). */
  async arm(run: number): Promise<void> {
    await Promise.all(
      this.#links.map((link) => link.request({ op: "arm", run }, "armed")),
    );
  }

  /**
   * Waits until every connection has `expect` events of `run` (or the
   * timeout), then returns the latencies per group.
   */
  async collect(
    run: number,
    expect: number,
    timeoutMs: number,
  ): Promise<{ groups: Map<string, RunSample>; timedOut: boolean }> {
    const replies = await Promise.all(
      this.#links.map((link) =>
        link.request({ op: "collect", run, expect, timeoutMs }, "collected")
      ),
    );
    const groups = new Map<string, RunSample>();
    let timedOut = false;
    const parts = new Map<string, GroupSample[]>();
    for (const reply of replies) {
      timedOut ||= reply.timedOut;
      for (const sample of reply.groups) {
        const list = parts.get(sample.group) ?? [];
        list.push(sample);
        parts.set(sample.group, list);
      }
    }
    for (const [name, list] of parts) {
      let total = 0;
      for (const s of list) total += s.latencies.length;
      const latencies = new Float64Array(total);
      const seqs = new Float64Array(total);
      let offset = 0;
      for (const s of list) {
        latencies.set(s.latencies, offset);
        seqs.set(s.seqs, offset);
        offset += s.latencies.length;
      }
      groups.set(name, {
        latencies,
        seqs,
        clients: list.reduce((sum, s) => sum + s.clients, 0),
        failed: list.reduce((sum, s) => sum + s.failed, 0),
        firstAt: Math.min(...list.map((s) => s.firstAt)),
        lastAt: Math.max(...list.map((s) => s.lastAt)),
      });
    }
    return { groups, timedOut };
  }

  /**
   * Every arrival of a `message.part.delta` in `group` since the last
   * call: its OpenCode event id and when it arrived, one row per event per
   * connection; and how many of the group's connections have ended.
   */
  async arrivals(
    group: string,
  ): Promise<{ ids: string[]; times: number[]; ended: number }> {
    const ids: string[] = [];
    const times: number[] = [];
    let ended = 0;
    for (const link of this.#links) {
      const reply = await link.request({ op: "arrivals", group }, "arrivals");
      ended += reply.ended;
      for (let i = 0; i < reply.ids.length; i++) {
        ids.push(reply.ids[i]!);
        times.push(reply.times[i]!);
      }
    }
    return { ids, times, ended };
  }

  /** The first arrival of each `message.part.delta` in `group`, by id. */
  async firstArrivals(group: string): Promise<Map<string, number>> {
    const { ids, times } = await this.arrivals(group);
    const out = new Map<string, number>();
    ids.forEach((id, i) => {
      const t = times[i]!;
      const seen = out.get(id);
      if (seen === undefined || t < seen) out.set(id, t);
    });
    return out;
  }

  /**
   * Closed-loop GET load from the first worker: `clients` keep-alive
   * connections for `durationMs`; every request's latency in ms.
   */
  async load(
    url: string,
    clients: number,
    durationMs: number,
  ): Promise<{ latencies: Float64Array; elapsedMs: number }> {
    const reply = await this.#links[0]!.request(
      { op: "load", url, clients, durationMs },
      "loaded",
    );
    return { latencies: reply.latencies, elapsedMs: reply.elapsedMs };
  }

  /** Closes every connection of `group`. */
  async close(group: string): Promise<void> {
    await Promise.all(
      this.#links.map((link) => link.request({ op: "close", group }, "closed")),
    );
  }

  /** Ends the workers (and with them every connection). */
  [Symbol.dispose](): void {
    for (const link of this.#links) link.terminate();
  }
}
