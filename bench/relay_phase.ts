/**
 * One phase of the relay bench: open a group of SSE clients on one path
 * (the upstream's own `/event`, or Flock's `/api/events` with a reference
 * client on the upstream beside them), emit the same timestamped events,
 * collect every client's latencies, close the clients.
 *
 * @module
 */
import { sleep } from "./context.ts";
import { cpuNs } from "./cpu_cost.ts";
import type { RunSample, SseClients } from "./sse_clients.ts";
import { emit, type Upstream } from "./upstream.ts";

let runCounter = 0;

/** A fresh run id (events of other runs are ignored by the clients). */
export function nextRun(): number {
  return ++runCounter;
}

/** Opens `count` connections of `group`, at most 250 at a time (accept backlogs). */
async function openClients(
  clients: SseClients,
  options: {
    group: string;
    url: string;
    headers?: Record<string, string>;
    count: number;
  },
): Promise<void> {
  for (let opened = 0; opened < options.count; opened += 250) {
    await clients.open({
      ...options,
      count: Math.min(250, options.count - opened),
    });
  }
}

/** What one phase delivered. */
export interface PhaseResult {
  sample: RunSample;
  /** The reference client's latency per `seq` (Flock phases). */
  reference: Map<number, number> | undefined;
  /** Flock's CPU over the phase, ns (Flock phases). */
  cpuNs: number;
}

/** One phase: open the clients, emit, collect, close. */
export async function phase(
  clients: SseClients,
  upstream: Upstream,
  options: {
    group: string;
    url: string;
    headers: Record<string, string>;
    count: number;
    n: number;
    rate: number;
    /** A Flock phase: also read the upstream directly, and cost Flock's CPU. */
    flock?: {
      pid: number;
      reference: { url: string; headers: Record<string, string> };
    };
  },
): Promise<PhaseResult> {
  await openClients(clients, options);
  if (options.flock) {
    await clients.open({
      group: "reference",
      ...options.flock.reference,
      count: 1,
    });
  }
  try {
    await sleep(30);
    const run = nextRun();
    await clients.arm(run);
    const cpuBefore = options.flock ? cpuNs(options.flock.pid) : 0;
    await emit(upstream, { n: options.n, rate: options.rate, run });
    const timeoutMs = 10_000 + options.n * options.count / 20;
    const result = await clients.collect(run, options.n, timeoutMs);
    const cpu = options.flock ? cpuNs(options.flock.pid) - cpuBefore : 0;
    const sample = result.groups.get(options.group);
    // A dropped client ends early; every other one must have every event.
    const lost = !sample || result.timedOut ||
      sample.latencies.length < (options.count - sample.failed) * options.n;
    if (lost || (!options.flock && sample.failed > 0)) {
      throw new Error(
        `The ${options.group} phase lost events: ${
          sample?.latencies.length ?? 0
        } of ${options.n * options.count} arrived, ${
          sample?.failed ?? 0
        } clients dropped`,
      );
    }
    let reference: Map<number, number> | undefined;
    if (options.flock) {
      const ref = result.groups.get("reference");
      if (!ref || ref.latencies.length < options.n) {
        throw new Error("The reference client lost events");
      }
      reference = new Map();
      ref.seqs.forEach((seq, i) => reference!.set(seq, ref.latencies[i]!));
    }
    return { sample, reference, cpuNs: cpu };
  } finally {
    await clients.close(options.group);
    if (options.flock) await clients.close("reference");
  }
}

/** Per Flock sample: its latency minus the reference's for the same event. */
export function addedOf(result: PhaseResult): Float64Array {
  const { sample, reference } = result;
  const out = new Float64Array(sample.latencies.length);
  let n = 0;
  for (let i = 0; i < sample.latencies.length; i++) {
    const base = reference?.get(sample.seqs[i]!);
    if (base !== undefined) out[n++] = sample.latencies[i]! - base;
  }
  return out.subarray(0, n);
}
