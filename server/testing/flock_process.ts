/**
 * Starts Flock as a real child process for tests that need signals and exit
 * codes: either `server/main.ts` under exactly the permissions the launcher
 * would give it for these flags (`narrowFlags`), or, as a user does, through
 * `deno task serve` (the launcher itself).
 *
 * @module
 */
import { type Config, parseConfig, UsageError } from "../config.ts";
import {
  grantFlags,
  type Grants,
  launcherFlags,
  narrowGrants,
} from "../launcher/grants.ts";
import { resolveLaunchNeeds } from "../launcher/needs.ts";
import { launchFacts } from "../launcher/launch.ts";
import { descendants } from "./procfs.ts";

const ROOT = new URL("../../", import.meta.url);

/** Options for {@linkcode narrowFlags}. */
export interface NarrowFlagsOptions {
  /** Flock's command line. */
  args?: readonly string[];
  /** Flock's HOME. */
  home: string;
  /** Flock's environment on top of this process's. */
  env?: Record<string, string>;
  /** Changes the grants (to test a permission Flock lacks). */
  adjust?: (grants: Grants) => Grants;
}

/**
 * The `deno run` permission flags the launcher gives Flock for a command
 * line, computed for the environment the test gives the child (a bad
 * command line gets those of no flags: Flock exits before it needs any).
 */
export function narrowFlags(options: NarrowFlagsOptions): string[] {
  const env: Record<string, string | undefined> = {
    ...Deno.env.toObject(),
    ...options.env,
    HOME: options.home,
  };
  const get = (name: string) => env[name];
  const configOf = (args: readonly string[]): Config | undefined => {
    try {
      const parsed = parseConfig(args, { os: Deno.build.os, get });
      return parsed.kind === "run" ? parsed.config : undefined;
    } catch (error) {
      if (error instanceof UsageError) return undefined;
      throw error;
    }
  };
  const config = configOf(options.args ?? []) ?? configOf([]);
  if (config === undefined) {
    throw new Error("Cannot parse an empty command line");
  }
  const grants: Grants = narrowGrants(
    resolveLaunchNeeds(config, launchFacts(get, ROOT.pathname)),
  );
  return grantFlags(options.adjust ? options.adjust(grants) : grants);
}

/** Options for {@linkcode startFlockProcess}. */
export interface FlockProcessOptions {
  /** Extra CLI args, e.g. `["--port", "0"]`. */
  args?: string[];
  /** The child's HOME (its default data dir lives below it). */
  home: string;
  /** Extra environment (merged over the parent's). */
  env?: Record<string, string>;
  /** Run in a new process group (so a test can signal the whole group). */
  ownGroup?: boolean;
  /**
   * How Flock is started:
   * - `main` (default): `deno run` of `server/main.ts` with the launcher's
   *   flags for these args (`narrowFlags`); `pid` is Flock's own.
   * - `launcher`: `deno run <launcherFlags> server/cli.ts`; `pid` is the
   *   launcher's, Flock is its child.
   * - `serve` / `start`: `deno task serve|start`, as a user does (the task
   *   runner, then the launcher, then Flock; `start` installs and builds
   *   first). Signals to the group also reach the task runner and the
   *   launcher, which forward them.
   */
  via?: "main" | "launcher" | "serve" | "start";
  /** The same as `via: "serve"`. */
  viaTask?: boolean;
  /** Changes the launcher's grants (`via: "main"` only). */
  adjust?: (grants: Grants) => Grants;
  /** Wait for the listening line. Default true. */
  waitForListening?: boolean;
}

/** A running Flock process. */
export interface FlockProcess extends AsyncDisposable {
  readonly child: Deno.ChildProcess;
  readonly pid: number;
  /** The base URL once listening (empty when not waited for). */
  readonly url: string;
  /** Everything printed so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves with the exit status and the full output. */
  readonly exited: Promise<
    { code: number; signal: Deno.Signal | null; stdout: string; stderr: string }
  >;
}

/** The `deno` arguments for each way to start Flock. */
function commandLine(
  via: NonNullable<FlockProcessOptions["via"]>,
  options: FlockProcessOptions,
  env: Record<string, string>,
): string[] {
  const args = options.args ?? [];
  switch (via) {
    case "start":
    case "serve":
      return ["task", "-q", via, ...args];
    case "launcher":
      return [
        "run",
        ...launcherFlags(Deno.execPath()),
        "server/cli.ts",
        ...args,
      ];
    case "main":
      return [
        "run",
        ...narrowFlags({
          args,
          home: options.home,
          env,
          ...(options.adjust === undefined ? {} : { adjust: options.adjust }),
        }),
        "server/main.ts",
        ...args,
      ];
  }
}

