/**
 * Process-tree work for the supervisor through one long-lived helper
 * process (`proc_helper.ts` under Bun inside the OpenCode binary), shared by
 * every instance: started on the first request, requests multiplexed by id
 * over its stdin/stdout, started again on the next request if it died,
 * closed after `idleMs` without requests and when disposed. At most one
 * helper runs at a time (plus, briefly, one that is exiting).
 *
 * Why a helper at all: with Flock's scoped permissions Deno refuses to read
 * `/proc` and to signal any pid but its direct children. Why one: a
 * short-lived helper per operation cost ~55 MB and ~60 ms each, two or three
 * per stopped instance, all at once when many stop together.
 *
 * @module
 */
import { type Clock, systemClock, within } from "../clock.ts";
import { decodeText, LineSplitStream } from "../opencode/output.ts";
import {
  type ChildHandle,
  spawnChild,
  type SpawnFn,
} from "../opencode/spawn.ts";
import {
  helperCommand,
  parseLine,
  parseResult,
  ProcessHelperError,
} from "./helper_protocol.ts";
import type {
  HelperOp,
  HelperResults,
  HelperSignal,
  KillResult,
  KillTarget,
} from "./proc_helper.ts";
import type { ProcessInfo } from "./procfs.ts";

/** What to scan for. */
export interface ScanOptions {
  /** Pids whose descendants are wanted. */
  roots: number[];
  /** Include the roots themselves. */
  includeRoots?: boolean;
  /** Also every process whose environment has `key=value`. */
  envMatch?: { key: string; value: string };
  /** Environment variables to report for each process found. */
  envKeys?: string[];
  /** Also report each process's resident set size (`rssBytes`). */
  rss?: boolean;
}

/**
 * Process-tree operations. Every method may throw
 * {@linkcode ProcessHelperError} when the work cannot be done.
 */
export interface ProcessTree {
  /** Describes the given pids; dead ones (and zombies) are left out. */
  inspect(pids: number[], envKeys?: string[]): Promise<ProcessInfo[]>;
  /** Descendants of roots and marked processes, never Flock itself. */
  scan(options: ScanOptions): Promise<ProcessInfo[]>;
  /**
   * Signals the targets whose start time still matches, then SIGKILLs those
   * alive after `graceMs` (when given).
   */
  kill(
    targets: KillTarget[],
    signal: HelperSignal,
    graceMs?: number,
  ): Promise<KillResult>;
}

/** Options for {@linkcode ProcessHelper}. */
export interface ProcessHelperOptions {
  /** The OpenCode binary to run it with; called at each start. May throw. */
  binary: () => string;
  /** Default {@linkcode spawnChild}. */
  spawn?: SpawnFn;
  clock?: Clock;
  /** Limit for starting, and for each answer beyond its grace period, in ms. Default 10 000. */
  timeoutMs?: number;
  /** Close the helper after this long without requests, in ms. Default 30 000. */
  idleMs?: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** One helper process and its requests in flight. */
class HelperProcess {
  readonly child: ChildHandle;
  readonly pending = new Map<number, Pending>();
  readonly ready = Promise.withResolvers<void>();
  readonly done: Promise<void>;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #stderr = "";
  #failure: ProcessHelperError | null = null;

