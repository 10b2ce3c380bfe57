/**
 * The page's main-thread cost of a long streamed reply: a 200 KB Markdown
 * reply (the fake model's `long-reply … markdown` text, one token per
 * `message.part.delta`) streams at a fixed rate from a synthetic upstream
 * through a real Flock process into headless Chromium, which renders it.
 * Chromium traces the page (`disabled-by-default-devtools.timeline`: every
 * main-thread task with its wall and thread time) and a probe in the page
 * marks the reply's first delta and each render of it; `client_trace.ts`
 * turns that into the figures.
 *
 * - Main-thread CPU time per delta over the first 10 % and the last 10 % of
 *   the reply. Goal: the last no more than 1.5× the first (the cost of a
 *   delta must not grow with the text). CPU time, not wall time: on a loaded
 *   machine a task's wall time counts the time its thread waited for a core.
 * - The longest task while it streams, in CPU time (goal: none over 50 ms)
 *   and in wall time (the user's view, inflated by the machine's load).
 *
 * A tenth of the reply streams first, in a message of its own and not
 * traced, so that the first window measures the steady state rather than
 * the page's warm-up (JIT, the first message's elements, the Markdown
 * chunk). The rate is set by the upstream, not by OpenCode, whose pace
 * varies with the machine's load. `FLOCK_BENCH_CLIENT_TRACE=<file>` keeps
 * the trace (open it in Chromium's DevTools, Performance tab);
 * `FLOCK_BENCH_CLIENT_PROFILE=<file>` also takes a JS CPU profile of the
 * reply (`.cpuprofile`, for DevTools; it slows the page, so the figures of
 * such a run are not comparable).
 *
 * @module
 */
import { type Browser, chromium, type Page } from "playwright-core";
import {
  assistantMessage,
  textPart,
} from "../server/testing/event_fixtures.ts";
import { CHROME_ARGS, CHROME_BIN } from "../server/testing/chromium.ts";
import {
  longReplyTokenCountFor,
  longReplyTokens,
} from "../server/testing/long_reply.ts";
import {
  type StreamFigures,
  streamFigures,
  type TraceEvent,
} from "./client_trace.ts";
import type { BenchContext } from "./context.ts";
import { progress } from "./context.ts";
import { createSession, StatusWatcher } from "./flock_api.ts";
import { round } from "./stats.ts";
import {
  addSyntheticInstance,
  startSyntheticFlock,
} from "./synthetic_flock.ts";
import type { Upstream } from "./upstream.ts";

/** The streamed reply's figures. */
export interface ClientStreamResult extends StreamFigures {
  reply_kb: number;
  deltas: number;
  /** Deltas per second sent by the upstream. */
  rate_per_s: number;
}

const REPLY_MESSAGE = "msg_bench_reply";
const WARM_UP_MESSAGE = "msg_bench_warm_up";
const partIdOf = (messageId: string) => `prt_${messageId}`;

/**
 * Runs in the page before its scripts: counts deltas, marks the reply's
 * first delta and the end of each render of its text, and keeps how many of
 * its deltas the page had at each render (`__flockRenderDeltas`).
 */
function installProbe({ partId }: { partId: string }): void {
  const renderDeltas: number[] = [];
  let deltas = 0;
  let all = 0;
  Object.assign(globalThis, {
    __flockDeltas: () => deltas,
    __flockAllDeltas: () => all,
    __flockRenderDeltas: renderDeltas,
    __flockProbe: {
      event(event: { type: string; properties?: { partID?: unknown } }) {
        if (event.type !== "message.part.delta") return;
        all++;
        if (event.properties?.partID !== partId) return;
        if (deltas++ === 0) performance.mark("flock-first-delta");
      },
      render(tag: string, key: string) {
        if (tag !== "markdown-text" || key !== partId || deltas === 0) return;
        performance.mark(`flock-render-${renderDeltas.length}`);
        renderDeltas.push(deltas);
      },
    },
  });
}

/** A scripted reply: its message, its part, one delta per token, the end. */
function replyEvents(
  sessionId: string,
  messageID: string,
  tokens: readonly string[],
) {
  const partID = partIdOf(messageID);
  const created = Date.now();
  const info = assistantMessage(messageID, sessionId, { time: { created } });
  const part = (text: string) => ({
    type: "message.part.updated",
    properties: {
      sessionID: sessionId,
      part: textPart(partID, messageID, sessionId, text),
      time: Date.now(),
    },
  });
  return [
    { type: "message.updated", properties: { sessionID: sessionId, info } },
    part(""),
    ...tokens.map((delta) => ({
      type: "message.part.delta",
      properties: {
        sessionID: sessionId,
        messageID,
        partID,
        field: "text",
        delta,
      },
    })),
    part(tokens.join("")),
    {
      type: "message.updated",
      properties: {
        sessionID: sessionId,
        info: { ...info, time: { created, completed: Date.now() } },
      },
    },
  ];
}

