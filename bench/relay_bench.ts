/**
 * Relay latency and fan-out throughput against a synthetic upstream, both
 * on one Flock with one synthetic instance: first the latency rounds at 1,
 * 10, 100 and 1,000 clients (`relay_latency.ts`, each phase
 * `relay_phase.ts`), then the throughput ramp at 100 clients
 * (`relay_throughput.ts`).
 *
 * @module
 */
import type { BenchContext } from "./context.ts";
import { progress } from "./context.ts";
import { StatusWatcher } from "./flock_api.ts";
import { relayLatency, type RelayLevel } from "./relay_latency.ts";
import { fanOutThroughput, type ThroughputResult } from "./relay_throughput.ts";
import { SseClients } from "./sse_clients.ts";
import {
  addSyntheticInstance,
  startSyntheticFlock,
  type SyntheticInstance,
} from "./synthetic_flock.ts";

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
