/**
 * `deno task bench`: Flock's performance figures (issue 7). Prints a table
 * and writes the same figures as JSON to `bench/results/latest.json`.
 *
 * ```
 * deno task bench            # full run, about 6 minutes
 * deno task bench --quick    # smoke run with tiny counts (bench/results/quick.json)
 * deno run -A bench/main.ts [--quick] [--rounds <n>] [--out <file>]
 * ```
 *
 * Flock, the upstreams and Chromium each run in their own processes; the
 * measuring SSE clients run in a worker thread of this process. Every
 * process started is killed at the end, on failure and on Ctrl+C too.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { clientBench } from "./client_bench.ts";
import { BenchContext, print, progress } from "./context.ts";
import { ensureFileLimit } from "./fd_limit.ts";
import { fleetBench } from "./fleet_bench.ts";
import { handoffBench } from "./handoff_bench.ts";
import { ROOT } from "./flock_server.ts";
import { realOpenCodeBench } from "./real_opencode_bench.ts";
import { relayBench } from "./relay_bench.ts";
import {
  type BenchMeta,
  type BenchResults,
  formatReport,
  goalsOf,
} from "./report.ts";
import { shutdownBench } from "./shutdown_bench.ts";
import { stalledClientBench } from "./stalled_client_bench.ts";
import { startupBench } from "./startup_bench.ts";

const USAGE = `Usage: deno task bench [--quick] [--rounds <n>] [--out <file>]

  --quick       Tiny counts, a smoke run (default output bench/results/quick.json)
  --rounds <n>  Alternating direct/Flock rounds per relay client count
                (default 8, 4 at 1,000 clients; more for figures to publish)
  --out <file>  Where to write the JSON (default bench/results/latest.json)
`;

/** Open files the 1,000-client relay needs per process (sockets plus slack). */
const FILES_NEEDED = 4096;

async function commit(): Promise<string> {
  try {
    const out = await new Deno.Command("git", {
      args: ["describe", "--always", "--dirty"],
      cwd: ROOT,
      stdout: "piped",
      stderr: "null",
    }).output();
    return new TextDecoder().decode(out.stdout).trim() || "unknown";
  } catch {
    return "unknown";
  }
}

function cpuModel(): string {
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    return info.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? "unknown CPU";
  } catch {
    return "unknown CPU";
  }
}

function load(): number {
  return Math.round((Deno.loadavg()[0] ?? 0) * 100) / 100;
}

/** Runs every section; returns the results. */
export async function runBench(
  ctx: BenchContext,
  options: { rounds?: number } = {},
): Promise<BenchResults> {
  const started = performance.now();
  const loadBefore = load();
  const startup = await startupBench(ctx);
  const shutdown = await shutdownBench(ctx);
  const stalledClient = await stalledClientBench(ctx);
  const fleet = await fleetBench(ctx);
  const relay = await relayBench(ctx, options);
  const real = await realOpenCodeBench(ctx);
  const handoff = await handoffBench(ctx);
  const client = await clientBench(ctx);
  const meta: BenchMeta = {
    date: new Date().toISOString(),
    mode: ctx.quick ? "quick" : "full",
    duration_s: Math.round((performance.now() - started) / 1000),
    commit: await commit(),
    machine: {
      cpu: cpuModel(),
      cores: navigator.hardwareConcurrency,
      memory_gb: Math.round(Deno.systemMemoryInfo().total / 1e9),
      os: `${Deno.build.os} ${Deno.osRelease()}`,
      deno: Deno.version.deno,
      load_before: loadBefore,
      load_after: load(),
    },
  };
  const partial = {
    meta,
    relay: relay.latency,
    relay_real_opencode: real.relay,
    throughput: relay.throughput,
    memory: fleet.memory,
    startup,
    shutdown,
    stalled_client: stalledClient,
    readiness: fleet.readiness,
    readiness_real_opencode: real.readiness,
    api: fleet.api,
    client,
    handoff,
  };
  return { ...partial, goals: goalsOf(partial) };
}

/** The CLI. Returns the exit code. */
export async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        quick: { type: "boolean", default: false },
        rounds: { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    Deno.stderr.writeSync(
      new TextEncoder().encode(
        `bench: ${error instanceof Error ? error.message : error}\n\n${USAGE}`,
      ),
    );
    return 2;
  }
  if (values.help) {
    print(USAGE);
    return 0;
  }
  const rounds = values.rounds === undefined
    ? undefined
    : Number(values.rounds);
  if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0)) {
    Deno.stderr.writeSync(
      new TextEncoder().encode(
        `bench: --rounds must be a positive integer\n\n${USAGE}`,
      ),
    );
    return 2;
  }
  const again = await ensureFileLimit(FILES_NEEDED, args);
  if (again !== undefined) return again;
  const out = values.out ??
    `${ROOT}/bench/results/${values.quick ? "quick" : "latest"}.json`;
  const ctx = await BenchContext.create(values.quick);
  try {
    return await run(ctx, out, { rounds });
  } finally {
    await ctx[Symbol.asyncDispose]();
    progress(`run ${ctx.tracker.runId} done, every process stopped`);
  }
}

async function run(
  ctx: BenchContext,
  out: string,
  options: { rounds?: number | undefined },
): Promise<number> {
  const interrupted = async () => {
    progress("interrupted: stopping every process");
    await ctx[Symbol.asyncDispose]();
    progress(`run ${ctx.tracker.runId} interrupted, every process stopped`);
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", interrupted);
  Deno.addSignalListener("SIGTERM", interrupted);
  try {
    const results = await runBench(
      ctx,
      options.rounds === undefined ? {} : { rounds: options.rounds },
    );
    const dir = out.slice(0, out.lastIndexOf("/"));
    if (dir) await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(out, JSON.stringify(results, null, 2) + "\n");
    print(formatReport(results));
    print(`\nWrote ${out}\n`);
    return 0;
  } finally {
    Deno.removeSignalListener("SIGINT", interrupted);
    Deno.removeSignalListener("SIGTERM", interrupted);
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
