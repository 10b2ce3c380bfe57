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
import { BenchContext, print } from "./context.ts";
import { hasValgrind } from "./cpu_cost.ts";
import { relayStages } from "./relay_stage_harness.ts";
import { stageCosts, STAGES } from "./relay_stage_cuts.ts";
import { round } from "./stats.ts";

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
