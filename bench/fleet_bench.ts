/**
 * One Flock with a fleet of synthetic instances: its memory (VmRSS of the
 * Flock process) idle and under load, its overhead on an instance's
 * readiness, and its REST latency with 10 instances behind it.
 *
 * - Idle: a fresh Flock that has answered one health check, after a pause.
 * - Loaded: 10 instances (created one by one) and 100 SSE clients on
 *   `/api/events`, after every upstream has emitted a burst that every
 *   client received (so the replay ring and the queues have been used).
 * - Readiness: the synthetic child's own time to its listening line plus a
 *   healthy `GET /global/health` (the bench spawns it exactly as Flock
 *   does), against the time from `POST /api/instances` to the
 *   `instance.status: running` event for the same kind of child.
 * - API: see `api_bench.ts`; it runs after the loaded RSS is taken.
 *
 * @module
 */
import { apiLatency, type RouteLatency } from "./api_bench.ts";
import type { BenchContext } from "./context.ts";
import { progress, sleep } from "./context.ts";
import { createSession, StatusWatcher } from "./flock_api.ts";
import { rssBytes } from "./processes.ts";
import { SseClients } from "./sse_clients.ts";
import { median, round } from "./stats.ts";
import {
  addSyntheticInstance,
  startSyntheticFlock,
  type SyntheticInstance,
} from "./synthetic_flock.ts";
import { emit, startSyntheticUpstream } from "./upstream.ts";

/** RSS figures, in MB (10^6 bytes). */
export interface MemoryResult {
  idle_rss_mb: number;
  loaded_rss_mb: number;
  instances: number;
  clients: number;
  events_per_client: number;
}

/** Instance readiness, own vs through Flock, in ms (medians). */
export interface ReadinessResult {
  kind: "synthetic" | "opencode";
  runs: number;
  /** Spawn → listening line. */
  own_listening_ms: number;
  /** Spawn → listening line + healthy. */
  own_ready_ms: number;
  /** `POST /api/instances` → `running` event. */
  flock_running_ms: number;
  /** flock_running_ms − own_ready_ms. */
  overhead_ms: number;
}

/** Megabytes of 10^6 bytes (stricter than MiB for an upper-bound goal). */
const MB = 1_000_000;

async function rssSample(pid: number): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < 3; i++) {
    values.push(rssBytes(pid));
    await sleep(100);
  }
  return median(values) / MB;
}

/** Everything measured on the fleet. */
export interface FleetResult {
  memory: MemoryResult;
  readiness: ReadinessResult;
  api: RouteLatency[];
}

/** Measures memory, synthetic readiness and API latency. */
export async function fleetBench(ctx: BenchContext): Promise<FleetResult> {
  const instanceCount = 10;
  const clientCount = 100;
  const eventsPerInstance = ctx.pick(200, 20);
  progress("memory: idle Flock");
  const flock = await startSyntheticFlock(ctx);
  const instances: SyntheticInstance[] = [];
  let idle: number;
  let loaded: number;
  let api: RouteLatency[];
  try {
    const health = await fetch(`${flock.url}/api/health`);
    await health.body?.cancel();
    await sleep(ctx.pick(1000, 200));
    idle = await rssSample(flock.pid);

    progress(`memory: ${instanceCount} synthetic instances`);
    {
      await using watcher = new StatusWatcher(flock.url);
      await watcher.ready();
      for (let i = 0; i < instanceCount; i++) {
        instances.push(
          await addSyntheticInstance(ctx, flock, watcher, `mem-${i}`),
        );
      }
    }

    progress(`memory: ${clientCount} SSE clients, a burst from every instance`);
    using clients = new SseClients(1);
    await clients.open({
      group: "mem",
      url: `${flock.url}/api/events`,
      count: clientCount,
    });
    await clients.arm(1);
    await Promise.all(
      instances.map((i) =>
        emit(i.upstream, { n: eventsPerInstance, rate: 400, run: 1 })
      ),
    );
    const got = await clients.collect(
      1,
      eventsPerInstance * instanceCount,
      20_000,
    );
    const sample = got.groups.get("mem");
    if (got.timedOut || !sample || sample.failed > 0) {
      throw new Error(
        `The memory run lost events: ${sample?.latencies.length ?? 0} of ${
          eventsPerInstance * instanceCount * clientCount
        }`,
      );
    }
    await sleep(200);
    loaded = await rssSample(flock.pid);
    await clients.close("mem");

    const session = await createSession(
      flock.url,
      instances[0]!.instance.id,
      "bench",
    );
    api = await apiLatency(ctx, clients, flock.url, session.id);
  } finally {
    await ctx.tracker.stop(flock.child);
  }

  const ownRuns = ctx.pick(5, 2);
  progress(`readiness: ${ownRuns} synthetic upstreams started directly`);
  const listening: number[] = [];
  const ready: number[] = [];
  for (let i = 0; i < ownRuns; i++) {
    const cwd = await ctx.dir(`own-${i}`);
    const upstream = await startSyntheticUpstream(ctx.tracker, { cwd });
    listening.push(upstream.listeningMs);
    ready.push(upstream.readyMs);
    await ctx.tracker.stop(upstream.child);
  }
  const ownReady = median(ready);
  const flockRunning = median(instances.map((i) => i.readyMs));
  return {
    memory: {
      idle_rss_mb: round(idle, 1),
      loaded_rss_mb: round(loaded, 1),
      instances: instanceCount,
      clients: clientCount,
      events_per_client: eventsPerInstance * instanceCount,
    },
    readiness: {
      kind: "synthetic",
      runs: instances.length,
      own_listening_ms: round(median(listening), 1),
      own_ready_ms: round(ownReady, 1),
      flock_running_ms: round(flockRunning, 1),
      overhead_ms: round(flockRunning - ownReady, 1),
    },
    api,
  };
}
