/**
 * Runs the `git` CLI through the injected spawn function (`SpawnFn`): never through a
 * shell, arguments always as an array, with an environment that keeps git
 * from prompting, paging, opening an editor or taking optional locks, and
 * with English messages (`LC_ALL=C`).
 *
 * Every other module in `server/git/` runs git through a {@linkcode GitRunner}.
 *
 * @module
 */
import {
  type ChildHandle,
  spawnChild,
  type SpawnFn,
} from "../opencode/spawn.ts";
import {
  GitCommandError,
  GitNotFoundError,
  GitVersionError,
} from "./git_errors.ts";

/** The oldest git Flock supports (`merge-tree --write-tree` came in 2.38). */
export const MIN_GIT_VERSION: readonly [number, number] = [2, 38];

/** Options for {@linkcode GitRunner}. */
export interface GitRunnerOptions {
  /** Starts processes. Default: `spawnChild`. */
  spawn?: SpawnFn;
  /** The git executable. Default: `git` (found on PATH). */
  binary?: string;
  /**
   * Variables added to every run (tests pass `GIT_CONFIG_GLOBAL=/dev/null`,
   * `GIT_CONFIG_NOSYSTEM=1` and an author/committer).
   */
  env?: Readonly<Record<string, string>>;
  /** A run taking longer is killed. Default 120 000 ms. */
  timeoutMs?: number;
}

/** Options for one {@linkcode GitRunner.run}. */
export interface GitRunOptions {
  /** The directory git works in (`git -C <dir>`). Default: Flock's cwd. */
  dir?: string;
  /** Exit codes that are not failures. Default `[0]`. */
  okCodes?: readonly number[];
  /** Extra variables for this run (e.g. `GIT_INDEX_FILE`). */
  env?: Readonly<Record<string, string>>;
}

/** What a git run produced. */
export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The parsed `git --version`. */
export interface GitVersion {
  /** As git prints it, e.g. `2.39.5`. */
  text: string;
  major: number;
  minor: number;
}

/** Variables that make git non-interactive and its output predictable. */
const BASE_ENV: Readonly<Record<string, string>> = {
  GIT_TERMINAL_PROMPT: "0",
  GIT_OPTIONAL_LOCKS: "0",
  GIT_PAGER: "cat",
  PAGER: "cat",
  GIT_EDITOR: "true",
  GIT_MERGE_AUTOEDIT: "no",
  LC_ALL: "C",
};

/**
 * Parses `git version 2.39.5` (and vendor suffixes such as
 * `2.39.3 (Apple Git-146)`).
 *
 * @returns null when the text is not a git version line.
 */
export function parseGitVersion(output: string): GitVersion | null {
  const match = /^git version (\d+)\.(\d+)(\S*)/.exec(output.trim());
  if (!match) return null;
  return {
    text: `${match[1]}.${match[2]}${match[3]}`,
    major: Number(match[1]),
    minor: Number(match[2]),
  };
}

/**
 * Runs git. Checks once (per runner) that git exists and is new enough; a
 * failed check is not cached, so installing git fixes it without a restart.
 *
 * @example
 * ```ts
 * const git = new GitRunner();
 * const { stdout } = await git.run(["rev-parse", "HEAD"], { dir: "/repo" });
 * ```
 */
export class GitRunner {
  readonly binary: string;
  readonly #spawn: SpawnFn;
  readonly #env: Readonly<Record<string, string>>;
  readonly #timeoutMs: number;
  #checked: Promise<GitVersion> | undefined;
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(options: GitRunnerOptions = {}) {
    this.binary = options.binary ?? "git";
    this.#spawn = options.spawn ?? spawnChild;
    this.#env = { ...BASE_ENV, ...options.env };
    this.#timeoutMs = options.timeoutMs ?? 120_000;
  }

