/**
 * Relay latency and fan-out throughput against a synthetic upstream.
 *
 * Latency: for 1, 10, 100 and 1,000 clients, rounds of two phases, the
 * order alternating A-B, B-A each round so drift cancels:
 *
 * - direct: the clients read the upstream's own `/event`;
 * - Flock: the clients read Flock's `/api/events`, and one reference client
 *   reads the upstream's `/event` at the same time.
 *
 * Each phase emits the same timestamped events (`sentAt`, the shared
 * clock). A client's latency for an event is its arrival minus `sentAt`.
 * Flock's **added latency** is measured directly, per event and client:
 * the Flock client's arrival minus the reference client's arrival of the
 * same event (`seq`). The **ratio** compares the two phases at the same
 * client count (Flock's fan-out against the upstream's own), per round
 * (adjacent phases see the same machine load); the median over rounds is
 * reported. The Flock phases also count the clients Flock dropped as
 * lagged (they read as fast as they can: it must be none) and Flock's CPU
 * per event (`/proc` schedstat, which a loaded machine inflates less than
 * it does latency).
 *
 * Rates: 200 events/s up to 100 clients; 20 events/s at 1,000 clients
 * (20,000 deliveries/s, which two shared cores sustain on both paths; a
 * saturated upstream would make the ratio meaningless).
 *
 * Throughput: 100 clients on Flock, the upstream rate ramped step by step;
 * the figure is the highest delivery rate (events received by all clients
 * per second) whose p99 stays at or below 50 ms with no client dropped.
 *
 * @module
 */
import type { BenchContext } from "./context.ts";
import { progress, sleep } from "./context.ts";
import { cpuNs } from "./cpu_cost.ts";
import { StatusWatcher } from "./flock_api.ts";
import type { FlockServer } from "./flock_server.ts";
import { type RunSample, SseClients } from "./sse_clients.ts";
import { concat, median, round, summarize } from "./stats.ts";
import {
  addSyntheticInstance,
  startSyntheticFlock,
  type SyntheticInstance,
} from "./synthetic_flock.ts";
import { emit, type Upstream } from "./upstream.ts";

/** p50 and p99 of a sample set, in ms. */
export interface Spread {
  p50_ms: number;
  p99_ms: number;
  samples: number;
}

/** Latency figures for one client count. */
export interface RelayLevel {
  clients: number;
  rounds: number;
  events_per_phase: number;
  rate_per_s: number;
  /** Direct phases: arrival − sentAt. */
  direct: Spread;
  /** Flock phases: arrival − sentAt. */
  flock: Spread;
  /** Flock phases: a Flock client's arrival − the reference client's, per event. */
  added: Spread;
  /** Median over rounds of flock p50 / direct p50. */
  ratio_p50: number;
  /** Median over rounds of flock p99 / direct p99. */
  ratio_p99: number;
  /** Each round's flock p99 / direct p99 (how noisy the machine was). */
  round_ratios_p99: number[];
  /** Flock clients that ended before the phase did (dropped as lagged). */
  dropped_clients: number;
  /** Flock's CPU per event during the Flock phases, µs (all its threads). */
  flock_cpu_us_per_event: number;
}
/** One throughput step. */
export interface ThroughputStep {
  rate_per_s: number;
  deliveries_per_s: number;
  p50_ms: number;
  p99_ms: number;
  dropped_clients: number;
  ok: boolean;
}

/** The fan-out throughput figure. */
export interface ThroughputResult {
  clients: number;
  p99_limit_ms: number;
  /** The best passing step's delivery rate. */
  max_deliveries_per_s: number;
  p99_at_max_ms: number;
  steps: ThroughputStep[];
}

let runCounter = 0;

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
interface PhaseResult {
  sample: RunSample;
  /** The reference client's latency per `seq` (Flock phases). */
  reference: Map<number, number> | undefined;
  /** Flock's CPU over the phase, ns (Flock phases). */
  cpuNs: number;
}

/** One phase: open the clients, emit, collect, close. */
async function phase(
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
    const run = ++runCounter;
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
function addedOf(result: PhaseResult): Float64Array {
  const { sample, reference } = result;
  const out = new Float64Array(sample.latencies.length);
  let n = 0;
  for (let i = 0; i < sample.latencies.length; i++) {
    const base = reference?.get(sample.seqs[i]!);
    if (base !== undefined) out[n++] = sample.latencies[i]! - base;
  }
  return out.subarray(0, n);
}

function spread(values: Float64Array): Spread {
  const s = summarize(values);
  return { p50_ms: round(s.p50, 3), p99_ms: round(s.p99, 3), samples: s.n };
}

/** Measures relay latency at each client count. */
export async function relayLatency(
  ctx: BenchContext,
  flock: FlockServer,
  target: SyntheticInstance,
  clients: SseClients,
  options: { levels?: number[]; rounds?: number } = {},
): Promise<RelayLevel[]> {
  const levels = options.levels ?? [1, 10, 100, 1000];
  const direct = {
    url: `${target.upstream.url}/event`,
    headers: { authorization: target.upstream.authorization },
  };
  const viaFlock = {
    url: `${flock.url}/api/events`,
    headers: {},
    flock: { pid: flock.pid, reference: direct },
  };
  const out: RelayLevel[] = [];
  for (const count of levels) {
    const big = count >= 1000;
    const rounds = options.rounds ?? ctx.pick(big ? 4 : 8, 1);
    const n = ctx.pick(big ? 100 : 300, big ? 5 : 20);
    const rate = big ? 20 : 200;
    progress(`relay latency: ${count} client(s), ${rounds} round(s)`);
    // Warm-up (JIT, connection setup), not counted.
    for (const path of [direct, viaFlock]) {
      await phase(clients, target.upstream, {
        group: "warm-up",
        ...path,
        count,
        n: Math.min(n, 50),
        rate,
      });
    }
    const directParts: Float64Array[] = [];
    const flockParts: Float64Array[] = [];
    const addedParts: Float64Array[] = [];
    const ratio50: number[] = [];
    const ratio99: number[] = [];
    let dropped = 0;
    let cpu = 0;
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? ["direct", "flock"] : ["flock", "direct"];
      const got = new Map<string, PhaseResult>();
      for (const group of order) {
        const path = group === "direct" ? direct : viaFlock;
        got.set(
          group,
          await phase(clients, target.upstream, {
            group,
            ...path,
            count,
            n,
            rate,
          }),
        );
      }
      const d = got.get("direct")!;
      const f = got.get("flock")!;
      const ds = summarize(d.sample.latencies);
      const fs = summarize(f.sample.latencies);
      directParts.push(d.sample.latencies);
      flockParts.push(f.sample.latencies);
      addedParts.push(addedOf(f));
      ratio50.push(fs.p50 / ds.p50);
      ratio99.push(fs.p99 / ds.p99);
      dropped += f.sample.failed;
      cpu += f.cpuNs;
    }
    out.push({
      clients: count,
      rounds,
      events_per_phase: n,
      rate_per_s: rate,
      direct: spread(concat(directParts)),
      flock: spread(concat(flockParts)),
      added: spread(concat(addedParts)),
      ratio_p50: round(median(ratio50), 2),
      ratio_p99: round(median(ratio99), 2),
      round_ratios_p99: ratio99.map((r) => round(r, 2)),
      dropped_clients: dropped,
      flock_cpu_us_per_event: round(cpu / (rounds * n) / 1000, 1),
    });
  }
  return out;
}

