/**
 * Start-up: the time from spawning Flock (`deno run` with the `serve`
 * task's exact flags) to the first `200` from `GET /api/health`, polled
 * every 2 ms on a port chosen beforehand. The first run creates and
 * migrates a new database; the others reuse it, as a normal start does.
 *
 * @module
 */
import type { BenchContext } from "./context.ts";
import { progress, sleep } from "./context.ts";
import { freePort, startFlock } from "./flock_server.ts";
import { median, percentile, round } from "./stats.ts";

/** Start-up figures, in ms. */
export interface StartupResult {
  runs: number;
  /** The first run (new database). */
  first_ms: number;
  /** Later runs (existing database). */
  p50_ms: number;
  p99_ms: number;
}

async function timeOneStart(
  ctx: BenchContext,
  home: string,
): Promise<number> {
  const port = freePort();
  const flock = await startFlock(ctx.tracker, { home, port, wait: false });
  try {
    const deadline = performance.now() + 30_000;
    while (true) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/api/health`);
        await response.body?.cancel();
        if (response.status === 200) {
          return performance.timeOrigin + performance.now() - flock.spawnedAt;
        }
      } catch {
        // not listening yet
      }
      if (performance.now() > deadline) {
        throw new Error(
          `Flock did not answer /api/health within 30 s:\n${flock.child.output()}`,
        );
      }
      await sleep(2);
    }
  } finally {
    await ctx.tracker.stop(flock.child);
  }
}

/** Measures start-up over several runs. */
export async function startupBench(ctx: BenchContext): Promise<StartupResult> {
  const runs = ctx.pick(8, 3);
  progress(`start-up: ${runs} runs to /api/health`);
  const home = await ctx.dir("startup-home");
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await timeOneStart(ctx, home));
  const warm = times.slice(1);
  return {
    runs,
    first_ms: round(times[0]!, 1),
    p50_ms: round(median(warm), 1),
    p99_ms: round(percentile(warm, 99), 1),
  };
}
