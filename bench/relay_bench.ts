/**
 * Relay latency and fan-out throughput against a synthetic upstream.
 *
 * Latency: for 1, 10 and 100 clients, rounds of two phases (direct from the
 * upstream's `/event`, then through Flock's `/api/events`, the order
 * alternating A-B, B-A each round so drift cancels). Each phase emits the
 * same timestamped events; a client's latency for an event is its arrival
 * time minus the upstream's `sentAt`, on the shared clock. The ratio is
 * taken per round (adjacent phases see the same machine load), and the
 * median over rounds is reported with the pooled p50/p99 of each path.
 *
 * Throughput: 100 clients on Flock, the upstream rate ramped step by step;
 * the figure is the highest delivery rate (events received by all clients
 * per second) whose p99 stays at or below 50 ms with no client dropped.
 *
 * @module
 */
import type { BenchContext } from "./context.ts";
import { progress, sleep } from "./context.ts";
import { StatusWatcher } from "./flock_api.ts";
import type { FlockServer } from "./flock_server.ts";
import { SseClients } from "./sse_clients.ts";
import { concat, median, round, summarize } from "./stats.ts";
import {
  addSyntheticInstance,
  startSyntheticFlock,
  type SyntheticInstance,
} from "./synthetic_flock.ts";
import { emit, type Upstream } from "./upstream.ts";

/** Latency figures for one client count. */
export interface RelayLevel {
  clients: number;
  rounds: number;
  events_per_phase: number;
  rate_per_s: number;
  direct: { p50_ms: number; p99_ms: number; samples: number };
  flock: { p50_ms: number; p99_ms: number; samples: number };
  /** Median over rounds of flock p50 / direct p50. */
  ratio_p50: number;
  /** Median over rounds of flock p99 / direct p99. */
  ratio_p99: number;
  /** Each round's flock p99 / direct p99 (how noisy the machine was). */
  round_ratios_p99: number[];
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

/** One phase: open `count` clients on `url`, emit, collect, close. */
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
  },
): Promise<Float64Array> {
  await clients.open({
    group: options.group,
    url: options.url,
    headers: options.headers,
    count: options.count,
  });
  try {
    await sleep(30);
    const run = ++runCounter;
    await clients.arm(run);
    await emit(upstream, { n: options.n, rate: options.rate, run });
    const result = await clients.collect(run, options.n, 10_000);
    const sample = result.groups.get(options.group);
    if (!sample || result.timedOut || sample.failed > 0) {
      throw new Error(
        `The ${options.group} phase lost events: ${
          sample?.latencies.length ?? 0
        } of ${options.n * options.count} arrived, ${
          sample?.failed ?? 0
        } clients dropped`,
      );
    }
    return sample.latencies;
  } finally {
    await clients.close(options.group);
  }
}

/** Measures relay latency at each client count. */
export async function relayLatency(
  ctx: BenchContext,
  flock: FlockServer,
  target: SyntheticInstance,
  clients: SseClients,
): Promise<RelayLevel[]> {
  const levels = ctx.pick([1, 10, 100], [1, 10, 100]);
  const rounds = ctx.pick(8, 1);
  const n = ctx.pick(300, 20);
  const rate = 200;
  const direct = {
    url: `${target.upstream.url}/event`,
    headers: { authorization: target.upstream.authorization },
  };
  const viaFlock = { url: `${flock.url}/api/events`, headers: {} };
  const out: RelayLevel[] = [];
  for (const count of levels) {
    progress(`relay latency: ${count} client(s), ${rounds} round(s)`);
    // Warm-up (JIT, connection setup), not counted.
    for (
      const [group, path] of [["direct", direct], ["flock", viaFlock]] as const
    ) {
      await phase(clients, target.upstream, {
        group,
        ...path,
        count,
        n: Math.min(n, 50),
        rate,
      });
    }
    const directParts: Float64Array[] = [];
    const flockParts: Float64Array[] = [];
    const ratio50: number[] = [];
    const ratio99: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? ["direct", "flock"] : ["flock", "direct"];
      const got = new Map<string, Float64Array>();
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
      const d = summarize(got.get("direct")!);
      const f = summarize(got.get("flock")!);
      directParts.push(got.get("direct")!);
      flockParts.push(got.get("flock")!);
      ratio50.push(f.p50 / d.p50);
      ratio99.push(f.p99 / d.p99);
    }
    const d = summarize(concat(directParts));
    const f = summarize(concat(flockParts));
    out.push({
      clients: count,
      rounds,
      events_per_phase: n,
      rate_per_s: rate,
      direct: {
        p50_ms: round(d.p50, 3),
        p99_ms: round(d.p99, 3),
        samples: d.n,
      },
      flock: { p50_ms: round(f.p50, 3), p99_ms: round(f.p99, 3), samples: f.n },
      ratio_p50: round(median(ratio50), 2),
      ratio_p99: round(median(ratio99), 2),
      round_ratios_p99: ratio99.map((r) => round(r, 2)),
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
    const latency = await relayLatency(ctx, flock, target, clients);
    const throughput = await fanOutThroughput(ctx, flock, target, clients);
    return { latency, throughput };
  } finally {
    await ctx.tracker.stop(flock.child);
  }
}