  constructor(child: ChildHandle, clock: Clock) {
    this.child = child;
    if (!child.stdin) throw new ProcessHelperError("The helper has no stdin");
    this.#writer = child.stdin.getWriter();
    this.#writer.closed.catch(() => {});
    const stdout = decodeText(child.stdout)
      .pipeThrough(new LineSplitStream(64 * 1024 * 1024));
    const stderr = decodeText(child.stderr);
    const reading = Promise.all([
      this.#readStdout(stdout),
      this.#readStderr(stderr),
    ]);
    this.done = child.status.then(async (exit) => {
      // A grandchild may hold the pipes open (a shell script as "OpenCode").
      if (await within(clock, reading, 1000) === undefined) {
        await Promise.all([stdout.cancel(), stderr.cancel()]).catch(() => {});
      }
      this.#fail(
        `Cannot use the process helper as it exited (exit code ${exit.code})${
          this.#stderr.trim() ? `: ${this.#stderr.trim().slice(-500)}` : ""
        }`,
      );
    });
  }

  #fail(message: string): void {
    this.#failure ??= new ProcessHelperError(message);
    this.ready.reject(this.#failure);
    for (const p of this.pending.values()) p.reject(this.#failure);
    this.pending.clear();
  }

  async #readStdout(lines: ReadableStream<string>): Promise<void> {
    try {
      for await (const line of lines) {
        const parsed = parseLine(line);
        if (parsed.kind === "ready") {
          this.ready.resolve();
          continue;
        }
        const pending = this.pending.get(parsed.id);
        this.pending.delete(parsed.id);
        if (!pending) continue;
        if (parsed.ok) pending.resolve(parsed.result);
        else {
          pending.reject(
            new ProcessHelperError(
              `Cannot complete the process helper request: ${parsed.error}`,
            ),
          );
        }
      }
    } catch (error) {
      this.#fail(error instanceof Error ? error.message : String(error));
      this.child.kill("SIGKILL");
    }
  }

  async #readStderr(text: ReadableStream<string>): Promise<void> {
    try {
      for await (const chunk of text) {
        this.#stderr = (this.#stderr + chunk).slice(-2000);
      }
    } catch {
      // Gone.
    }
  }

  send(id: number, op: HelperOp): Promise<unknown> {
    if (this.#failure) return Promise.reject(this.#failure);
    const answer = new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
    });
    const line = new TextEncoder().encode(JSON.stringify({ id, ...op }) + "\n");
    this.#writer.write(line).catch((error) => {
      this.#fail(`Cannot write to the process helper: ${error}`);
    });
    return answer;
  }

  /** Closes stdin (the helper exits), SIGKILL after `graceMs`. */
  async stop(clock: Clock, graceMs: number): Promise<void> {
    await this.#writer.close().catch(() => {});
    if (await within(clock, this.done, graceMs) === undefined) {
      this.child.kill("SIGKILL");
      await this.done;
    }
  }
}

/** See the module documentation. */
export class ProcessHelper implements ProcessTree, AsyncDisposable {
  #binary: () => string;
  #spawn: SpawnFn;
  #clock: Clock;
  #timeoutMs: number;
  #idleMs: number;
  #current: HelperProcess | null = null;
  #starting: Promise<HelperProcess> | null = null;
  #exiting = new Set<Promise<void>>();
  #idle: AbortController | null = null;
  #nextId = 1;
  #starts = 0;
  #closed = false;

  constructor(options: ProcessHelperOptions) {
    this.#binary = options.binary;
    this.#spawn = options.spawn ?? spawnChild;
    this.#clock = options.clock ?? systemClock;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#idleMs = options.idleMs ?? 30_000;
  }

  /** How many helper processes were started so far. */
  get starts(): number {
    return this.#starts;
  }

  /** The running helper's pid, if one runs. */
  get pid(): number | null {
    return this.#current?.child.pid ?? null;
  }

  inspect(pids: number[], envKeys: string[] = []): Promise<ProcessInfo[]> {
    return this.#call({ op: "inspect", pids, envKeys }, 0)
      .then((r) => r.processes);
  }

  scan(options: ScanOptions): Promise<ProcessInfo[]> {
    return this.#call({ op: "scan", ...options }, 0).then((r) => r.processes);
  }

  kill(
    targets: KillTarget[],
    signal: HelperSignal,
    graceMs = 0,
  ): Promise<KillResult> {
    if (targets.length === 0) {
      return Promise.resolve({ signalled: [], forced: [], survivors: [] });
    }
    // The helper waits up to graceMs, then up to 1 s after SIGKILL.
    return this.#call({ op: "kill", targets, signal, graceMs }, graceMs + 1000);
  }

  /** Stops the helper (if running); later requests fail. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#idle?.abort();
    const current = this.#current ?? await this.#starting?.catch(() => null);
    this.#retire(current ?? null);
    await Promise.all(this.#exiting);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #call<K extends HelperOp["op"]>(
    op: Extract<HelperOp, { op: K }>,
    extraMs: number,
  ): Promise<HelperResults[K]> {
    this.#idle?.abort();
    this.#idle = null;
    const helper = await this.#ensure();
    const id = this.#nextId++;
    const answer = helper.send(id, op);
    try {
      const result = await within(
        this.#clock,
        answer.then((value) => ({ value })),
        this.#timeoutMs + extraMs,
      );
      if (result === undefined) {
        helper.child.kill("SIGKILL");
        throw new ProcessHelperError(
          `Cannot complete the process helper request as it did not answer within ${
            this.#timeoutMs + extraMs
          } ms: ${op.op}`,
        );
      }
      return parseResult(op.op, result.value);
    } finally {
      answer.catch(() => {});
      this.#scheduleIdle(helper);
    }
  }

  #ensure(): Promise<HelperProcess> {
    if (this.#closed) {
      return Promise.reject(
        new ProcessHelperError("Cannot use the process helper as it is closed"),
      );
    }
    if (this.#current) return Promise.resolve(this.#current);
    this.#starting ??= this.#start().finally(() => {
      this.#starting = null;
    });
    return this.#starting;
  }

  async #start(): Promise<HelperProcess> {
    let child: ChildHandle;
    try {
      child = this.#spawn(helperCommand(this.#binary()));
    } catch (error) {
      throw new ProcessHelperError(
        `Cannot start the process helper: ${
          error instanceof Error ? error.message : String(error)
        }`,
        { cause: error },
      );
    }
    this.#starts++;
    let helper: HelperProcess;
    try {
      helper = new HelperProcess(child, this.#clock);
    } catch (error) {
      child.kill("SIGKILL");
      throw error;
    }
    const exited = helper.done.then(() => {
      if (this.#current === helper) this.#current = null;
      this.#exiting.delete(exited);
    });
    this.#exiting.add(exited);
    helper.ready.promise.catch(() => {});
    const ready = await within(
      this.#clock,
      helper.ready.promise.then(() => true),
      this.#timeoutMs,
    );
    if (ready === undefined) {
      helper.child.kill("SIGKILL");
      throw new ProcessHelperError(
        `Cannot start the process helper as it printed no ready line within ${this.#timeoutMs} ms`,
      );
    }
    if (this.#closed) {
      this.#retire(helper);
      throw new ProcessHelperError(
        "Cannot use the process helper as it is closed",
      );
    }
    this.#current = helper;
    return helper;
  }

  #scheduleIdle(helper: HelperProcess): void {
    if (helper.pending.size > 0 || this.#current !== helper) return;
    this.#idle?.abort();
    const idle = new AbortController();
    this.#idle = idle;
    this.#clock.sleep(this.#idleMs, idle.signal).then((elapsed) => {
      if (elapsed && this.#current === helper && helper.pending.size === 0) {
        this.#retire(helper);
      }
    });
  }

  #retire(helper: HelperProcess | null): void {
    if (!helper) return;
    if (this.#current === helper) this.#current = null;
    const stopping = helper.stop(this.#clock, 1000);
    this.#exiting.add(stopping);
    stopping.finally(() => this.#exiting.delete(stopping));
  }
}
