/**
 * Every process the bench starts goes through {@linkcode ProcessTracker},
 * which kills them all at the end, even when a bench section fails.
 *
 * Each child gets `FLOCK_BENCH_RUN=<id>` in its environment. Flock hands its
 * environment on to the OpenCode children it spawns, so at cleanup the
 * tracker stops its own children (SIGTERM, then SIGKILL), then kills every
 * descendant it recorded and every process whose environment still carries
 * the run id (tool subprocesses re-parented to init, for example).
 *
 * @module
 */
import { descendantsOf, ProcReader } from "../server/processes/procfs.ts";

/** A child the tracker owns. */
export interface TrackedChild {
  readonly name: string;
  readonly pid: number;
  readonly child: Deno.ChildProcess;
  /** stdout and stderr so far (kept for error messages). */
  output(): string;
  /** Resolves when the child has exited and its output is drained. */
  readonly exited: Promise<Deno.CommandStatus>;
  /** Resolves with the first stdout line that matches, or rejects on exit/timeout. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
}

/** Options for {@linkcode ProcessTracker.spawn}. */
export interface SpawnTrackedOptions {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** Keep at most this many characters of output. Default 64 KiB. */
  keepOutput?: number;
}

const reader = new ProcReader();

/** Every live pid on the machine with its parent (Linux `/proc`). */
export function processTable(): Map<number, number> {
  return new Map(reader.all().map((p) => [p.pid, p.ppid]));
}

/** Every descendant of `root` (not `root` itself). */
export function descendants(
  root: number,
  table = processTable(),
): number[] {
  const list = [...table].map(([pid, ppid]) => ({ pid, ppid }));
  return descendantsOf([root], list).map((p) => p.pid);
}

/** Pids whose environment contains `key=value`. */
export function processesWithEnv(key: string, value: string): number[] {
  return reader.withEnv(key, value).map((p) => p.pid)
    .filter((pid) => pid !== Deno.pid);
}

/** The resident set size of `pid` in bytes (`VmRSS` of `/proc/<pid>/status`). */
export function rssBytes(pid: number): number {
  const rss = reader.rssBytes(pid);
  if (rss === null) throw new Error(`Cannot read VmRSS of pid ${pid}`);
  return rss;
}

/** One environment variable of a live process, read from `/proc`. */
export function processEnv(pid: number, key: string): string | undefined {
  return reader.environ(pid)?.[key];
}

function kill(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(pid, signal);
  } catch {
    // gone already
  }
}

/** The start time of a live (non-zombie) process, which with its pid names it uniquely. */
function startTime(pid: number): number | undefined {
  return reader.stat(pid)?.start;
}

/** Owns the bench's processes; see the module documentation. */
export class ProcessTracker implements AsyncDisposable {
  readonly runId = crypto.randomUUID();
  #children = new Set<TrackedChild>();
  /** Every pid seen as a child or descendant, with its start time. */
  #seen = new Map<number, number>();

  #remember(pid: number): void {
    const start = startTime(pid);
    if (start !== undefined && !this.#seen.has(pid)) this.#seen.set(pid, start);
  }

  /** Whether `pid` is still the process that was recorded. */
  #stillOurs(pid: number): boolean {
    const start = startTime(pid);
    return start !== undefined && this.#seen.get(pid) === start;
  }

  /** The environment marker every child carries. */
  get marker(): Record<string, string> {
    return { FLOCK_BENCH_RUN: this.runId };
  }

  /** Starts a child with piped output, stdin closed and the run marker. */
  spawn(options: SpawnTrackedOptions): TrackedChild {
    const keep = options.keepOutput ?? 64 * 1024;
    const child = new Deno.Command(options.command, {
      args: options.args,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      env: { NO_COLOR: "1", ...options.env, ...this.marker },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let output = "";
    let stdoutText = "";
    const lineWaiters: Array<() => void> = [];
    const append = (text: string, isStdout: boolean) => {
      output = (output + text).slice(-keep);
      if (isStdout) {
        stdoutText = (stdoutText + text).slice(-keep);
        for (const wake of lineWaiters.splice(0)) wake();
      }
    };
    const pump = async (
      stream: ReadableStream<Uint8Array<ArrayBuffer>>,
      isStdout: boolean,
    ) => {
      try {
        for await (const text of stream.pipeThrough(new TextDecoderStream())) {
          append(text, isStdout);
        }
      } catch {
        // the child went away
      }
    };
    const pumps = Promise.all([
      pump(child.stdout, true),
      pump(child.stderr, false),
    ]);
    const exited = (async () => {
      const status = await child.status;
      await pumps;
      for (const wake of lineWaiters.splice(0)) wake();
      return status;
    })();
    let done = false;
    exited.then(() => done = true);
    const tracked: TrackedChild = {
      name: options.name,
      pid: child.pid,
      child,
      output: () => output,
      exited,
      async waitForLine(pattern, timeoutMs) {
        const deadline = performance.now() + timeoutMs;
        while (true) {
          for (const line of stdoutText.split("\n")) {
            const match = line.match(pattern);
            if (match) return match;
          }
          if (done) {
            throw new Error(
              `${options.name} exited before printing ${pattern}:\n${output}`,
            );
          }
          const left = deadline - performance.now();
          if (left <= 0) {
            throw new Error(
              `${options.name} did not print ${pattern} within ${timeoutMs} ms:\n${output}`,
            );
          }
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, left);
            lineWaiters.push(() => {
              clearTimeout(timer);
              resolve();
            });
          });
        }
      },
    };
    this.#children.add(tracked);
    this.#remember(child.pid);
    return tracked;
  }

  /** Records the current descendants of every tracked child (call while they run). */
  recordDescendants(): void {
    const table = processTable();
    for (const child of this.#children) {
      for (const pid of descendants(child.pid, table)) this.#remember(pid);
    }
  }

  /**
   * Stops one child: SIGTERM, then SIGKILL after `graceMs`. Its recorded
   * descendants that survive are killed too.
   */
  async stop(child: TrackedChild, graceMs = 3000): Promise<void> {
    const table = processTable();
    const family = descendants(child.pid, table);
    for (const pid of family) this.#remember(pid);
    const signal = (sig: Deno.Signal) => {
      try {
        child.child.kill(sig);
      } catch {
        // exited already
      }
    };
    signal("SIGTERM");
    const timer = setTimeout(() => signal("SIGKILL"), graceMs);
    try {
      await child.exited;
    } finally {
      clearTimeout(timer);
    }
    this.#children.delete(child);
    await this.#reap(family, 1000);
  }

  async #reap(pids: readonly number[], graceMs: number): Promise<void> {
    const deadline = performance.now() + graceMs;
    let left = pids.filter((pid) => this.#stillOurs(pid));
    while (left.length > 0 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      left = left.filter((pid) => this.#stillOurs(pid));
    }
    for (const pid of left) kill(pid, "SIGKILL");
  }

  /** Stops every child and kills every straggler of this run. */
  async stopAll(): Promise<void> {
    this.recordDescendants();
    await Promise.all([...this.#children].map((child) => this.stop(child)));
    const stragglers = new Set([
      ...[...this.#seen.keys()].filter((pid) => this.#stillOurs(pid)),
      ...processesWithEnv("FLOCK_BENCH_RUN", this.runId),
    ]);
    stragglers.delete(Deno.pid);
    for (const pid of stragglers) kill(pid, "SIGKILL");
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stopAll();
  }
}
