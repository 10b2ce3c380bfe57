/**
 * The only module that starts processes (`Deno.Command`). Everything else
 * gets a {@linkcode SpawnFn} injected.
 *
 * @module
 */

/** What to run. */
export interface SpawnOptions {
  /** The executable (an absolute path, so `--allow-run=<path>` matches). */
  command: string;
  args: readonly string[];
  /** The working directory. Default: Flock's. */
  cwd?: string;
  /** Variables added to (or overriding) the inherited environment. */
  env?: Readonly<Record<string, string>>;
  /**
   * Start the child in its own session and process group, so a Ctrl+C
   * (SIGINT to Flock's process group) does not reach it.
   */
  detached?: boolean;
  /** `"piped"` gives the handle a writable `stdin`. Default `"null"`. */
  stdin?: "null" | "piped";
}

/** How a child ended. */
export interface ChildExit {
  /** The exit code; 128 + n when killed by signal n. */
  code: number;
  /** The signal that killed it, if one did. */
  signal: Deno.Signal | null;
}

/** A running child with piped stdout and stderr. */
export interface ChildHandle {
  readonly pid: number;
  /** Present when spawned with `stdin: "piped"`; closing it sends EOF. */
  readonly stdin?: WritableStream<Uint8Array>;
  /** Resolves when the child has exited and been reaped. Never rejects. */
  readonly status: Promise<ChildExit>;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  /**
   * Signals the child itself (not its process group).
   *
   * @returns false when the child has already exited.
   */
  kill(signal: Deno.Signal): boolean;
}

/** Starts a child. Throws {@linkcode SpawnError} when it cannot start. */
export type SpawnFn = (options: SpawnOptions) => ChildHandle;

/** A process could not be started (missing file, no permission, not executable). */
export class SpawnError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SpawnError";
  }
}

/**
 * Starts `options.command` with stdout/stderr piped (and stdin closed unless
 * asked for). The caller owns the handle and must read (or cancel) both
 * streams, close `stdin` if it asked for it, and await `status`.
 *
 * @throws {SpawnError} when the process cannot be started.
 */
export const spawnChild: SpawnFn = (options) => {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(options.command, {
      args: [...options.args],
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      ...(options.env === undefined ? {} : { env: { ...options.env } }),
      stdin: options.stdin ?? "null",
      stdout: "piped",
      stderr: "piped",
      detached: options.detached ?? false,
    }).spawn();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SpawnError(`Cannot start ${options.command}: ${reason}`, {
      cause: error,
    });
  }
  let exited = false;
  const status = child.status.then(
    (s): ChildExit => {
      exited = true;
      return { code: s.code, signal: s.signal };
    },
    (): ChildExit => {
      exited = true;
      return { code: -1, signal: null };
    },
  );
  return {
    pid: child.pid,
    ...(options.stdin === "piped" ? { stdin: child.stdin } : {}),
    status,
    stdout: child.stdout,
    stderr: child.stderr,
    kill(signal) {
      if (exited) return false;
      try {
        child.kill(signal);
        return true;
      } catch {
        // It exited between the check and the kill.
        return false;
      }
    },
  };
};
