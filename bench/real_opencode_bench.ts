/**
 * A short run with a real `opencode serve` (the pinned 1.18.33) and the fake
 * model, for realism:
 *
 * - Readiness: OpenCode's own time to its listening line plus a healthy
 *   `GET /global/health` (spawned by the bench with the same environment
 *   Flock gives it), against `POST /api/instances` → `running` in Flock.
 * - Relay: one client on OpenCode's own `/event` and one on Flock's
 *   `/api/events` while prompts stream; each `message.part.delta` is
 *   matched by its OpenCode event id, and Flock's added delay is its
 *   arrival through Flock minus its direct arrival. OpenCode does not stamp
 *   deltas, so this run reports the delay Flock adds, not a ratio.
 *
 * @module
 */
import type { BenchContext } from "./context.ts";
import { progress, sleep } from "./context.ts";
import {
  clock,
  createInstance,
  createSession,
  sendPrompt,
  StatusWatcher,
  stopInstance,
} from "./flock_api.ts";
import { PINNED_OPENCODE, startFlock } from "./flock_server.ts";
import { SseClients } from "./sse_clients.ts";
import { median, round, summarize } from "./stats.ts";
import { upstreamOf } from "./synthetic_flock.ts";
import { basicAuth, waitHealthy } from "./upstream.ts";
import { startFakeModel } from "../server/testing/fake_model.ts";
import { createOpenCodeEnv } from "../server/testing/opencode_env.ts";

/** Figures of the real-OpenCode run. */
export interface RealOpenCodeResult {
  readiness: {
    runs: number;
    own_listening_ms: number;
    own_ready_ms: number;
    flock_running_ms: number;
    overhead_ms: number;
  };
  relay: {
    prompts: number;
    deltas: number;
    /** Flock arrival − direct arrival, per delta. */
    added_p50_ms: number;
    added_p99_ms: number;
  };
}

interface MessageJson {
  info: { role: string; time: { completed?: number } };
}

/** Waits until the session holds `count` messages, the last one a completed reply. */
async function waitForReply(
  flockUrl: string,
  sessionId: string,
  count: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (true) {
    const response = await fetch(
      `${flockUrl}/api/sessions/${sessionId}/messages`,
    );
    if (response.ok) {
      const messages = await response.json() as MessageJson[];
      const last = messages.at(-1);
      if (
        messages.length >= count && last?.info.role === "assistant" &&
        last.info.time.completed !== undefined
      ) {
        return;
      }
    } else {
      await response.body?.cancel();
    }
    if (performance.now() > deadline) {
      throw new Error(
        `OpenCode did not finish a reply within ${timeoutMs} ms`,
      );
    }
    await sleep(100);
  }
}

/** Runs the real-OpenCode figures. */
export async function realOpenCodeBench(
  ctx: BenchContext,
): Promise<RealOpenCodeResult> {
  const runs = ctx.pick(3, 1);
  const prompts = ctx.pick(6, 1);
  await using model = await startFakeModel({ tokenDelayMs: 20 });
  await using env = await createOpenCodeEnv({
    modelBaseURL: model.baseURL,
    parent: ctx.root,
  });
  const childEnv = { ...env.env, FLOCK_BENCH_DENO: Deno.execPath() };

  progress(`real OpenCode: ${runs} direct start(s)`);
  const ownListening: number[] = [];
  const ownReady: number[] = [];
  for (let i = 0; i < runs; i++) {
    const password = crypto.randomUUID();
    const started = performance.now();
    const child = ctx.tracker.spawn({
      name: "opencode",
      command: PINNED_OPENCODE,
      args: ["serve", "--port", "0", "--hostname", "127.0.0.1"],
      cwd: await env.workspace(`own-${i}`),
      env: {
        ...childEnv,
        OPENCODE_SERVER_USERNAME: "opencode",
        OPENCODE_SERVER_PASSWORD: password,
      },
    });
    try {
      const match = await child.waitForLine(
        /^opencode server listening on (http:\/\/\S+)$/,
        60_000,
      );
      ownListening.push(performance.now() - started);
      await waitHealthy(
        { url: match[1] ?? "", authorization: basicAuth(password) },
        60_000,
      );
      ownReady.push(performance.now() - started);
    } finally {
      await ctx.tracker.stop(child);
    }
  }

  progress(`real OpenCode: Flock with ${runs} instance(s)`);
  const home = env.env.HOME ?? await ctx.dir("real-home");
  const flock = await startFlock(ctx.tracker, {
    home,
    opencode: PINNED_OPENCODE,
    env: childEnv,
    args: ["--data-dir", `${home}/.local/share/flock`],
  });
  try {
    const flockRunning: number[] = [];
    let instanceId = "";
    {
      await using watcher = new StatusWatcher(flock.url);
      await watcher.ready();
      for (let i = 0; i < runs; i++) {
        // The one before is stopped first, as in the direct runs: a running
        // OpenCode warming up would slow the next one's start.
        if (instanceId !== "") {
          await stopInstance(flock.url, instanceId);
          await watcher.waitFor(instanceId, "stopped", 30_000);
        }
        const dir = await env.workspace(`flock-${i}`);
        const sent = clock();
        const created = await createInstance(flock.url, dir);
        flockRunning.push(
          await watcher.waitFor(created.id, "running", 60_000) - sent,
        );
        instanceId = created.id;
      }
    }
    const instance = await (await fetch(
      `${flock.url}/api/instances/${instanceId}`,
    )).json();
    const upstream = upstreamOf(instance);

    progress(`real OpenCode: ${prompts} prompt(s), deltas direct vs Flock`);
    using clients = new SseClients(1);
    await clients.open({
      group: "direct",
      url: `${upstream.url}/event`,
      headers: { authorization: upstream.authorization },
      count: 1,
      mode: "arrivals",
    });
    await clients.open({
      group: "flock",
      url: `${flock.url}/api/events?instance_id=${instanceId}`,
      count: 1,
      mode: "arrivals",
    });
    const session = await createSession(flock.url, instanceId, "bench");
    for (let i = 0; i < prompts; i++) {
      await sendPrompt(flock.url, session.id, `hello from the bench ${i}`);
      await waitForReply(flock.url, session.id, 2 * (i + 1), 60_000);
    }
    await sleep(200);
    const direct = await clients.arrivals("direct");
    const viaFlock = await clients.arrivals("flock");
    const added: number[] = [];
    for (const [id, at] of viaFlock) {
      const base = direct.get(id);
      if (base !== undefined) added.push(at - base);
    }
    if (added.length === 0) {
      throw new Error(
        `No message.part.delta reached both clients (direct ${direct.size}, Flock ${viaFlock.size})`,
      );
    }
    const s = summarize(added);
    const own = median(ownReady);
    const viaFlockReady = median(flockRunning);
    return {
      readiness: {
        runs,
        own_listening_ms: round(median(ownListening), 0),
        own_ready_ms: round(own, 0),
        flock_running_ms: round(viaFlockReady, 0),
        overhead_ms: round(viaFlockReady - own, 0),
      },
      relay: {
        prompts,
        deltas: added.length,
        added_p50_ms: round(s.p50, 3),
        added_p99_ms: round(s.p99, 3),
      },
    };
  } finally {
    await ctx.tracker.stop(flock.child, 10_000);
  }
}
