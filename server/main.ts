/**
 * Flock's entry point: config → database → migrations → services
 * (`services.ts`, composed once) → HTTP server → signals. The only module that installs signal handlers and calls
 * `Deno.serve`.
 *
 * @module
 */
import { MIGRATIONS } from "../migrations/migrations.ts";
import { createApp } from "./app.ts";
import type { Config } from "./config.ts";
import { print, readCommandLine, readEnv } from "./command_line.ts";
import { openDatabase } from "./db/database.ts";
import { assertSafeBind, InsecureBindError } from "./http/host_rules.ts";
import { randomToken } from "./http/token_auth.ts";
import { migrate, MigrationError } from "./db/migrate.ts";
import type { EventBroker } from "./events/event_broker.ts";
import type { Route } from "./http/router.ts";
import { resolveOpenCodeBinaryFromEnv } from "./opencode/opencode_binary.ts";
import type { Supervisor } from "./opencode/supervisor.ts";
import type { RunEngine } from "./runs/run_engine.ts";
import {
  composeServices,
  type EventListener,
  type RunServicesOptions,
} from "./services.ts";
import type { GitRunner } from "./git/git_runner.ts";
import { lacksPermission, netHost, permissionFix } from "./launcher/grants.ts";
import { log } from "./log.ts";
import { watchShutdownSignals } from "./shutdown_signals.ts";
import { CLIENT_ASSETS } from "./static/client_assets.gen.ts";
import { VERSION } from "./version.ts";

/** Options for {@linkcode runFlock} beyond the parsed config. */
export interface RunFlockOptions {
  /** Extra environment for every OpenCode child (tests, demo). */
  childEnv?: Record<string, string>;
  /** Client assets to serve; defaults to the embedded build. */
  assets?: ReadonlyMap<string, Uint8Array>;
  /** The directory picker's default; defaults to `$HOME`. */
  home?: string;
  /** SSE tuning for tests and benchmarks (per-client queue, heartbeat). */
  events?: { queueLimit?: number; queueBytes?: number; heartbeatMs?: number };
  /**
   * The `POST /api/instances` rate limit; `false` turns it off (tests that
   * create many instances). Default: the security layer's.
   */
  instanceCreateLimit?: { capacity: number; windowMs: number } | false;
  /**
   * How long a child may take to be ready (listening line and health), in
   * ms. Default 30 000; tests on a loaded machine give more.
   */
  readyTimeoutMs?: number;
  /** Workflow runner options (the bench's hand-off probe, a test clock). */
  runs?: RunServicesOptions;
  /** The git runner of sessions' worktrees (tests pass one without the user's config). */
  worktreeGit?: GitRunner;
}

/** A running Flock. */
export interface RunningFlock extends AsyncDisposable {
  /** The base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly port: number;
  /** The API token in force (given or generated), if any. */
  readonly token: string | undefined;
  /** A one-time login link for a browser, when a token is in force. */
  readonly loginUrl: string | undefined;
  /** The app's API route table (the fuzz test covers every route in it). */
  readonly routes: readonly Route[];
  /** The SSE broker (tests and benchmarks publish synthetic events on it). */
  readonly broker: EventBroker;
  /** The supervisor of the OpenCode children. */
  readonly supervisor: Supervisor;
  /** The workflow runner. */
  readonly runs: RunEngine;
  /**
   * Adds an in-process listener of every published event with its meta
   * (`meta.directory`: where OpenCode said an upstream event happened).
   * Returns the function that removes it.
   */
  listen(listener: EventListener): () => void;
  /** Stops accepting, closes streams, stops children, closes the DB. */
  close(): Promise<void>;
}

/** Flock could not start; the message says why and what to do. */
export class StartupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StartupError";
  }
}

/**
 * Starts Flock with a parsed config.
 *
 * @throws {StartupError} with a user-facing message (port taken, DB refused, …).
 */
