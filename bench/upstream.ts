/**
 * Talking to a synthetic upstream (see `synthetic_upstream.ts`): starting
 * one directly (to time its own readiness) and driving its control
 * endpoints.
 *
 * @module
 */
import { SYNTHETIC_OPENCODE } from "./flock_server.ts";
import type { ProcessTracker, TrackedChild } from "./processes.ts";

/** How to reach an OpenCode-like server. */
export interface Upstream {
  /** e.g. `http://127.0.0.1:40123` */
  url: string;
  /** The `authorization` header value (Basic). */
  authorization: string;
}

/** The Basic `authorization` value for an OpenCode password. */
export function basicAuth(password: string, username = "opencode"): string {
  return `Basic ${btoa(`${username}:${password}`)}`;
}

/** Emits `n` timestamped deltas at `rate`/s; resolves when all are written. */
export async function emit(
  upstream: Upstream,
  options: { n: number; rate: number; run: number; session?: string },
): Promise<{ emitted: number; duration_ms: number }> {
  const query = new URLSearchParams({
    n: String(options.n),
    rate: String(options.rate),
    run: String(options.run),
    ...(options.session === undefined ? {} : { session: options.session }),
  });
  const response = await fetch(`${upstream.url}/bench/emit?${query}`, {
    method: "POST",
    headers: { authorization: upstream.authorization },
  });
  if (!response.ok) {
    throw new Error(
      `Cannot emit events: HTTP ${response.status} ${await response.text()}`,
    );
  }
  return await response.json();
}

/** How many `/event` streams the upstream has open. */
export async function subscriberCount(upstream: Upstream): Promise<number> {
  const response = await fetch(`${upstream.url}/bench/subscribers`, {
    headers: { authorization: upstream.authorization },
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`Cannot count subscribers: HTTP ${response.status}`);
  }
  return ((await response.json()) as { count: number }).count;
}

/** Waits until the upstream has at least `count` `/event` streams. */
export async function waitForSubscribers(
  upstream: Upstream,
  count: number,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (await subscriberCount(upstream) < count) {
    if (performance.now() > deadline) {
      throw new Error(
        `The upstream at ${upstream.url} did not get ${count} event streams within ${timeoutMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A synthetic upstream started by the bench itself. */
export interface DirectUpstream extends Upstream {
  child: TrackedChild;
  /** Spawn → listening line, in ms. */
  listeningMs: number;
  /** Spawn → first healthy `GET /global/health`, in ms. */
  readyMs: number;
}

/**
 * Starts the synthetic `opencode serve` the way Flock would (same script,
 * args and auth) and times its readiness: the listening line, then a
 * healthy answer.
 */
export async function startSyntheticUpstream(
  tracker: ProcessTracker,
  options: { cwd: string; env?: Record<string, string> },
): Promise<DirectUpstream> {
  const password = crypto.randomUUID();
  const started = performance.now();
  const child = tracker.spawn({
    name: "synthetic-upstream",
    command: SYNTHETIC_OPENCODE,
    args: ["serve", "--port", "0", "--hostname", "127.0.0.1"],
    cwd: options.cwd,
    env: {
      FLOCK_BENCH_DENO: Deno.execPath(),
      ...options.env,
      OPENCODE_SERVER_PASSWORD: password,
    },
  });
  const match = await child.waitForLine(
    /^opencode server listening on (http:\/\/\S+)$/,
    30_000,
  );
  const listeningMs = performance.now() - started;
  const upstream = {
    url: match[1] ?? "",
    authorization: basicAuth(password),
  };
  await waitHealthy(upstream, 30_000);
  const readyMs = performance.now() - started;
  return { ...upstream, child, listeningMs, readyMs };
}

/** Polls `GET /global/health` until it answers `healthy: true`. */
export async function waitHealthy(
  upstream: Upstream,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (true) {
    try {
      const response = await fetch(`${upstream.url}/global/health`, {
        headers: { authorization: upstream.authorization },
      });
      if (response.ok) {
        const body = await response.json() as { healthy?: unknown };
        if (body.healthy === true) return;
      } else {
        await response.body?.cancel();
      }
    } catch {
      // not up yet
    }
    if (performance.now() > deadline) {
      throw new Error(`${upstream.url} was not healthy within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
