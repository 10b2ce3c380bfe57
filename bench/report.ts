/**
 * The bench's results: their JSON shape, the goals they are judged
 * against, and the table printed at the end.
 *
 * @module
 */
import type { ClientResult } from "./client_bench.ts";
import type { FleetResult } from "./fleet_bench.ts";
import type { HandoffResult } from "./handoff_bench.ts";
import type { RealOpenCodeResult } from "./real_opencode_bench.ts";
import type { RelayLevel } from "./relay_latency.ts";
import type { ThroughputResult } from "./relay_throughput.ts";
import type { ShutdownResult } from "./shutdown_bench.ts";
import type { StalledClientResult } from "./stalled_client_bench.ts";
import type { StartupResult } from "./startup_bench.ts";

/** Where and how the figures were taken. */
export interface BenchMeta {
  date: string;
  mode: "full" | "quick";
  duration_s: number;
  commit: string;
  machine: {
    cpu: string;
    cores: number;
    memory_gb: number;
    os: string;
    deno: string;
    /** 1-minute load average before and after the run (others share the box). */
    load_before: number;
    load_after: number;
  };
}

/** One goal and whether the run met it. */
export interface GoalResult {
  name: string;
  goal: string;
  value: number;
  unit: string;
  met: boolean;
}

/** Everything `bench/results/latest.json` holds. */
export interface BenchResults {
  meta: BenchMeta;
  relay: RelayLevel[];
  relay_real_opencode: RealOpenCodeResult["relay"];
  throughput: ThroughputResult;
  memory: FleetResult["memory"];
  startup: StartupResult;
  shutdown: ShutdownResult;
  stalled_client: StalledClientResult;
  readiness: FleetResult["readiness"];
  readiness_real_opencode: RealOpenCodeResult["readiness"];
  api: FleetResult["api"];
  client: ClientResult;
  /** Workflow step hand-off: session.idle → the next prompt accepted. */
  handoff: HandoffResult;
  goals: GoalResult[];
}

/** Judges the figures against the goals of issues 7 and 15. */
export function goalsOf(results: Omit<BenchResults, "goals">): GoalResult[] {
  const at = (clients: number) =>
    results.relay.find((l) => l.clients === clients);
  const added50 = at(1)?.added.p50_ms ?? NaN;
  const added99 = at(1)?.added.p99_ms ?? NaN;
  const ratio100 = at(100)?.ratio_p99 ?? NaN;
  const ratio1000 = at(1000)?.ratio_p99 ?? NaN;
  const dropped1000 = at(1000)?.dropped_clients ?? NaN;
  return [
    {
      name: "relay added latency at 1 client, p50 (Flock - direct)",
      goal: "<= 0.1",
      value: added50,
      unit: "ms",
      met: added50 <= 0.1,
    },
    {
      name: "relay added latency at 1 client, p99",
      goal: "<= 1",
      value: added99,
      unit: "ms",
      met: added99 <= 1,
    },
    {
      name: "relay p99 ratio at 100 clients (Flock/direct)",
      goal: "<= 1.1",
      value: ratio100,
      unit: "x",
      met: ratio100 <= 1.1,
    },
    {
      name: "relay p99 ratio at 1,000 clients (Flock/direct)",
      goal: "<= 1.3",
      value: ratio1000,
      unit: "x",
      met: ratio1000 <= 1.3,
    },
    {
      name: "clients dropped as lagged at 1,000 clients",
      goal: "= 0",
      value: dropped1000,
      unit: "clients",
      met: dropped1000 === 0,
    },
    {
      name: "fan-out to 100 clients with p99 <= 50 ms",
      goal: ">= 50000",
      value: results.throughput.max_deliveries_per_s,
      unit: "deliveries/s",
      met: results.throughput.max_deliveries_per_s >= 50_000,
    },
    {
      name: "idle RSS",
      goal: "<= 80",
      value: results.memory.idle_rss_mb,
      unit: "MB",
      met: results.memory.idle_rss_mb <= 80,
    },
    {
      name: "start-up to /api/health 200 (p50)",
      goal: "<= 300",
      value: results.startup.p50_ms,
      unit: "ms",
      met: results.startup.p50_ms <= 300,
    },
    {
      name:
        `SIGTERM to exit with ${results.shutdown.streams} event streams (max)`,
      goal: "<= 2000",
      value: results.shutdown.streams_max_ms,
      unit: "ms",
      met: results.shutdown.streams_max_ms <= 2000,
    },
    {
      name: "a reading client's wait while another stalls (max)",
      goal: "<= 1000",
      value: results.stalled_client.wait_max_ms,
      unit: "ms",
      met: results.stalled_client.wait_max_ms <= 1000,
    },
    {
      name:
        `workflow step hand-off p99 (${results.handoff.handoffs} hand-offs)`,
      goal: "< 100",
      value: results.handoff.p99_ms,
      unit: "ms",
      met: results.handoff.p99_ms < 100,
    },
    {
      name: "client first-paint JS gzipped",
      goal: "<= 75",
      value: results.client.js_gzip_kb,
      unit: "KB",
      met: results.client.js_gzip_kb <= 75,
    },
    ...streamGoals(results.client.stream),
  ];
}

