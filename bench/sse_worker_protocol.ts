/**
 * The messages between the bench ({@link ./sse_clients.ts}) and the SSE
 * client worker ({@link ./sse_client_worker.ts}): what the bench asks for
 * and what the worker answers.
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
