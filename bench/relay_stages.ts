/**
 * `deno task bench:stages`: where the relay's time goes, stage by stage,
 * from OpenCode's socket to a client's socket.
 *
 * A synthetic upstream sends timestamped deltas at a steady rate to
 * `bench/relay_stage_server.ts`, Flock's own event path cut off after one
 * stage, in a process of its own. The cost of a stage is the difference
 * between two cuts, per event, measured two ways that survive a loaded
 * machine: the relay's CPU time (`/proc/<pid>/task/*\/schedstat`) and, with
 * `--callgrind`, its instruction count (valgrind, user space only). The
 * `publish` cut is measured with 0, 1, 10 and 100 SSE clients; the slope is
 * the cost per client (queue, stream, write). The same is done for the
 * path as it was before (`old-*` cuts: stream pipes, a parse of the whole
 * record, `JSON.stringify` per event).
 *
 * With one client, the wall-clock split of each event is also printed
 * (shared clock, so under load it is noisy): upstream send → chunk read in
 * the relay, read → handed to the broker, handed → received by the client.
 *
 * ```
 * deno task bench:stages [--callgrind] [--events 2000] [--rate 200] [--json <file>]
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { BenchContext, print, progress, sleep } from "./context.ts";
import { Callgrind, cpuNs, hasValgrind } from "./cpu_cost.ts";
import { ROOT } from "./flock_server.ts";
import type { TrackedChild } from "./processes.ts";
import { SseClients } from "./sse_clients.ts";
import { median, round, summarize } from "./stats.ts";
import {
  emit,
  startSyntheticUpstream,
  type Upstream,
  waitForSubscribers,
} from "./upstream.ts";

/** The cuts of the relay path, in order (see `relay_stage_server.ts`). */
export const STAGES = [
  "read",
  "sse",
  "parse",
  "tag",
  "publish",
  "old-read",
  "old-sse",
  "old-parse",
  "old-tag",
  "old-publish",
] as const;

/** One cut of the relay path. */
export type Stage = typeof STAGES[number];

/** One measured cut. */
export interface StageRow {
  stage: Stage;
  clients: number;
  /** Relay CPU per event, µs (median of the rounds). */
  cpu_us: number;
  /** Relay instructions per event, thousands (median), with `--callgrind`. */
  kinstr: number | null;
}

/** The wall-clock split of one event through the `publish` cut, 1 client. */
export interface StageSplit {
  path: "new" | "old";
  events: number;
  /** Upstream send → chunk read in the relay. */
  to_read: { p50_ms: number; p99_ms: number };
  /** Chunk read → handed to the broker. */
  to_publish: { p50_ms: number; p99_ms: number };
  /** Handed to the broker → read by the client. */
  to_client: { p50_ms: number; p99_ms: number };
}

let runs = 0;

async function startStage(
  ctx: BenchContext,
  upstream: Upstream,
  stage: Stage,
  callgrind: Callgrind | undefined,
): Promise<{ child: TrackedChild; url: string }> {
  const alt = Deno.env.get("STAGE_SERVER");
  const deno = alt
    ? [
      Deno.execPath(),
      "run",
      "-A",
      ...alt.split(" "),
      upstream.url,
      upstream.authorization,
    ]
    : [
      Deno.execPath(),
      "run",
      "-A",
      `${ROOT}/bench/relay_stage_server.ts`,
      "--upstream",
      upstream.url,
      "--auth",
      upstream.authorization,
      "--stage",
      stage,
    ];
  const [command, ...args] = [...(callgrind?.wrap ?? []), ...deno];
  const child = ctx.tracker.spawn({
    name: `stage-${stage}`,
    command: command!,
    args,
    cwd: ROOT,
  });
  const match = await child.waitForLine(
    /stage server listening on (\d+)/,
    callgrind ? 600_000 : 30_000,
  );
  callgrind?.attach(child.pid);
  return { child, url: `http://127.0.0.1:${match[1]}` };
}

