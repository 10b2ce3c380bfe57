/**
 * Shared setup for the browser tests: headless Chromium through
 * playwright-core, and a real Flock (real OpenCode children, the fake model)
 * that can be stopped and started again on the same port and database.
 *
 * @module
 */
import { type BrowserContext, chromium, type Page } from "playwright-core";
import type { WireEvent } from "../../server/contract/events.ts";
import type { Config } from "../../server/config.ts";
import { runFlock, type RunningFlock } from "../../server/main.ts";
import { pinnedOpenCodePath } from "../../server/opencode/opencode_binary.ts";
import type { OpenCodeClient } from "../../server/opencode/opencode_client.ts";
import {
  type FakeModel,
  startFakeModel,
} from "../../server/testing/fake_model.ts";
import {
  createOpenCodeEnv,
  type OpenCodeEnv,
} from "../../server/testing/opencode_env.ts";
import { CLIENT_ASSETS } from "../../server/static/client_assets.gen.ts";
import { CHROME_ARGS, CHROME_BIN } from "../../server/testing/chromium.ts";
import { testGit } from "../../server/git/test_repo.ts";

export { CHROME_ARGS, CHROME_BIN };

/** Where screenshots go (git-ignored). */
export const ARTIFACTS = decodeURIComponent(
  new URL("../../test-artifacts/", import.meta.url).pathname,
);

/**
 * Whether the browser tests can run. With `CI=true` a missing browser is an
 * error; otherwise the caller skips with a loud `SKIP` line.
 *
 * @returns The reason to skip, or undefined to run.
 */
export function browserSkipReason(): string | undefined {
  try {
    const info = Deno.statSync(CHROME_BIN);
    if (info.isFile) return undefined;
  } catch {
    // fall through
  }
  const reason = `no Chromium at ${CHROME_BIN} (set CHROME_BIN)`;
  if (Deno.env.get("CI") === "true") {
    throw new Error(`Cannot run the browser tests in CI: ${reason}`);
  }
  Deno.stderr.writeSync(
    new TextEncoder().encode(`\nSKIP browser tests: ${reason}\n\n`),
  );
  return reason;
}

/** A Flock that can be restarted on the same port and database. */
export class BrowserFlock implements AsyncDisposable {
  readonly model: FakeModel;
  readonly env: OpenCodeEnv;
  readonly dataDir: string;
  #flock: RunningFlock | null = null;
  #port = 0;

  private constructor(model: FakeModel, env: OpenCodeEnv, dataDir: string) {
    this.model = model;
    this.env = env;
    this.dataDir = dataDir;
  }

  /**
   * Starts the fake model, an isolated OpenCode env and Flock.
   *
   * @param options `pricedModel`: offer a second model (see
   *   `FakeModelConfigOptions`).
   */
  static async start(
    options: { pricedModel?: boolean } = {},
  ): Promise<BrowserFlock> {
    const model = await startFakeModel({ tokenDelayMs: 50, slowDelayMs: 300 });
    const env = await createOpenCodeEnv({
      modelBaseURL: model.baseURL,
      pricedModel: options.pricedModel,
    });
    const dataDir = await Deno.makeTempDir({ prefix: "flock-browser-data-" });
    const flock = new BrowserFlock(model, env, dataDir);
    await flock.startServer();
    return flock;
  }

  /** Flock's base URL. */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Whether the server is running. */
  get running(): boolean {
    return this.#flock !== null;
  }

  /** (Re)starts the server, on the first start's port. */
  async startServer(): Promise<void> {
    if (this.#flock) return;
    const config: Config = {
      port: this.#port,
      host: "127.0.0.1",
      dataDir: this.dataDir,
      dbPath: `${this.dataDir}/flock.db`,
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
    this.#flock = await runFlock(config, {
      assets: CLIENT_ASSETS,
      childEnv: this.env.env,
      home: `${this.env.root}/ws`,
      instanceCreateLimit: false,
      // Sessions' worktrees: git without the user's config, a fixed author.
      worktreeGit: testGit(),
    });
    this.#port = this.#flock.port;
  }

