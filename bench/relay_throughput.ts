/**
 * Relay fan-out throughput against a synthetic upstream: 100 clients on
 * Flock, the upstream rate ramped step by step; the figure is the highest
 * delivery rate (events received by all clients per second) whose p99
 * stays at or below 50 ms with no client dropped.
 *
 * @module
 */
import type { BenchContext } from "./context.ts";
import { progress, sleep } from "./context.ts";
import type { FlockServer } from "./flock_server.ts";
import { nextRun } from "./relay_phase.ts";
import type { SseClients } from "./sse_clients.ts";
import { round, summarize } from "./stats.ts";
import type { SyntheticInstance } from "./synthetic_flock.ts";
import { emit } from "./upstream.ts";

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
      const run = nextRun();
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
