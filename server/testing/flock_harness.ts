/**
 * A real Flock for tests and benchmarks: `runFlock` in-process on
 * 127.0.0.1 port 0 with a temporary data dir, plus (by default) the fake
 * model and an isolated OpenCode environment so instances run the real,
 * pinned OpenCode offline. Helpers speak to it over real HTTP.
 *
 * @example
 * ```ts
 * await using flock = await startTestFlock();
 * const instance = await flock.createInstance("proj");
 * const session = await flock.api<SessionJson>("POST", `/api/instances/${instance.id}/sessions`, {});
 * const sse = await flock.readSse(`/api/sessions/${session.body.id}/events`);
 * ```
 *
 * @module
 */
import type { InstanceJson, InstanceStatus } from "../contract/instances.ts";
import type { Config } from "../config.ts";
import { runFlock, type RunFlockOptions, type RunningFlock } from "../main.ts";
import { pinnedOpenCodePath } from "../opencode/opencode_binary.ts";
import { type FakeModel, startFakeModel } from "./fake_model.ts";
import {
  type BashPermission,
  createOpenCodeEnv,
  type OpenCodeEnv,
} from "./opencode_env.ts";
import { SseReader } from "./sse_reader.ts";
import { testGit } from "../git/test_repo.ts";

/** The binary a Flock started with `opencode: false` is given: it does not exist. */
export const NO_OPENCODE = "/nonexistent/flock-test/opencode";

/** Options for {@linkcode startTestFlock}. */
export interface TestFlockOptions {
  /**
   * Start the fake model and an isolated OpenCode env (default true). Off
   * for tests that never run an instance: instances then fail to start
   * (status `error`), which still exercises every route.
   */
  opencode?: boolean;
  /** Reuse a data dir (e.g. to restart Flock on the same database). */
  dataDir?: string;
  /** Share a fake model between Flocks. */
  model?: FakeModel;
  /** Share an OpenCode env between Flocks. */
  env?: OpenCodeEnv;
  /** OpenCode's bash permission (default `ask`). */
  bash?: BashPermission;
  /** `--root` directories. */
  roots?: string[];
  /** `--event-buffer`. Default 10,000. */
  eventBuffer?: number;
  /** SSE tuning (per-client queue, heartbeat). */
  events?: RunFlockOptions["events"];
  /** The directory picker's default. */
  home?: string;
  /** Keep the instance-creation rate limit (default: off in tests). */
  rateLimit?: boolean;
  /** Delay per token of the fake model's `slow` replies (default 400 ms). */
  slowDelayMs?: number;
  /** `--idle-timeout` (default 900). */
  idleTimeoutS?: number;
  /** `--max-instance-memory`, in bytes (default none). */
  maxInstanceMemoryBytes?: number | null;
  /** How long a child may take to be ready, in ms (default 30 000). */
  readyTimeoutMs?: number;
}

/** A JSON answer from the API. */
export interface ApiResult<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** An open SSE connection. */
export interface SseConnection extends AsyncDisposable {
  readonly response: Response;
  readonly reader: SseReader;
  /** Disconnects. */
  close(): Promise<void>;
}

/** A running test Flock. */
export interface TestFlock extends AsyncDisposable {
  readonly url: string;
  readonly flock: RunningFlock;
  readonly dataDir: string;
  /** The fake model, unless `opencode: false`. */
  readonly model: FakeModel | undefined;
  /** The isolated OpenCode env, unless `opencode: false`. */
  readonly env: OpenCodeEnv | undefined;
  /**
   * Calls the API. A `body` that is not a string is sent as JSON.
   * The response body is parsed as JSON when it has one.
   */
  api<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResult<T>>;
  /** Opens an SSE stream. */
  readSse(
    path: string,
    options?: { lastEventId?: string; signal?: AbortSignal },
  ): Promise<SseConnection>;
  /** A fresh empty directory (needs the OpenCode env, or makes a temp one). */
  workspace(name: string): Promise<string>;
  /** Creates an instance for a fresh workspace and waits until it runs. */
  createInstance(name: string): Promise<InstanceJson>;
  /** Polls until the instance has one of `statuses`. */
  waitForInstance(
    id: string,
    statuses: readonly InstanceStatus[],
    timeoutMs?: number,
  ): Promise<InstanceJson>;
  /** Stops Flock (and its children); keeps the data dir when it was given. */
  close(): Promise<void>;
}

