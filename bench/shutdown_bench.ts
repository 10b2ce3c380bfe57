/**
 * Shutdown: the time from SIGTERM to the exit of a Flock process (`deno run`
 * with the `serve` task's flags), idle and with open `/api/events` streams
 * (which Flock must end before it can exit). These used to be test
 * thresholds (2 s and 3 s); the tests now assert only the behaviour (exit 0,
 * a clean database, streams ended).
 *
 * @module
 */
import type { BenchContext } from "./context.ts";
import { progress } from "./context.ts";
import { type FlockServer, startFlock } from "./flock_server.ts";
import { median, round } from "./stats.ts";

/** Shutdown figures, in ms. */
export interface ShutdownResult {
  runs: number;
  idle_p50_ms: number;
  idle_max_ms: number;
  /** Open event streams in the second variant. */
  streams: number;
  streams_p50_ms: number;
  streams_max_ms: number;
}

/** Opens `count` event streams and waits until each has sent its first bytes. */
async function openStreams(
  flock: FlockServer,
  count: number,
): Promise<ReadableStreamDefaultReader<Uint8Array>[]> {
  return await Promise.all(
    Array.from({ length: count }, async () => {
      const response = await fetch(`${flock.url}/api/events`, {
        headers: { accept: "text/event-stream" },
      });
      if (response.status !== 200 || !response.body) {
        throw new Error(`GET /api/events answered ${response.status}`);
      }
      const reader = response.body.getReader();
      await reader.read();
      return reader;
    }),
  );
}

async function timeOneShutdown(
  ctx: BenchContext,
  home: string,
  streams: number,
): Promise<number> {
  const flock = await startFlock(ctx.tracker, { home });
  // Its signal handlers are installed just after the listening line is
  // printed; one request makes sure they are in place.
  const health = await fetch(`${flock.url}/api/health`);
  await health.body?.cancel();
  const readers = await openStreams(flock, streams);
  // Drain each stream until Flock ends it.
  const drained = readers.map(async (reader) => {
    try {
      while (!(await reader.read()).done) {
        // keep reading
      }
    } catch {
      // the connection closed
    }
  });
  const t0 = performance.now();
  flock.child.child.kill("SIGTERM");
  const status = await flock.child.exited;
  const elapsed = performance.now() - t0;
  await Promise.all(drained);
  await ctx.tracker.stop(flock.child);
  if (status.code !== 0) {
    throw new Error(
      `Flock exited ${status.code} on SIGTERM:\n${flock.child.output()}`,
    );
  }
  return elapsed;
}

/** Measures SIGTERM → exit, idle and with open event streams. */
export async function shutdownBench(
  ctx: BenchContext,
): Promise<ShutdownResult> {
  const runs = ctx.pick(5, 2);
  const streams = 10;
  progress(`shutdown: ${runs} runs idle and with ${streams} event streams`);
  const home = await ctx.dir("shutdown-home");
  const idle: number[] = [];
  const open: number[] = [];
  for (let i = 0; i < runs; i++) {
    idle.push(await timeOneShutdown(ctx, home, 0));
    open.push(await timeOneShutdown(ctx, home, streams));
  }
  return {
    runs,
    idle_p50_ms: round(median(idle), 1),
    idle_max_ms: round(Math.max(...idle), 1),
    streams,
    streams_p50_ms: round(median(open), 1),
    streams_max_ms: round(Math.max(...open), 1),
  };
}