  /**
   * Calls Flock's REST API.
   *
   * @returns The parsed JSON body (undefined when empty).
   * @throws {Error} on a non-2xx answer, with its body.
   */
  async call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T> {
    const res = await fetch(this.url + path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * Creates an instance in a new workspace and waits until it runs and has
   * answered one prompt ({@linkcode warmUp}).
   *
   * @param name The workspace's (and instance's) name.
   * @returns The instance's id and directory.
   */
  async runningInstance(name: string): Promise<{ id: string; dir: string }> {
    const dir = await this.env.workspace(name);
    const { id } = await this.call<{ id: string }>("POST", "/api/instances", {
      working_directory: dir,
      name,
    });
    await waitFor("the instance to run", async () => {
      const instance = await this.call<{ status: string }>(
        "GET",
        `/api/instances/${id}`,
      );
      return instance.status === "running";
    }, 120_000);
    await this.warmUp(id);
    return { id, dir };
  }

  /**
   * Sends one prompt through the REST API in a throwaway session and waits
   * for it to finish, so OpenCode's lazy first-prompt initialisation (seconds
   * of CPU) does not distort what a test observes. The session is deleted.
   *
   * @param instanceId A running instance.
   */
  async warmUp(instanceId: string): Promise<void> {
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(this.url + path, {
        method,
        headers: body === undefined
          ? {}
          : { "content-type": "application/json" },
        body: body === undefined ? null : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    };
    // a fresh OpenCode's first request can also outlast the 10 s limit (a
    // 502), more so while the page opens its own first session
    let session: { id: string } | undefined;
    for (let attempt = 1; !session; attempt++) {
      try {
        session = await call(
          "POST",
          `/api/instances/${instanceId}/sessions`,
          { title: "warm-up" },
        ) as { id: string };
      } catch (error) {
        if (attempt === 3 || !String(error).includes(": 502 ")) throw error;
      }
    }
    // OpenCode's first prompt can take longer than Flock's 10 s limit on a
    // loaded machine (a 502): the prompt is then often under way; send it
    // again only if no reply started
    for (let attempt = 1;; attempt++) {
      try {
        await call("POST", `/api/sessions/${session.id}/messages`, {
          text: "warm up",
        });
        break;
      } catch (error) {
        if (attempt === 3 || !String(error).includes(": 502 ")) throw error;
        const messages = await call(
          "GET",
          `/api/sessions/${session.id}/messages`,
        ) as unknown[];
        if (messages.length > 0) break;
      }
    }
    await waitFor("the warm-up reply", async () => {
      const messages = await call(
        "GET",
        `/api/sessions/${session.id}/messages`,
      ) as { info: { role: string; time: { completed?: number } } }[];
      return messages.some((m) =>
        m.info.role === "assistant" && m.info.time.completed
      );
    }, 60_000);
    // every warm-up session, also one a timed-out request created
    const sessions = await call(
      "GET",
      `/api/instances/${instanceId}/sessions`,
    ) as { id: string; title: string }[];
    for (const s of sessions) {
      if (s.title === "warm-up") await call("DELETE", `/api/sessions/${s.id}`);
    }
  }

  /**
   * Publishes a synthetic event on the running Flock's broker, as if an
   * OpenCode child had sent it.
   *
   * @param event The event.
   */
  publish(event: WireEvent): void {
    if (!this.#flock) throw new Error("Cannot publish: Flock is not running");
    this.#flock.broker.publish(event);
  }

  /**
   * A client of a running instance's own OpenCode API (its port and
   * password, from the supervisor): what OpenCode's TUI would talk to.
   *
   * @param instanceId A running instance.
   */
  childClient(instanceId: string): OpenCodeClient {
    if (!this.#flock) {
      throw new Error("Cannot reach a child: Flock is not running");
    }
    return this.#flock.supervisor.client(instanceId);
  }

  /** Stops the server (and its OpenCode children). */
  async stopServer(): Promise<void> {
    const flock = this.#flock;
    this.#flock = null;
    await flock?.close();
  }

  /** Stops everything and deletes the temporary directories. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stopServer();
    await this.model.close();
    await this.env.cleanup();
    await Deno.remove(this.dataDir, { recursive: true }).catch(() => {});
  }
}

/**
 * Launches headless Chromium with a fresh profile.
 *
 * @returns The context, its first page, and a disposer that deletes the profile.
 */
export async function launchBrowser(): Promise<
  { context: BrowserContext; page: Page } & AsyncDisposable
> {
  const profile = await Deno.makeTempDir({ prefix: "flock-chromium-" });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROME_BIN,
    headless: true,
    args: CHROME_ARGS,
    viewport: { width: 1280, height: 800 },
  });
  const page = context.pages()[0] ?? await context.newPage();
  return {
    context,
    page,
    async [Symbol.asyncDispose]() {
      await context.close();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    },
  };
}

/**
 * Polls `probe` until it resolves to a truthy value.
 *
 * @param what Describes the wait (for the timeout error).
 * @param probe Returns (or resolves to) the value; falsy keeps waiting.
 * @param timeoutMs Give up after this long.
 * @returns The value.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T> | T,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Timed out waiting for ${what}`, { cause: lastError });
}