/** Relay cost per event of `n` events at `rate` with `clients` readers. */
async function measure(
  relay: { child: TrackedChild; url: string },
  upstream: Upstream,
  clients: SseClients,
  count: number,
  options: { n: number; rate: number; rounds: number },
  callgrind: Callgrind | undefined,
): Promise<{ cpu_us: number; kinstr: number | null }> {
  if (count > 0) {
    await clients.open({ group: "stage", url: `${relay.url}/events`, count });
  }
  try {
    const run = async (n: number, rate = options.rate) => {
      const id = ++runs;
      await clients.arm(id);
      await emit(upstream, { n, rate, run: id });
      if (count > 0) {
        const got = await clients.collect(id, n, 120_000);
        const sample = got.groups.get("stage");
        if (got.timedOut || !sample || sample.failed > 0) {
          throw new Error(
            `The stage clients missed events: ${
              sample?.latencies.length ?? 0
            } of ${n * count} arrived, ${sample?.failed ?? 0} clients ended${
              got.timedOut ? ", timed out" : ""
            }`,
          );
        }
      } else {
        await sleep(200);
      }
    };
    const warm = Deno.env.get("STAGE_WARMUP");
    await run(warm ? Number(warm) : Math.min(300, options.n)); // warm-up: JIT, buffers
    const cpu: number[] = [];
    const instructions: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      await callgrind?.start();
      const before = cpuNs(relay.child.pid);
      await run(options.n);
      cpu.push((cpuNs(relay.child.pid) - before) / options.n / 1000);
      if (callgrind) instructions.push((await callgrind.stop()) / options.n);
    }
    return {
      cpu_us: round(median(cpu), 1),
      kinstr: callgrind ? round(median(instructions) / 1000, 1) : null,
    };
  } finally {
    if (count > 0) await clients.close("stage");
  }
}

/** The wall-clock split of `n` events through a `publish` cut, 1 client. */
async function split(
  relay: { url: string },
  upstream: Upstream,
  clients: SseClients,
  path: "new" | "old",
  options: { n: number; rate: number },
): Promise<StageSplit> {
  await clients.open({ group: "split", url: `${relay.url}/events`, count: 1 });
  try {
    const id = ++runs;
    await clients.arm(id);
    await fetch(`${relay.url}/stamps`, { method: "POST" })
      .then((r) => r.body?.cancel());
    await emit(upstream, { n: options.n, rate: options.rate, run: id });
    const got = await clients.collect(id, options.n, 60_000);
    const sample = got.groups.get("split");
    const rows = await (await fetch(`${relay.url}/stamps`)).json() as number[];
    const stamps = new Map<number, [number, number, number]>();
    for (let i = 0; i + 3 < rows.length; i += 4) {
      stamps.set(rows[i]!, [rows[i + 1]!, rows[i + 2]!, rows[i + 3]!]);
    }
    // All on the shared clock: the client's latency is arrival − sentAt.
    const toRead: number[] = [];
    const toPublish: number[] = [];
    const toClient: number[] = [];
    for (let i = 0; i < (sample?.latencies.length ?? 0); i++) {
      const stamp = stamps.get(sample!.seqs[i]!);
      if (!stamp) continue;
      const [sentAt, readAt, publishedAt] = stamp;
      toRead.push(readAt - sentAt);
      toPublish.push(publishedAt - readAt);
      toClient.push(sentAt + sample!.latencies[i]! - publishedAt);
    }
    const pct = (values: number[]) => {
      const s = summarize(values);
      return { p50_ms: round(s.p50, 3), p99_ms: round(s.p99, 3) };
    };
    return {
      path,
      events: toPublish.length,
      to_read: pct(toRead),
      to_publish: pct(toPublish),
      to_client: pct(toClient),
    };
  } finally {
    await clients.close("split");
  }
}

/** Runs every cut. */
export async function relayStages(
  ctx: BenchContext,
  options: {
    n: number;
    rate: number;
    rounds: number;
    clients: number[];
    callgrind: boolean;
    stages: readonly Stage[];
  },
): Promise<{ rows: StageRow[]; splits: StageSplit[] }> {
  const upstream = await startSyntheticUpstream(ctx.tracker, {
    cwd: await ctx.dir("stage-upstream"),
    env: { FLOCK_BENCH_DENO: Deno.execPath() },
  });
  using clients = new SseClients(1);
  const rows: StageRow[] = [];
  const splits: StageSplit[] = [];
  for (const stage of options.stages) {
    const callgrind = options.callgrind
      ? new Callgrind(await ctx.dir(`callgrind-${stage}`))
      : undefined;
    const relay = await startStage(ctx, upstream, stage, callgrind);
    try {
      await waitForSubscribers(upstream, 1, callgrind ? 600_000 : 10_000);
      const counts = stage.endsWith("publish") ? options.clients : [0];
      for (const count of counts) {
        progress(`stages: ${stage}, ${count} client(s)`);
        const cost = await measure(
          relay,
          upstream,
          clients,
          count,
          options,
          callgrind,
        );
        rows.push({ stage, clients: count, ...cost });
      }
      if (stage.endsWith("publish") && !callgrind) {
        splits.push(
          await split(
            relay,
            upstream,
            clients,
            stage === "publish" ? "new" : "old",
            options,
          ),
        );
      }
    } finally {
      await ctx.tracker.stop(relay.child, callgrind ? 60_000 : 5_000);
    }
  }
  await ctx.tracker.stop(upstream.child);
  return { rows, splits };
}

