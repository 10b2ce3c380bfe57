/**
 * A short run with a real `opencode serve` (the pinned 1.18.33) and the fake
 * model, for realism:
 *
 * - Readiness: OpenCode's own time to its listening line plus a healthy
 *   `GET /global/health` (spawned by the bench with the same environment
 *   Flock gives it), against `POST /api/instances` → `running` in Flock.
 * - Relay, for 1, 10, 100 and 1,000 clients on Flock's `/api/events`,
 *   with two reference clients reading OpenCode directly, one on `/event`
 *   and one on `/global/event` (the stream Flock reads), while prompts
 *   stream: each `message.part.delta` is matched by its OpenCode event id.
 *   Flock's added delay is a Flock client's arrival minus the `/event`
 *   reference's (and, apart, minus the `/global/event` one's: Flock's own
 *   share); OpenCode's own difference between its two streams is the
 *   `/global/event` reference minus the `/event` one. OpenCode does not
 *   stamp deltas, so this run reports delays, not a ratio.
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
import type { Spread } from "./relay_latency.ts";
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
  relay: RealRelayLevel[];
}

/** The real-OpenCode relay figures at one client count. */
export interface RealRelayLevel {
  clients: number;
  prompts: number;
  /** Deltas seen by every reference (each counted once). */
  deltas: number;
  /** A Flock client's arrival − the `/event` reference's, per delta and client. */
  added: Spread;
  /** A Flock client's arrival − the `/global/event` reference's (Flock's own share). */
  added_over_global: Spread;
  /** The `/global/event` reference's arrival − the `/event` one's (OpenCode's). */
  global_minus_event: Spread;
  /** Flock clients that ended early (dropped as lagged). */
  dropped_clients: number;
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

/** A prompt whose echoed reply streams about 30 deltas. */
const PROMPT =
  "Please reply with a long sentence so that the bench sees many token deltas from the fake model, one per word, streamed through OpenCode and Flock";

function spreadOf(values: number[]): Spread {
  const s = summarize(values);
  return { p50_ms: round(s.p50, 3), p99_ms: round(s.p99, 3), samples: s.n };
}

/** One client count: Flock clients and the two references while prompts stream. */
async function realRelayLevel(
  clients: SseClients,
  options: {
    count: number;
    prompts: number;
    flockUrl: string;
    instanceId: string;
    upstream: { url: string; authorization: string };
    prompt: () => Promise<void>;
  },
): Promise<RealRelayLevel> {
  const headers = { authorization: options.upstream.authorization };
  const groups = ["flock", "event", "global"];
  for (let opened = 0; opened < options.count; opened += 250) {
    await clients.open({
      group: "flock",
      url: `${options.flockUrl}/api/events?instance_id=${options.instanceId}`,
      count: Math.min(250, options.count - opened),
      mode: "arrivals",
    });
  }
  await clients.open({
    group: "event",
    url: `${options.upstream.url}/event`,
    headers,
    count: 1,
    mode: "arrivals",
  });
  await clients.open({
    group: "global",
    url: `${options.upstream.url}/global/event`,
    headers,
    count: 1,
    mode: "arrivals",
  });
  try {
    for (const group of groups) await clients.arrivals(group); // forget older
    for (let i = 0; i < options.prompts; i++) await options.prompt();
    await sleep(300);
    const viaFlock = await clients.arrivals("flock");
    const event = await clients.firstArrivals("event");
    const global = await clients.firstArrivals("global");
    const added: number[] = [];
    const overGlobal: number[] = [];
    viaFlock.ids.forEach((id, i) => {
      const at = viaFlock.times[i]!;
      const e = event.get(id);
      const g = global.get(id);
      if (e !== undefined) added.push(at - e);
      if (g !== undefined) overGlobal.push(at - g);
    });
    const globalMinusEvent: number[] = [];
    for (const [id, g] of global) {
      const e = event.get(id);
      if (e !== undefined) globalMinusEvent.push(g - e);
    }
    if (added.length === 0) {
      throw new Error(
        `No message.part.delta reached Flock's clients and the references (Flock ${viaFlock.ids.length}, /event ${event.size}, /global/event ${global.size})`,
      );
    }
    return {
      clients: options.count,
      prompts: options.prompts,
      deltas: globalMinusEvent.length,
      added: spreadOf(added),
      added_over_global: spreadOf(overGlobal),
      global_minus_event: spreadOf(globalMinusEvent),
      dropped_clients: viaFlock.ended,
    };
  } finally {
    for (const group of groups) await clients.close(group);
  }
}

/** Runs the real-OpenCode figures. */
export async function realOpenCodeBench(
  ctx: BenchContext,
): Promise<RealOpenCodeResult> {
  const runs = ctx.pick(3, 1);
  const prompts = ctx.pick(4, 1);
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

    const relay: RealRelayLevel[] = [];
    using clients = new SseClients(1);
    // A fresh OpenCode's first call pays its lazy start-up, which on a
    // loaded machine can pass Flock's 10 s proxy limit: try again then.
    const session = await (async () => {
      for (let attempt = 1;; attempt++) {
        try {
          return await createSession(flock.url, instanceId, "bench");
        } catch (error) {
          if (attempt === 3) throw error;
          progress(`real OpenCode: creating a session failed, retrying`);
        }
      }
    })();
    let sent = 0;
    const prompt = async () => {
      sent++;
      await sendPrompt(flock.url, session.id, `${PROMPT} ${sent}`);
      await waitForReply(flock.url, session.id, 2 * sent, 60_000);
    };
    await prompt(); // warm-up: OpenCode's first prompt loads its plugins
    for (const count of ctx.pick([1, 10, 100, 1000], [1])) {
      progress(
        `real OpenCode: ${count} client(s) on Flock, ${prompts} prompt(s)`,
      );
      relay.push(
        await realRelayLevel(clients, {
          count,
          prompts: count >= 1000 ? Math.ceil(prompts / 2) : prompts,
          flockUrl: flock.url,
          instanceId,
          upstream,
          prompt,
        }),
      );
    }
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
      relay,
    };
  } finally {
    await ctx.tracker.stop(flock.child, 10_000);
  }
}