  /**
   * The installed git's version (checked to be at least
   * {@linkcode MIN_GIT_VERSION}).
   *
   * @throws {GitNotFoundError} when git cannot be started.
   * @throws {GitVersionError} when git is too old.
   */
  version(): Promise<GitVersion> {
    if (!this.#checked) {
      const check = this.#check();
      this.#checked = check;
      check.catch(() => {
        if (this.#checked === check) this.#checked = undefined;
      });
    }
    return this.#checked;
  }

  /**
   * Runs `git [-C dir] <args>` to completion.
   *
   * @throws {GitNotFoundError} when git cannot be started.
   * @throws {GitVersionError} when git is too old.
   * @throws {GitCommandError} when it exits with a code not in `okCodes`,
   * or times out.
   */
  async run(
    args: readonly string[],
    options: GitRunOptions = {},
  ): Promise<GitResult> {
    await this.version();
    return await this.#exec(args, options);
  }

  /**
   * Runs `fn` after every earlier call with the same key has settled (used
   * for files several runs must not write at once, e.g. a scratch index).
   */
  serialize<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const settled = next.then(() => {}, () => {});
    this.#queues.set(key, settled);
    settled.then(() => {
      if (this.#queues.get(key) === settled) this.#queues.delete(key);
    });
    return next;
  }

  async #check(): Promise<GitVersion> {
    const result = await this.#exec(["--version"], {});
    const version = parseGitVersion(result.stdout);
    if (!version) {
      throw new GitCommandError(
        ["--version"],
        result.code,
        result.stdout,
        "its version output is not recognised",
      );
    }
    const [major, minor] = MIN_GIT_VERSION;
    if (
      version.major < major ||
      (version.major === major && version.minor < minor)
    ) {
      throw new GitVersionError(version.text, `${major}.${minor}`);
    }
    return version;
  }

  async #exec(
    args: readonly string[],
    options: GitRunOptions,
  ): Promise<GitResult> {
    const fullArgs = options.dir === undefined
      ? [...args]
      : ["-C", options.dir, ...args];
    let child: ChildHandle;
    try {
      child = this.#spawn({
        command: this.binary,
        args: fullArgs,
        env: { ...this.#env, ...options.env },
      });
    } catch (error) {
      if (isNotFound(error)) {
        throw new GitNotFoundError(this.binary, { cause: error });
      }
      const reason = error instanceof Error ? error.message : String(error);
      throw new GitCommandError(args, -1, reason, "it could not be started");
    }
    const result = await collect(child, this.#timeoutMs);
    if (result.timedOut) {
      throw new GitCommandError(
        args,
        result.code,
        result.stderr,
        `it took longer than ${this.#timeoutMs} ms`,
      );
    }
    if (!(options.okCodes ?? [0]).includes(result.code)) {
      throw new GitCommandError(args, result.code, result.stderr);
    }
    return { code: result.code, stdout: result.stdout, stderr: result.stderr };
  }
}

/** Reads a stream to its end as text, or until `stop` is aborted. */
async function readText(
  stream: ReadableStream<Uint8Array>,
  stop: AbortSignal,
): Promise<string> {
  const reader = stream.getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  stop.addEventListener("abort", cancel, { once: true });
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // Cancelled after the timeout.
  } finally {
    stop.removeEventListener("abort", cancel);
  }
  return text + decoder.decode();
}

/**
 * Collects a child's output and exit code; after `timeoutMs` it is killed
 * and its pipes are let go (a hook it started may still hold them).
 */
async function collect(
  child: ChildHandle,
  timeoutMs: number,
): Promise<GitResult & { timedOut: boolean }> {
  const stop = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
    stop.abort();
  }, timeoutMs);
  try {
    const [stdout, stderr, status] = await Promise.all([
      readText(child.stdout, stop.signal),
      readText(child.stderr, stop.signal),
      child.status,
    ]);
    return { code: status.code, stdout, stderr, timedOut };
  } finally {
    clearTimeout(timer);
  }
}

function isNotFound(error: unknown): boolean {
  if (error instanceof Deno.errors.NotFound) return true;
  return error instanceof Error && error.cause instanceof Deno.errors.NotFound;
}
