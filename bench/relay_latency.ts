/**
 * Relay latency against a synthetic upstream: for 1, 10, 100 and 1,000
 * clients, rounds of two phases, the order alternating A-B, B-A each round
 * so drift cancels:
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
 * @module
 */
import type { BenchContext } from "./context.ts";
import { progress } from "./context.ts";
import type { FlockServer } from "./flock_server.ts";
import { addedOf, phase, type PhaseResult } from "./relay_phase.ts";
import type { SseClients } from "./sse_clients.ts";
import { concat, median, round, summarize } from "./stats.ts";
import type { SyntheticInstance } from "./synthetic_flock.ts";

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