/** Starts Flock (see {@linkcode FlockProcessOptions.via}) and, by default, waits until it listens. */
export async function startFlockProcess(
  options: FlockProcessOptions,
): Promise<FlockProcess> {
  const denoDir = await denoCacheDir();
  const env = { DENO_DIR: denoDir, NO_COLOR: "1", ...options.env };
  const via = options.via ?? (options.viaTask ? "serve" : "main");
  const child = new Deno.Command(Deno.execPath(), {
    args: commandLine(via, options, env),
    cwd: ROOT,
    env: { ...env, HOME: options.home },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: options.ownGroup ?? false,
  }).spawn();
  let stdout = "";
  let stderr = "";
  const { promise: listening, resolve: onListening } = Promise.withResolvers<
    string
  >();
  const pump = async (
    stream: ReadableStream<Uint8Array<ArrayBuffer>>,
    which: "out" | "err",
  ) => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      if (which === "out") {
        stdout += chunk;
        const m = stdout.match(/listening on (http:\/\/\S+)/);
        if (m?.[1]) onListening(m[1]);
      } else {
        stderr += chunk;
      }
    }
  };
  const pumps = Promise.all([
    pump(child.stdout, "out"),
    pump(child.stderr, "err"),
  ]);
  const exited = (async () => {
    const status = await child.status;
    await pumps;
    return { code: status.code, signal: status.signal, stdout, stderr };
  })();
  let url = "";
  if (options.waitForListening ?? true) {
    // `start` installs and builds the client first.
    const seconds = via === "start" ? 180 : 20;
    const timeout = Promise.withResolvers<never>();
    const timer = setTimeout(
      () =>
        timeout.reject(
          new Error(
            `Flock did not listen within ${seconds} s:\n${stdout}\n${stderr}`,
          ),
        ),
      seconds * 1000,
    );
    try {
      url = await Promise.race([
        listening,
        exited.then((s) => {
          throw new Error(
            `Flock exited with ${s.code} before listening:\n${s.stdout}\n${s.stderr}`,
          );
        }),
        timeout.promise,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
  return {
    child,
    pid: child.pid,
    url,
    output: () => ({ stdout, stderr }),
    exited,
    async [Symbol.asyncDispose]() {
      if (via === "main") {
        // Flock's OpenCode children run detached: kill the whole tree, or a
        // test that fails midway leaves them orphaned.
        const pids = [child.pid, ...descendants(child.pid).map((p) => p.pid)];
        for (const pid of pids) {
          try {
            Deno.kill(pid, "SIGKILL");
          } catch {
            // already gone
          }
        }
      } else {
        await stopTree(child, exited);
      }
      await exited;
    },
  };
}

/**
 * Stops a task runner or launcher and what it started: SIGTERM (which they
 * forward, so Flock stops its children), then after 15 s SIGKILL to every
 * process of the tree (a SIGKILL to the top alone would leave the rest).
 */
async function stopTree(
  child: Deno.ChildProcess,
  exited: Promise<unknown>,
): Promise<void> {
  const tree = () => [child.pid, ...descendants(child.pid).map((p) => p.pid)];
  try {
    child.kill("SIGTERM");
  } catch {
    return; // already gone
  }
  const late = Promise.withResolvers<"late">();
  const timer = setTimeout(() => late.resolve("late"), 15_000);
  const pids = tree();
  const outcome = await Promise.race([exited, late.promise]);
  clearTimeout(timer);
  if (outcome !== "late") return;
  for (const pid of new Set([...pids, ...tree()])) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
}

let cachedDenoDir: string | undefined;

/** The Deno cache directory of the running Deno (so children need no download). */
export async function denoCacheDir(): Promise<string> {
  if (cachedDenoDir) return cachedDenoDir;
  const env = Deno.env.get("DENO_DIR");
  if (env) return cachedDenoDir = env;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
    stderr: "null",
  }).output();
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    denoDir: string;
  };
  return cachedDenoDir = info.denoDir;
}