/** The goals of the streamed reply (none when it was not measured). */
function streamGoals(stream: ClientResult["stream"]): GoalResult[] {
  if (!stream) return [];
  return [
    {
      name: `client: CPU per delta, last / first 10 % of a ${
        Math.round(stream.reply_kb)
      } KB reply`,
      goal: "<= 1.5",
      value: stream.growth,
      unit: "x",
      met: stream.growth <= 1.5,
    },
    {
      name: "client: longest main-thread task while it streams (CPU)",
      goal: "<= 50",
      value: stream.longest_task_cpu_ms,
      unit: "ms",
      met: stream.longest_task_cpu_ms <= 50,
    },
  ];
}

function fmt(value: number | null, digits = 1): string {
  if (value === null || !Number.isFinite(value)) return "n/a";
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row.map((cell, i) =>
      i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)
    ).join("  ").trimEnd()
  ).join("\n");
}

function streamRows(stream: ClientResult["stream"]): string[][] {
  if (!stream) {
    return [["client: long streamed reply", "skipped (no Chromium)"]];
  }
  return [
    [
      `client: CPU per delta, first / last 10 % of ${
        fmt(stream.reply_kb)
      } KB (${stream.deltas} deltas at ${stream.rate_per_s}/s)`,
      `${fmt(stream.first_tenth_us_per_delta)} / ${
        fmt(stream.last_tenth_us_per_delta)
      } µs (${fmt(stream.growth, 2)}x; ${
        fmt(stream.first_tenth_deltas_per_frame)
      } / ${fmt(stream.last_tenth_deltas_per_frame)} deltas per frame)`,
    ],
    [
      "client: longest task while it streams, CPU / wall",
      `${fmt(stream.longest_task_cpu_ms)} / ${
        fmt(stream.longest_task_ms)
      } ms (${stream.long_tasks} over 50 ms of wall time)`,
    ],
  ];
}