/** The cost of each stage: differences between adjacent cuts. */
export function stageCosts(
  rows: StageRow[],
): Array<{ stage: string; cpu_us: number; kinstr: number | null }> {
  const at = (stage: Stage, clients = 0) =>
    rows.find((r) => r.stage === stage && r.clients === clients);
  const out: Array<{ stage: string; cpu_us: number; kinstr: number | null }> =
    [];
  const diff = (name: string, a: StageRow | undefined, b?: StageRow) => {
    if (!a) return;
    const per = (x: number | null, y: number | null) =>
      x === null ? null : round(x - (y ?? 0), 1);
    out.push({
      stage: name,
      cpu_us: round(a.cpu_us - (b?.cpu_us ?? 0), 1),
      kinstr: per(a.kinstr, b?.kinstr ?? null),
    });
  };
  for (const prefix of ["", "old-"] as const) {
    const p = (s: string) => `${prefix}${s}` as Stage;
    diff(`${p("read")}: fetch body read (incl. waking up)`, at(p("read")));
    diff(`${p("sse")}: SSE parsing`, at(p("sse")), at(p("read")));
    diff(`${p("parse")}: JSON.parse`, at(p("parse")), at(p("sse")));
    diff(`${p("tag")}: guard + instance_id`, at(p("tag")), at(p("parse")));
    diff(
      `${p("publish")}: ${
        prefix ? "stringify + " : ""
      }broker id, frame, ring (0 clients)`,
      at(p("publish")),
      at(p("tag")),
    );
    const base = at(p("publish"));
    for (const r of rows.filter((r) => r.stage === p("publish"))) {
      if (r.clients === 0 || !base) continue;
      out.push({
        stage: `${
          p("publish")
        }: per client, queue + stream + write (${r.clients})`,
        cpu_us: round((r.cpu_us - base.cpu_us) / r.clients, 2),
        kinstr: r.kinstr === null || base.kinstr === null
          ? null
          : round((r.kinstr - base.kinstr) / r.clients, 2),
      });
    }
  }
  return out;
}

function pad(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((c, i) => widths[i] = Math.max(widths[i] ?? 0, c.length));
  }
  return rows.map((row) =>
    row.map((c, i) => i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))
      .join("  ")
  ).join("\n") + "\n";
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      callgrind: { type: "boolean", default: false },
      events: { type: "string", default: "2000" },
      rate: { type: "string", default: "200" },
      rounds: { type: "string", default: "3" },
      clients: { type: "string", default: "0,1,10,100" },
      stages: { type: "string", default: STAGES.join(",") },
      json: { type: "string" },
    },
  });
  if (values.callgrind && !(await hasValgrind())) {
    throw new Error("Cannot use --callgrind as valgrind is not on PATH");
  }
  const stages = values.stages.split(",").map((name) => {
    const stage = STAGES.find((s) => s === name);
    if (!stage) throw new Error(`Unknown stage ${name}`);
    return stage;
  });
  const load = () => round(Deno.loadavg()[0] ?? 0, 2);
  const loadBefore = load();
  const ctx = await BenchContext.create(false);
  try {
    const result = await relayStages(ctx, {
      n: Number(values.events),
      rate: Number(values.rate),
      rounds: Number(values.rounds),
      clients: values.clients.split(",").map(Number),
      callgrind: values.callgrind,
      stages,
    });
    const meta = {
      date: new Date().toISOString(),
      events: Number(values.events),
      rate: Number(values.rate),
      load_before: loadBefore,
      load_after: load(),
    };
    const costs = stageCosts(result.rows);
    print(
      `Relay stages, ${meta.events} events at ${meta.rate}/s per cut, ${meta.date}, load ${meta.load_before} -> ${meta.load_after}\n\n`,
    );
    print(pad([
      ["cut", "clients", "CPU µs/event", "k instr/event"],
      ...result.rows.map((r) => [
        r.stage,
        String(r.clients),
        r.cpu_us.toFixed(1),
        r.kinstr === null ? "-" : r.kinstr.toFixed(1),
      ]),
    ]));
    print("\n");
    print(pad([
      ["stage", "CPU µs/event", "k instr/event"],
      ...costs.map((c) => [
        c.stage,
        c.cpu_us.toFixed(2),
        c.kinstr === null ? "-" : c.kinstr.toFixed(2),
      ]),
    ]));
    for (const s of result.splits) {
      print(
        `\n${s.path} path, 1 client, ${s.events} events, wall clock p50 / p99 ms: send -> read ${s.to_read.p50_ms} / ${s.to_read.p99_ms}; read -> broker ${s.to_publish.p50_ms} / ${s.to_publish.p99_ms}; broker -> client ${s.to_client.p50_ms} / ${s.to_client.p99_ms}\n`,
      );
    }
    if (values.json) {
      await Deno.writeTextFile(
        values.json,
        JSON.stringify({ meta, ...result, costs }, null, 2) + "\n",
      );
    }
  } finally {
    await ctx[Symbol.asyncDispose]();
  }
}
