/**
 * Workflow step hand-off: from an attempt's `session.idle` arriving at
 * Flock from its OpenCode child to the next attempt's prompt being
 * accepted (`prompt_async` answered), as the runner itself times it
 * (`onHandoff`). In between: the session's messages are read once, the
 * reply judged, the state and its commands saved in one transaction, the
 * events published, the next session created and prompted. Antfarm's cron
 * waits up to 5 minutes here.
 *
 * It also reports OpenCode's share (its three REST answers: the messages,
 * the new session, `prompt_async`) and what is left for Flock itself.
 *
 * Flock runs in this process (the runner's probe is in-process) with a
 * real OpenCode and the fake model, on a workflow of single steps that the
 * fake model answers at once; the runs go one after another.
 *
 * @module
 */
import { runFlock } from "../server/main.ts";
import type { Config } from "../server/config.ts";
import type { InstanceJson } from "../server/contract/instances.ts";
import type { RunJson } from "../server/contract/workflows.ts";
import { pinnedOpenCodePath } from "../server/opencode/opencode_binary.ts";
import { startFakeModel } from "../server/testing/fake_model.ts";
import { createOpenCodeEnv } from "../server/testing/opencode_env.ts";
import type { BenchContext } from "./context.ts";
import { progress, sleep } from "./context.ts";
import { round, summarize } from "./stats.ts";

/** Figures of the hand-off run. */
export interface HandoffResult {
  runs: number;
  steps_per_run: number;
  handoffs: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** The part spent waiting on OpenCode's REST answers (messages, new session, prompt_async). */
  opencode_p50_ms: number;
  /** What is left for Flock itself (the hand-off minus OpenCode's share). */
  flock_p50_ms: number;
  flock_p99_ms: number;
  /** 1-minute load average before and after (others share the machine). */
  load_before: number;
  load_after: number;
}

function load(): number {
  return round(Deno.loadavg()[0] ?? 0, 2);
}

function workflowYaml(steps: number): string {
  const lines = [
    "id: handoff",
    "name: Hand-off bench",
    "version: 1",
    "agents: [{ id: a, role: analysis }]",
    "steps:",
  ];
  for (let i = 1; i <= steps; i++) {
    lines.push(
      `  - { id: s${i}, agent: a, input: "Step ${i} of {{task}}.\\nREPLY> STATUS: done" }`,
    );
  }
  return lines.join("\n") + "\n";
}

async function call<T>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    const value = await check();
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`hand-off bench: timed out waiting for ${what}`);
}

/** Runs the section. */
export async function handoffBench(ctx: BenchContext): Promise<HandoffResult> {
  const runs = ctx.pick(5, 1);
  const steps = ctx.pick(11, 6);
  progress(`hand-off: ${runs} run(s) of ${steps} steps`);
  const loadBefore = load();
  await using model = await startFakeModel({ tokenDelayMs: 1 });
  await using env = await createOpenCodeEnv({
    modelBaseURL: model.baseURL,
    parent: ctx.root,
  });
  const dataDir = await ctx.dir("handoff-data");
  const config: Config = {
    port: 0,
    host: "127.0.0.1",
    dataDir,
    dbPath: `${dataDir}/flock.db`,
    opencode: pinnedOpenCodePath(),
    opencodeConfig: undefined,
    token: undefined,
    generateToken: false,
    allowedHosts: [],
    roots: [],
    eventBuffer: 10_000,
    idleTimeoutS: 900,
    maxInstanceMemoryBytes: null,
    remoteHosts: [],
  };
  const samples: number[] = [];
  const openCode: number[] = [];
  const own: number[] = [];
  const flock = await runFlock(config, {
    childEnv: env.env,
    assets: new Map([["/index.html", new TextEncoder().encode("")]]),
    runs: {
      onHandoff: ({ ms, openCodeMs }) => {
        samples.push(ms);
        openCode.push(openCodeMs);
        own.push(ms - openCodeMs);
      },
    },
  });
  try {
    const base = flock.url;
    const created = await call<InstanceJson>(base, "POST", "/api/instances", {
      working_directory: await env.workspace("project"),
    });
    let restarts = 0;
    await until("the instance to run", async () => {
      const row = await call<InstanceJson>(
        base,
        "GET",
        `/api/instances/${created.id}`,
      );
      if (row.status === "error") {
        // A loaded machine can miss OpenCode's readiness limit: once more.
        if (restarts++ > 0) throw new Error(row.last_error ?? "error");
        await call(base, "POST", `/api/instances/${created.id}/restart`);
      }
      return row.status === "running" ? row : undefined;
    }, 180_000);
    await call(base, "POST", "/api/workflows", { yaml: workflowYaml(steps) });
    for (let i = 0; i < runs; i++) {
      const run = await call<RunJson>(base, "POST", "/api/runs", {
        workflow: "handoff",
        instance_id: created.id,
        task: `run ${i + 1}`,
      });
      await until(`run ${i + 1} to complete`, async () => {
        const now = await call<RunJson>(base, "GET", `/api/runs/${run.id}`);
        if (now.status === "failed" || now.status === "blocked") {
          throw new Error(`run ${run.id} ${now.status}: ${now.failure_reason}`);
        }
        return now.status === "completed" ? now : undefined;
      }, 300_000);
    }
  } finally {
    await flock.close();
  }
  const stats = summarize(samples);
  const flockShare = summarize(own);
  return {
    runs,
    steps_per_run: steps,
    handoffs: samples.length,
    p50_ms: round(stats.p50, 2),
    p99_ms: round(stats.p99, 2),
    max_ms: round(samples.length === 0 ? NaN : Math.max(...samples), 2),
    opencode_p50_ms: round(summarize(openCode).p50, 2),
    flock_p50_ms: round(flockShare.p50, 2),
    flock_p99_ms: round(flockShare.p99, 2),
    load_before: loadBefore,
    load_after: load(),
  };
}