/** The human-readable report (what `deno task bench` prints). */
export function formatReport(results: BenchResults): string {
  const m = results.meta;
  const out: string[] = [];
  out.push(
    `Flock benchmarks (${m.mode}), ${m.date}, commit ${m.commit}, ${m.duration_s} s`,
    `${m.machine.cpu}, ${m.machine.cores} cores, ${m.machine.memory_gb} GB, ${m.machine.os}, Deno ${m.machine.deno}; load ${m.machine.load_before} -> ${m.machine.load_after}`,
    "",
    "Relay latency, synthetic upstream (ms). added = a Flock client's arrival - a direct",
    "subscriber's, same event; ratio = median over rounds of Flock/direct at that many clients",
    table([
      [
        "clients",
        "events/s",
        "direct p50/p99",
        "Flock p50/p99",
        "added p50/p99",
        "ratio p50/p99",
        "dropped",
        "Flock CPU/event",
      ],
      ...results.relay.map((l) => [
        String(l.clients),
        String(l.rate_per_s),
        `${fmt(l.direct.p50_ms, 3)} / ${fmt(l.direct.p99_ms, 2)}`,
        `${fmt(l.flock.p50_ms, 3)} / ${fmt(l.flock.p99_ms, 2)}`,
        `${fmt(l.added.p50_ms, 3)} / ${fmt(l.added.p99_ms, 2)}`,
        `${fmt(l.ratio_p50, 2)} / ${fmt(l.ratio_p99, 2)}`,
        String(l.dropped_clients),
        `${fmt(l.flock_cpu_us_per_event, 0)} µs`,
      ]),
    ]),
    "",
    "Relay latency, real OpenCode + fake model (ms, per message.part.delta matched by id)",
    table([
      [
        "clients",
        "deltas",
        "added vs /event p50/p99",
        "added vs /global/event p50/p99",
        "/global - /event p50/p99",
        "dropped",
      ],
      ...results.relay_real_opencode.map((l) => [
        String(l.clients),
        String(l.deltas),
        `${fmt(l.added.p50_ms, 3)} / ${fmt(l.added.p99_ms, 2)}`,
        `${fmt(l.added_over_global.p50_ms, 3)} / ${
          fmt(l.added_over_global.p99_ms, 2)
        }`,
        `${fmt(l.global_minus_event.p50_ms, 3)} / ${
          fmt(l.global_minus_event.p99_ms, 2)
        }`,
        String(l.dropped_clients),
      ]),
    ]),
    "",
    `Fan-out to ${results.throughput.clients} clients (p99 limit ${results.throughput.p99_limit_ms} ms)`,
    table([
      ["events/s", "deliveries/s", "p50 ms", "p99 ms", "dropped", "ok"],
      ...results.throughput.steps.map((s) => [
        String(s.rate_per_s),
        String(s.deliveries_per_s),
        fmt(s.p50_ms, 2),
        fmt(s.p99_ms, 2),
        String(s.dropped_clients),
        s.ok ? "yes" : "no",
      ]),
    ]),
    "",
    table([
      ["figure", "value"],
      ["idle RSS", `${fmt(results.memory.idle_rss_mb)} MB`],
      [
        `RSS, ${results.memory.instances} instances + ${results.memory.clients} SSE clients`,
        `${fmt(results.memory.loaded_rss_mb)} MB`,
      ],
      [
        `start-up to /api/health (p50 / p99 of ${
          results.startup.runs - 1
        }; first, new DB)`,
        `${fmt(results.startup.p50_ms)} / ${fmt(results.startup.p99_ms)}; ${
          fmt(results.startup.first_ms)
        } ms`,
      ],
      [
        `SIGTERM to exit: idle / ${results.shutdown.streams} event streams (p50 / max of ${results.shutdown.runs})`,
        `${fmt(results.shutdown.idle_p50_ms)} / ${
          fmt(results.shutdown.idle_max_ms)
        }; ${fmt(results.shutdown.streams_p50_ms)} / ${
          fmt(results.shutdown.streams_max_ms)
        } ms`,
      ],
      [
        `reading client's wait while another stalls (p50 / p99 / max; dropped after ${results.stalled_client.events_until_dropped} x ${results.stalled_client.payload_kib} KiB)`,
        `${fmt(results.stalled_client.wait_p50_ms, 2)} / ${
          fmt(results.stalled_client.wait_p99_ms, 2)
        } / ${fmt(results.stalled_client.wait_max_ms, 2)} ms`,
      ],
      [
        "synthetic child ready: own / via Flock (overhead)",
        `${fmt(results.readiness.own_ready_ms)} / ${
          fmt(results.readiness.flock_running_ms)
        } ms (${fmt(results.readiness.overhead_ms)})`,
      ],
      [
        "OpenCode ready: own / via Flock (overhead)",
        `${fmt(results.readiness_real_opencode.own_ready_ms, 0)} / ${
          fmt(results.readiness_real_opencode.flock_running_ms, 0)
        } ms (${fmt(results.readiness_real_opencode.overhead_ms, 0)})`,
      ],
      ...results.api.map((a) => [
        `${a.route}, ${a.clients} clients (p50 / p99)`,
        `${fmt(a.p50_ms, 2)} / ${
          fmt(a.p99_ms, 2)
        } ms, ${a.requests_per_s} req/s`,
      ]),
      [
        `workflow step hand-off, session.idle → next prompt accepted (p50 / p99 / max of ${results.handoff.handoffs}; load ${results.handoff.load_before} -> ${results.handoff.load_after})`,
        `${fmt(results.handoff.p50_ms, 2)} / ${
          fmt(results.handoff.p99_ms, 2)
        } / ${fmt(results.handoff.max_ms, 2)} ms`,
      ],
      [
        "  of which OpenCode's answers (p50); Flock's own share (p50 / p99)",
        `${fmt(results.handoff.opencode_p50_ms, 2)}; ${
          fmt(results.handoff.flock_p50_ms, 2)
        } / ${fmt(results.handoff.flock_p99_ms, 2)} ms`,
      ],
      [
        "client first-paint JS / on demand / CSS gzipped (service worker)",
        `${fmt(results.client.js_gzip_kb)} / ${
          fmt(results.client.js_lazy_gzip_kb)
        } / ${fmt(results.client.css_gzip_kb)} KB (${
          fmt(results.client.sw_gzip_kb)
        } KB)`,
      ],
      [
        "  on demand, by chunk (gzipped)",
        Object.entries(results.client.js_lazy_chunks_gzip_kb).map((
          [name, kb],
        ) => `${name} ${fmt(kb)} KB`).join(", ") || "none",
      ],
      ...streamRows(results.client.stream),
      [
        "first contentful paint, cached shell (p50 / p99)",
        results.client.fcp_p50_ms === null
          ? `skipped: ${results.client.fcp_skipped}`
          : `${fmt(results.client.fcp_p50_ms)} / ${
            fmt(results.client.fcp_p99_ms)
          } ms`,
      ],
    ]),
    "",
    "Goals",
    table([
      ["goal", "target", "measured", "met"],
      ...results.goals.map((g) => [
        g.name,
        `${g.goal} ${g.unit}`,
        `${fmt(g.value, g.unit === "x" || g.unit === "ms" ? 2 : 1)} ${g.unit}`,
        g.met ? "yes" : "NO",
      ]),
    ]),
  );
  return out.join("\n") + "\n";
}