/** Ramps the event rate to 100 Flock clients until p99 passes 50 ms. */
export async function fanOutThroughput(
  ctx: BenchContext,
  flock: FlockServer,
  target: SyntheticInstance,
  clients: SseClients,
): Promise<ThroughputResult> {
  const count = 100;
  const limit = 50;
  const stepMs = ctx.pick(1500, 300);
  const rates = ctx.pick(
    [100, 200, 300, 500, 700, 1000, 1400, 2000, 2800, 4000, 5600, 8000],
    [100, 300],
  );
  const steps: ThroughputStep[] = [];
  const runStep = async (rate: number): Promise<ThroughputStep> => {
    const n = Math.max(10, Math.round((rate * stepMs) / 1000));
    await clients.open({
      group: "ramp",
      url: `${flock.url}/api/events`,
      count,
    });
    try {
      await sleep(30);
      const run = ++runCounter;
      await clients.arm(run);
      const emitted = await emit(target.upstream, { n, rate, run });
      const result = await clients.collect(run, n, 10_000);
      const sample = result.groups.get("ramp");
      const received = sample?.latencies.length ?? 0;
      const span = Math.max(
        emitted.duration_ms,
        (sample?.lastAt ?? 0) - (sample?.firstAt ?? 0),
      );
      const s = summarize(sample?.latencies ?? new Float64Array());
      const dropped = sample?.failed ?? count;
      const step: ThroughputStep = {
        rate_per_s: rate,
        deliveries_per_s: Math.round((received * 1000) / Math.max(1, span)),
        p50_ms: round(s.p50, 3),
        p99_ms: round(s.p99, 3),
        dropped_clients: dropped,
        ok: !result.timedOut && dropped === 0 && received === n * count &&
          s.p99 <= limit,
      };
      progress(
        `fan-out: ${rate} events/s -> ${step.deliveries_per_s} deliveries/s, p99 ${step.p99_ms} ms${
          step.ok ? "" : " (over the limit)"
        }`,
      );
      return step;
    } finally {
      await clients.close("ramp");
    }
  };
  let lastOk: number | undefined;
  let firstBad: number | undefined;
  for (const rate of rates) {
    const step = await runStep(rate);
    steps.push(step);
    if (step.ok) lastOk = rate;
    else {
      firstBad = rate;
      break;
    }
  }
  // One refinement between the last pass and the first failure.
  if (!ctx.quick && lastOk !== undefined && firstBad !== undefined) {
    const mid = Math.round((lastOk + firstBad) / 2);
    if (mid !== lastOk && mid !== firstBad) steps.push(await runStep(mid));
  }
  const passing = steps.filter((s) => s.ok);
  const best = passing.reduce<ThroughputStep | undefined>(
    (
      a,
      s,
    ) => (a === undefined || s.deliveries_per_s > a.deliveries_per_s ? s : a),
    undefined,
  );
  return {
    clients: count,
    p99_limit_ms: limit,
    max_deliveries_per_s: best?.deliveries_per_s ?? 0,
    p99_at_max_ms: best?.p99_ms ?? NaN,
    steps,
  };
}

/** Both relay figures on one Flock with one synthetic instance. */
export async function relayBench(
  ctx: BenchContext,
  options: { rounds?: number } = {},
): Promise<{ latency: RelayLevel[]; throughput: ThroughputResult }> {
  progress("relay: starting Flock with a synthetic upstream");
  const flock = await startSyntheticFlock(ctx);
  using clients = new SseClients(1);
  try {
    let target: SyntheticInstance;
    {
      // Closed before measuring: it would be one more (slow) subscriber.
      await using watcher = new StatusWatcher(flock.url);
      await watcher.ready();
      target = await addSyntheticInstance(ctx, flock, watcher, "relay");
    }
    const latency = await relayLatency(ctx, flock, target, clients, options);
    const throughput = await fanOutThroughput(ctx, flock, target, clients);
    return { latency, throughput };
  } finally {
    await ctx.tracker.stop(flock.child);
  }
}