/** Has the upstream emit `events` at `rate` per second. */
async function play(
  upstream: Upstream,
  events: readonly unknown[],
  rate: number,
): Promise<void> {
  const response = await fetch(`${upstream.url}/bench/play?rate=${rate}`, {
    method: "POST",
    headers: {
      authorization: upstream.authorization,
      "content-type": "application/json",
    },
    body: JSON.stringify(events),
  });
  if (!response.ok) {
    throw new Error(
      `Cannot play the reply: HTTP ${response.status} ${await response
        .text()}`,
    );
  }
  await response.body?.cancel();
}

/** Waits until the page's probe counted `count` deltas. */
async function waitForDeltas(
  page: Page,
  counter: "__flockDeltas" | "__flockAllDeltas",
  count: number,
): Promise<void> {
  await page.waitForFunction(
    ({ counter, count }) => {
      const deltas: unknown = Reflect.get(globalThis, counter);
      return typeof deltas === "function" && deltas() >= count;
    },
    { counter, count },
    { timeout: 300_000, polling: 250 },
  );
}

/** The deltas the page had at each render of the reply, once it rendered all. */
async function renderDeltas(page: Page, count: number): Promise<number[]> {
  const read = () =>
    page.evaluate(() => {
      const list: unknown = Reflect.get(globalThis, "__flockRenderDeltas");
      return Array.isArray(list)
        ? list.filter((n): n is number => typeof n === "number")
        : [];
    });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const list = await read();
    if ((list.at(-1) ?? 0) >= count) return list;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `Cannot measure: the page never rendered all ${count} deltas`,
  );
}

/**
 * Starts a JS CPU profile when `FLOCK_BENCH_CLIENT_PROFILE` names a file.
 *
 * @returns What stops it and writes the file, or undefined.
 */
async function startProfile(
  page: Page,
): Promise<(() => Promise<void>) | undefined> {
  const file = Deno.env.get("FLOCK_BENCH_CLIENT_PROFILE");
  if (!file) return undefined;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.start");
  return async () => {
    const { profile } = await cdp.send("Profiler.stop");
    await Deno.writeTextFile(file, JSON.stringify(profile));
    await cdp.detach();
  };
}

async function openSession(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({
    viewport: { width: 1280, height: 800 },
  });
  await page.addInitScript(installProbe, { partId: partIdOf(REPLY_MESSAGE) });
  await page.goto(url);
  await page.getByText("No messages yet").waitFor({ timeout: 60_000 });
  return page;
}

/** Streams a long reply into the page and measures its main thread. */
export async function clientStreamBench(
  ctx: BenchContext,
): Promise<ClientStreamResult> {
  const bytes = ctx.pick(200_000, 20_000);
  const rate = ctx.pick(500, 1000);
  const count = longReplyTokenCountFor(bytes, "markdown");
  const tokens = longReplyTokens(count, "markdown");
  progress(
    `client: a ${bytes / 1000} KB reply in ${count} deltas at ${rate}/s`,
  );
  const flock = await startSyntheticFlock(ctx);
  const browser = await chromium.launch({
    executablePath: CHROME_BIN,
    headless: true,
    args: CHROME_ARGS,
    // the run marker lets the tracker find a Chromium left behind
    env: { ...Deno.env.toObject(), ...ctx.tracker.marker },
  });
  try {
    await using watcher = new StatusWatcher(flock.url);
    await watcher.ready();
    const { instance, upstream } = await addSyntheticInstance(
      ctx,
      flock,
      watcher,
      "client-stream",
    );
    const session = await createSession(flock.url, instance.id, "bench");
    const page = await openSession(
      browser,
      `${flock.url}/#/s/${encodeURIComponent(session.id)}`,
    );
    const warmUp = tokens.slice(0, Math.ceil(count / 10));
    await play(
      upstream,
      replyEvents(session.id, WARM_UP_MESSAGE, warmUp),
      rate,
    );
    await waitForDeltas(page, "__flockAllDeltas", warmUp.length);
    const profile = await startProfile(page);
    await browser.startTracing(page, {
      categories: [
        "disabled-by-default-devtools.timeline",
        "blink.user_timing",
      ],
    });
    await play(upstream, replyEvents(session.id, REPLY_MESSAGE, tokens), rate);
    await waitForDeltas(page, "__flockDeltas", count);
    const renders = await renderDeltas(page, count);
    await profile?.();
    const bytesOfTrace = await browser.stopTracing();
    const keep = Deno.env.get("FLOCK_BENCH_CLIENT_TRACE");
    if (keep) await Deno.writeFile(keep, bytesOfTrace);
    const trace = JSON.parse(new TextDecoder().decode(bytesOfTrace)) as {
      traceEvents: TraceEvent[];
    };
    return {
      reply_kb: round(tokens.join("").length / 1000, 1),
      deltas: count,
      rate_per_s: rate,
      ...streamFigures(trace.traceEvents, renders, count),
    };
  } finally {
    await browser.close();
    await ctx.tracker.stop(flock.child);
  }
}