export async function runFlock(
  config: Config,
  options: RunFlockOptions = {},
): Promise<RunningFlock> {
  const startedAt = Date.now();
  const token = config.token ??
    (config.generateToken ? randomToken() : undefined);
  try {
    assertSafeBind(config.host, token !== undefined);
  } catch (error) {
    if (error instanceof InsecureBindError) {
      throw new StartupError(error.message, { cause: error });
    }
    throw error;
  }
  const bound: { port?: number } = {};
  let loginBase = "";
  await ensureParentDir(config.dbPath);
  let db;
  try {
    db = openDatabase(config.dbPath);
  } catch (error) {
    throw new StartupError(
      `Cannot open the database ${config.dbPath}: ${message(error)}${
        lacksPermission(error)
          ? `; ${permissionFix(`--allow-write=${parentDir(config.dbPath)}`)}`
          : ""
      }`,
      { cause: error },
    );
  }
  try {
    const result = migrate(db, MIGRATIONS);
    if (result.applied.length > 0) {
      log.info(
        `Applied migrations ${result.applied.join(", ")} to ${config.dbPath}`,
      );
    }
  } catch (error) {
    db.close();
    if (error instanceof MigrationError) {
      throw new StartupError(error.message, { cause: error });
    }
    throw error;
  }
  const services = composeServices({
    db,
    broker: { ringSize: config.eventBuffer, ...options.events },
    supervisor: {
      binary: () => resolveOpenCodeBinaryFromEnv(config.opencode),
      childEnv: options.childEnv,
      opencodeConfigPath: config.opencodeConfig,
      ...(options.readyTimeoutMs === undefined
        ? {}
        : { readyTimeoutMs: options.readyTimeoutMs }),
    },
    fleet: {
      idleTimeoutS: config.idleTimeoutS,
      maxInstanceMemoryBytes: config.maxInstanceMemoryBytes,
    },
    ...(options.runs === undefined ? {} : { runs: options.runs }),
    worktrees: {
      root: `${config.dataDir.replace(/\/+$/, "")}/worktrees`,
      ...(options.worktreeGit === undefined
        ? {}
        : { git: options.worktreeGit }),
    },
  });
  const { broker, supervisor, runs, listen } = services;
  try {
    await supervisor.reconcile();
  } catch (error) {
    log.error("Cannot reconcile the instances a previous Flock left:", error);
  }
  // Remote servers that were connected are connected again; local
  // instances stay hibernated until a request needs them.
  supervisor.resume();
  try {
    // Carries on the runs a previous Flock left running or blocked.
    await runs.start();
  } catch (error) {
    log.error("Cannot recover the workflow runs:", error);
  }
  const app = createApp({
    services,
    assets: options.assets ?? CLIENT_ASSETS,
    version: VERSION,
    startedAt,
    roots: config.roots,
    home: options.home ?? readEnv("HOME"),
    security: {
      host: config.host,
      allowedHosts: config.allowedHosts,
      token,
      ...(options.instanceCreateLimit === undefined
        ? {}
        : { instanceCreateLimit: options.instanceCreateLimit }),
      listenPort: () => bound.port,
      onLoginCodeUsed: () =>
        log.info(
          `A login link was used; one more for another browser: ${loginBase}${app.security.issueLoginCode()}`,
        ),
    },
  });

  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: config.host,
      port: config.port,
      onListen: () => {},
    }, (req) => app.handler(req));
  } catch (error) {
    await services.close();
    db.close();
    if (error instanceof Deno.errors.AddrInUse) {
      throw new StartupError(
        `Cannot listen on ${config.host}:${config.port}: the port is already in use. Stop the other program or pick another port with --port`,
        { cause: error },
      );
    }
    if (lacksPermission(error)) {
      throw new StartupError(
        `Cannot listen on ${config.host}:${config.port} as Flock lacks network permission for it (${
          message(error)
        }): ${permissionFix(`--allow-net=${netHost(config.host)}`)}`,
        { cause: error },
      );
    }
    throw new StartupError(
      `Cannot listen on ${config.host}:${config.port}: ${message(error)}`,
      { cause: error },
    );
  }
  const port = server.addr.port;
  const hostForUrl = config.host.includes(":")
    ? `[${config.host}]`
    : config.host;
  const url = `http://${hostForUrl}:${port}`;
  bound.port = port;
  // A wildcard bind is not a name a browser can use; loopback is.
  const loginHost = config.host === "0.0.0.0" || config.host === "::"
    ? "127.0.0.1"
    : hostForUrl;
  loginBase = `http://${loginHost}:${port}/login?code=`;
  const loginUrl = token === undefined
    ? undefined
    : loginBase + app.security.issueLoginCode();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // Stop accepting first, then stop the children while the open SSE
      // streams still carry their `stopping`/`stopped` transitions, then end
      // the streams (Deno.serve's shutdown waits for open responses).
      const draining = server.shutdown();
      try {
        await services.close();
      } finally {
        await draining;
        db.close();
      }
    })();
    return closing;
  };
  return {
    url,
    port,
    token,
    loginUrl,
    routes: app.routes,
    broker,
    supervisor,
    runs,
    listen,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function parentDir(file: string): string {
  return file.includes("/") ? file.slice(0, file.lastIndexOf("/")) : ".";
}

async function ensureParentDir(file: string): Promise<void> {
  if (file === ":memory:") return;
  const dir = parentDir(file);
  if (dir === "") return;
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (error) {
    throw new StartupError(
      `Cannot create the data directory ${dir}: ${message(error)}${
        lacksPermission(error)
          ? `; ${permissionFix(`--allow-write=${dir}`)}`
          : ""
      }`,
      { cause: error },
    );
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Options for {@linkcode main}. */
export interface MainOptions {
  /**
   * Shuts Flock down like a signal when it resolves: the launcher's lifeline
   * ending (`server/cli.ts`).
   */
  stop?: Promise<void>;
}

/** The CLI entry point: parse, start, wait for a signal, shut down. */
export async function main(
  args: readonly string[],
  options: MainOptions = {},
): Promise<number> {
  const parsed = readCommandLine(args);
  if (parsed.kind === "exit") return parsed.code;
  // The handlers go in before anything starts, so a signal that arrives
  // while Flock starts (or right after it prints its address) shuts it down
  // in order instead of killing it with the default action.
  let running: RunningFlock | undefined;
  using signals = watchShutdownSignals({
    onForce(name) {
      const killed = running?.supervisor.killNow() ?? 0;
      print(
        "stderr",
        `flock: second ${name}, exiting at once (killed ${killed} OpenCode child(ren); the next start reaps what is left)`,
      );
      Deno.exit(130);
    },
  });
  let flock: RunningFlock;
  try {
    flock = await runFlock(parsed.config);
    running = flock;
  } catch (error) {
    if (error instanceof StartupError) {
      print("stderr", `flock: ${error.message}`);
      return 1;
    }
    throw error;
  }
  print("stdout", `Flock ${VERSION} listening on ${flock.url}`);
  if (parsed.config.generateToken && flock.token !== undefined) {
    print(
      "stdout",
      `API token (send as Authorization: Bearer): ${flock.token}`,
    );
  }
  if (flock.loginUrl !== undefined) {
    print(
      "stdout",
      `Log in a browser once with: ${flock.loginUrl} (the link works once)`,
    );
  }

  const reason = await Promise.race([
    signals.first.then((signal) => `Received ${signal}`),
    ...(options.stop ? [options.stop.then(() => "The launcher is gone")] : []),
  ]);
  log.info(`${reason}, shutting down`);
  const hardExit = setTimeout(() => {
    flock.supervisor.killNow();
    print("stderr", "flock: shutdown took too long, exiting");
    Deno.exit(1);
  }, 20_000);
  try {
    await flock.close();
  } finally {
    clearTimeout(hardExit);
  }
  log.info("Flock stopped");
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
