/**
 * Starts Flock as a separate process for the benchmarks, so its RSS and
 * start-up are its own and the measuring clients never share its event
 * loop.
 *
 * The permissions are the ones the launcher gives Flock for the same flags
 * (`narrowFlags`), so a synthetic run allows the synthetic `opencode` script
 * it names with `--opencode`.
 *
 * @module
 */
import { denoCacheDir, narrowFlags } from "../server/testing/flock_process.ts";
import type { ProcessTracker, TrackedChild } from "./processes.ts";

/** The repository root (a directory path, no trailing slash). */
export const ROOT = new URL("../", import.meta.url).pathname.replace(
  /\/$/,
  "",
);

/** The stand-in OpenCode binary that runs the synthetic upstream. */
export const SYNTHETIC_OPENCODE = `${ROOT}/bench/synthetic_opencode.sh`;

/** The OpenCode binary pinned by `deno install`. */
export const PINNED_OPENCODE =
  `${ROOT}/node_modules/opencode-linux-x64/bin/opencode`;

/** Options for {@linkcode startFlock}. */
export interface StartFlockOptions {
  /** Flock's HOME; its data dir is `<home>/.local/share/flock`. */
  home: string;
  /** The OpenCode binary for the children (default: Flock's own choice). */
  opencode?: string;
  /** Extra CLI args. */
  args?: string[];
  /** Extra environment (children inherit it). */
  env?: Record<string, string>;
  /** A fixed port (default 0: any free one). */
  port?: number;
  /** Wait for the listening line. Default true. */
  wait?: boolean;
  /** Open the V8 inspector on a free port (for CPU profiles). */
  inspect?: boolean;
  /** Write a V8 CPU profile of the whole run into this directory at exit. */
  cpuProfDir?: string;
  /**
   * Run Flock under this command (e.g. `valgrind --tool=callgrind …`):
   * Deno and its arguments are appended. The pid is then the wrapper's.
   * Flock then runs with `-A`: valgrind puts `LD_PRELOAD` in the
   * environment, and Deno refuses to pass that to a child under a scoped
   * `--allow-run`.
   */
  wrap?: string[];
}

/** A Flock process under test. */
export interface FlockServer {
  readonly child: TrackedChild;
  readonly pid: number;
  /** The base URL (empty when not waited for). */
  readonly url: string;
  /** When the process was spawned (shared clock, ms). */
  readonly spawnedAt: number;
}

/** A free TCP port on 127.0.0.1 (released before it is returned). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Starts Flock and (by default) waits until it prints its listening line. */
export async function startFlock(
  tracker: ProcessTracker,
  options: StartFlockOptions,
): Promise<FlockServer> {
  const flockArgs = [
    "--port",
    String(options.port ?? 0),
    ...(options.opencode === undefined ? [] : ["--opencode", options.opencode]),
    ...(options.args ?? []),
  ];
  const env = {
    DENO_DIR: await denoCacheDir(),
    FLOCK_BENCH_DENO: Deno.execPath(),
    ...options.env,
  };
  const args = [
    "run",
    ...(options.inspect ? ["--inspect=127.0.0.1:0"] : []),
    ...(options.cpuProfDir === undefined
      ? []
      : ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfDir}`]),
    ...(options.wrap === undefined
      ? narrowFlags({ args: flockArgs, home: options.home, env })
      : ["-A"]),
    "server/main.ts",
    ...flockArgs,
  ];
  const spawnedAt = performance.timeOrigin + performance.now();
  const [command, ...prefix] = [...(options.wrap ?? []), Deno.execPath()];
  const child = tracker.spawn({
    name: "flock",
    command: command!,
    args: [...prefix, ...args],
    cwd: ROOT,
    env: { ...env, HOME: options.home },
  });
  let url = "";
  if (options.wait ?? true) {
    const match = await child.waitForLine(
      /listening on (http:\/\/\S+)/,
      options.wrap === undefined ? 30_000 : 600_000,
    );
    url = match[1] ?? "";
  }
  return { child, pid: child.pid, url, spawnedAt };
}
