/**
 * REST latency under concurrency: 50 clients, each sending its next request
 * as soon as the previous answer's body is read, for a fixed time per
 * route. The clients run in this process (Flock runs in its own).
 *
 * @module
 */
import type { BenchContext } from "./context.ts";
import { progress } from "./context.ts";
import { round, summarize } from "./stats.ts";

/** Latency of one route. */
export interface RouteLatency {
  route: string;
  clients: number;
  requests: number;
  requests_per_s: number;
  p50_ms: number;
  p99_ms: number;
}

async function hammer(
  url: string,
  clients: number,
  durationMs: number,
): Promise<{ latencies: number[]; elapsedMs: number }> {
  const latencies: number[] = [];
  const started = performance.now();
  const end = started + durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status !== 200) {
        throw new Error(`GET ${url} answered ${response.status}`);
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  return { latencies, elapsedMs: performance.now() - started };
}

/** Measures `GET /api/instances` and `GET /api/sessions/{id}`. */
export async function apiLatency(
  ctx: BenchContext,
  flockUrl: string,
  sessionId: string,
): Promise<RouteLatency[]> {
  const clients = 50;
  const durationMs = ctx.pick(3000, 300);
  const routes = [
    ["GET /api/instances", `${flockUrl}/api/instances`],
    ["GET /api/sessions/{id}", `${flockUrl}/api/sessions/${sessionId}`],
  ] as const;
  const out: RouteLatency[] = [];
  for (const [route, url] of routes) {
    progress(`API latency: ${route}, ${clients} clients`);
    await hammer(url, clients, Math.min(300, durationMs)); // warm-up
    const { latencies, elapsedMs } = await hammer(url, clients, durationMs);
    const s = summarize(latencies);
    out.push({
      route,
      clients,
      requests: s.n,
      requests_per_s: Math.round((s.n * 1000) / elapsedMs),
      p50_ms: round(s.p50, 2),
      p99_ms: round(s.p99, 2),
    });
  }
  return out;
}
