/**
 * The harness of `deno task bench:stages`: starts a synthetic upstream and,
 * per cut, `relay_stage_server.ts` in a process of its own (under callgrind
 * with `--callgrind`), then measures the relay's CPU (and instructions) per
 * event with 0 or more SSE clients, and the wall-clock split of an event
 * through the `publish` cuts with one client.
 *
 * @module
 */
import { type BenchContext, progress, sleep } from "./context.ts";
import { Callgrind, cpuNs } from "./cpu_cost.ts";
import { ROOT } from "./flock_server.ts";
import type { TrackedChild } from "./processes.ts";
import type { Stage, StageRow, StageSplit } from "./relay_stage_cuts.ts";
import { SseClients } from "./sse_clients.ts";
import { median, round, summarize } from "./stats.ts";
import {
  emit,
  startSyntheticUpstream,
  type Upstream,
  waitForSubscribers,
} from "./upstream.ts";

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