/** Starts a test Flock. Dispose it (or call `close`) at the end. */
export async function startTestFlock(
  options: TestFlockOptions = {},
): Promise<TestFlock> {
  const withOpenCode = options.opencode ?? true;
  const ownModel = withOpenCode && !options.model
    ? await startFakeModel(
      options.slowDelayMs === undefined
        ? {}
        : { slowDelayMs: options.slowDelayMs },
    )
    : undefined;
  const model = options.model ?? ownModel;
  let ownEnv: OpenCodeEnv | undefined;
  if (withOpenCode && !options.env && model) {
    ownEnv = await createOpenCodeEnv({
      modelBaseURL: model.baseURL,
      ...(options.bash ? { bash: options.bash } : {}),
    });
  }
  const env = options.env ?? ownEnv;
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ??
    await Deno.makeTempDir({ prefix: "flock-test-data-" });
  const scratch: string[] = [];
  const config: Config = {
    port: 0,
    host: "127.0.0.1",
    dataDir,
    dbPath: `${dataDir}/flock.db`,
    // Without the OpenCode env no child may start (it would use the real
    // HOME): point at a missing binary, so instances end in `error`.
    opencode: withOpenCode ? pinnedOpenCodePath() : NO_OPENCODE,
    opencodeConfig: undefined,
    token: undefined,
    generateToken: false,
    allowedHosts: [],
    roots: options.roots ?? [],
    eventBuffer: options.eventBuffer ?? 10_000,
    idleTimeoutS: options.idleTimeoutS ?? 900,
    maxInstanceMemoryBytes: options.maxInstanceMemoryBytes ?? null,
    remoteHosts: [],
  };
  let flock: RunningFlock;
  try {
    flock = await runFlock(config, {
      assets: new Map([
        ["/index.html", new TextEncoder().encode("<!doctype html>")],
      ]),
      ...(env ? { childEnv: env.env } : {}),
      ...(options.events ? { events: options.events } : {}),
      ...(options.home !== undefined ? { home: options.home } : {}),
      ...(options.rateLimit ? {} : { instanceCreateLimit: false as const }),
      ...(options.readyTimeoutMs === undefined
        ? {}
        : { readyTimeoutMs: options.readyTimeoutMs }),
      // Sessions' worktrees: git without the user's config, a fixed author.
      worktreeGit: testGit(),
    });
  } catch (error) {
    await ownEnv?.cleanup();
    await ownModel?.close();
    if (ownDataDir) await Deno.remove(dataDir, { recursive: true });
    throw error;
  }
  const url = flock.url;

  async function api<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResult<T>> {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" || body instanceof Uint8Array
        ? body as BodyInit
        : JSON.stringify(body);
      const h = init.headers as Record<string, string>;
      if (
        !Object.keys(h).some((k) => k.toLowerCase() === "content-type") &&
        typeof body !== "string" && !(body instanceof Uint8Array)
      ) {
        h["content-type"] = "application/json";
      }
    }
    const res = await fetch(url + path, init);
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text !== "") {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  async function waitForInstance(
    id: string,
    statuses: readonly InstanceStatus[],
    timeoutMs = 45_000,
  ): Promise<InstanceJson> {
    const deadline = Date.now() + timeoutMs;
    let last: InstanceJson | undefined;
    while (Date.now() < deadline) {
      const res = await api<InstanceJson>("GET", `/api/instances/${id}`);
      if (res.status === 200) {
        last = res.body;
        if (statuses.includes(last.status)) return last;
        if (last.status === "error" && !statuses.includes("error")) {
          throw new Error(`Instance ${id} failed: ${last.last_error}`);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(
      `Timed out waiting for instance ${id} to be ${
        statuses.join("/")
      }: it is ${last?.status}`,
    );
  }

  async function workspace(name: string): Promise<string> {
    if (env) return await env.workspace(name);
    const dir = await Deno.makeTempDir({ prefix: `flock-ws-${name}-` });
    scratch.push(dir);
    return dir;
  }

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      await flock.close();
      await ownModel?.close();
      await ownEnv?.cleanup();
      for (const dir of scratch) {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
      if (ownDataDir) {
        await Deno.remove(dataDir, { recursive: true }).catch(() => {});
      }
    })();
    return closed;
  };

  return {
    url,
    flock,
    dataDir,
    model,
    env,
    api,
    async readSse(path, sseOptions = {}) {
      const headers: Record<string, string> = { accept: "text/event-stream" };
      if (sseOptions.lastEventId !== undefined) {
        headers["last-event-id"] = sseOptions.lastEventId;
      }
      const ctl = new AbortController();
      const outer = sseOptions.signal;
      const onAbort = () => ctl.abort();
      outer?.addEventListener("abort", onAbort, { once: true });
      const response = await fetch(url + path, {
        headers,
        signal: ctl.signal,
      });
      if (!response.ok || !response.body) {
        const text = await response.text();
        outer?.removeEventListener("abort", onAbort);
        throw new Error(`Cannot open ${path}: ${response.status} ${text}`);
      }
      const reader = new SseReader(response.body);
      let done: Promise<void> | undefined;
      const closeSse = () => {
        done ??= (async () => {
          outer?.removeEventListener("abort", onAbort);
          await reader.cancel();
          ctl.abort();
        })();
        return done;
      };
      return {
        response,
        reader,
        close: closeSse,
        [Symbol.asyncDispose]: closeSse,
      };
    },
    workspace,
    async createInstance(name) {
      const dir = await workspace(name);
      const res = await api<InstanceJson>("POST", "/api/instances", {
        working_directory: dir,
      });
      if (res.status !== 201) {
        throw new Error(
          `Cannot create an instance: ${res.status} ${
            JSON.stringify(res.body)
          }`,
        );
      }
      return await waitForInstance(res.body.id, ["running"]);
    },
    waitForInstance,
    close,
    [Symbol.asyncDispose]: close,
  };
}
