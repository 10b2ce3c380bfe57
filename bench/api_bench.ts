/**
 * REST latency under concurrency: 50 keep-alive clients, each sending its
 * next request as soon as the previous answer's body is read, for a fixed
 * time per route. The clients are raw sockets in the bench's worker thread
 * (see `http_load.ts`): `fetch` costs about 100 µs of client CPU per
 * request, enough to make the client, not Flock, the limit.
 *
 * @module
 */
import type { BenchContext } from "./context.ts";
import { progress } from "./context.ts";
import type { SseClients } from "./sse_clients.ts";
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

/** Measures `GET /api/instances` and `GET /api/sessions/{id}`. */
export async function apiLatency(
  ctx: BenchContext,
  clients: SseClients,
  flockUrl: string,
  sessionId: string,
): Promise<RouteLatency[]> {
  const count = 50;
  const durationMs = ctx.pick(3000, 300);
  const routes = [
    ["GET /api/instances", `${flockUrl}/api/instances`],
    ["GET /api/sessions/{id}", `${flockUrl}/api/sessions/${sessionId}`],
  ] as const;
  const out: RouteLatency[] = [];
  for (const [route, url] of routes) {
    progress(`API latency: ${route}, ${count} clients`);
    await clients.load(url, count, Math.min(300, durationMs)); // warm-up
    const { latencies, elapsedMs } = await clients.load(url, count, durationMs);
    const s = summarize(latencies);
    out.push({
      route,
      clients: count,
      requests: s.n,
      requests_per_s: Math.round((s.n * 1000) / elapsedMs),
      p50_ms: round(s.p50, 2),
      p99_ms: round(s.p99, 2),
    });
  }
  return out;
}
