/**
 * In-process stand-ins for the supervisor's OS boundary, so its logic is
 * tested without starting a process:
 *
 * - {@linkcode FakeSpawn}: a `SpawnFn` whose children are
 *   {@linkcode FakeChild}ren the test drives (print the listening line with
 *   a real in-process HTTP server behind it, exit, ignore SIGTERM …).
 * - {@linkcode FakeProcessTree}: a `ProcessTree` over a list of pretend
 *   processes, recording every call.
 *
 * @module
 */
import type { ProcessTree, ScanOptions } from "../processes/process_helper.ts";
import { ProcessHelperError } from "../processes/helper_protocol.ts";
import type {
  HelperSignal,
  KillResult,
  KillTarget,
} from "../processes/proc_helper.ts";
import { descendantsOf, type ProcessInfo } from "../processes/procfs.ts";
import type {
  ChildExit,
  ChildHandle,
  SpawnFn,
  SpawnOptions,
} from "../opencode/spawn.ts";
import { fakeOpenCodeHandler } from "./fake_opencode.ts";

const SIGNAL_NUMBERS: Partial<Record<Deno.Signal, number>> = {
  SIGINT: 2,
  SIGKILL: 9,
  SIGTERM: 15,
};

/** A pretend child process. */
export class FakeChild implements ChildHandle {
  readonly pid: number;
  readonly options: SpawnOptions;
  readonly status: Promise<ChildExit>;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  /** Every signal sent to it, in order. */
  readonly signals: Deno.Signal[] = [];
  /** When true, SIGTERM is recorded but does nothing (SIGKILL still works). */
  ignoreSigterm = false;
  /** What its `/global/health` answers. */
  healthy = true;
  #exit = Promise.withResolvers<ChildExit>();
  #out!: ReadableStreamDefaultController<Uint8Array>;
  #err!: ReadableStreamDefaultController<Uint8Array>;
  #exited = false;
  #server: Deno.HttpServer | null = null;
  #closeStreams = new AbortController();

  constructor(pid: number, options: SpawnOptions) {
    this.pid = pid;
    this.options = options;
    this.status = this.#exit.promise;
    this.stdout = new ReadableStream({ start: (c) => void (this.#out = c) });
    this.stderr = new ReadableStream({ start: (c) => void (this.#err = c) });
  }

  /** Whether it has exited. */
  get exited(): boolean {
    return this.#exited;
  }

  /** Prints a line on stdout or stderr. */
  print(line: string, stream: "stdout" | "stderr" = "stdout"): void {
    if (this.#exited) return;
    const bytes = new TextEncoder().encode(line + "\n");
    (stream === "stdout" ? this.#out : this.#err).enqueue(bytes);
  }

  /**
   * Serves the fake OpenCode API on 127.0.0.1 (in this process), with the
   * password from its environment, and prints the listening line.
   *
   * @returns the base URL.
   */
  listen(): string {
    const server = Deno.serve(
      {
        hostname: "127.0.0.1",
        port: 0,
        onListen: () => {},
      },
      fakeOpenCodeHandler({
        password: this.options.env?.OPENCODE_SERVER_PASSWORD ?? "",
        healthy: () => this.healthy,
        signal: this.#closeStreams.signal,
      }),
    );
    this.#server = server;
    const url = `http://127.0.0.1:${server.addr.port}`;
    this.print(`opencode server listening on ${url}`);
    return url;
  }

  /** Exits: closes its output and its server, then settles `status`. */
  async exit(code: number, signal: Deno.Signal | null = null): Promise<void> {
    if (this.#exited) return;
    this.#exited = true;
    this.#out.close();
    this.#err.close();
    this.#closeStreams.abort();
    await this.#server?.shutdown();
    this.#exit.resolve({ code, signal });
  }

  kill(signal: Deno.Signal): boolean {
    if (this.#exited) return false;
    this.signals.push(signal);
    if (signal === "SIGTERM" && this.ignoreSigterm) return true;
    void this.exit(128 + (SIGNAL_NUMBERS[signal] ?? 0), signal);
    return true;
  }
}

/** A `SpawnFn` that makes {@linkcode FakeChild}ren; see the module documentation. */
export class FakeSpawn {
  /** Every child spawned, in order. */
  readonly children: FakeChild[] = [];
  /** When set, the next spawns throw it. */
  failWith: Error | null = null;
  #nextPid = 4_100_000;
  #waiters: Array<{ count: number; resolve(child: FakeChild): void }> = [];

  /** The spawn function to inject. */
  readonly spawn: SpawnFn = (options) => {
    if (this.failWith) throw this.failWith;
    const child = new FakeChild(this.#nextPid++, options);
    this.children.push(child);
    for (const w of [...this.#waiters]) {
      if (this.children.length >= w.count) {
        this.#waiters = this.#waiters.filter((x) => x !== w);
        w.resolve(this.children[w.count - 1]!);
      }
    }
    return child;
  };

  /** Resolves with child number `count` (1-based) once it is spawned. */
  nth(count: number): Promise<FakeChild> {
    const child = this.children[count - 1];
    if (child) return Promise.resolve(child);
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  /** Exits every child still running (test cleanup). */
  async exitAll(): Promise<void> {
    await Promise.all(this.children.map((c) => c.exit(137, "SIGKILL")));
  }
}

/** A `ProcessTree` over pretend processes; see the module documentation. */
export class FakeProcessTree implements ProcessTree {
  /** The pretend processes (scans and inspects see these). */
  processes: ProcessInfo[] = [];
  /** Every call, as `op` plus its arguments. */
  readonly calls: Array<{ op: string; args: unknown[] }> = [];
  /** When true, every call fails as if the helper could not run. */
  failing = false;

  #check(op: string, args: unknown[]): void {
    this.calls.push({ op, args });
    if (this.failing) {
      throw new ProcessHelperError("Cannot start the process helper: fake");
    }
  }

  inspect(pids: number[], envKeys?: string[]): Promise<ProcessInfo[]> {
    this.#check("inspect", [pids, envKeys]);
    return Promise.resolve(this.processes.filter((p) => pids.includes(p.pid)));
  }

  scan(options: ScanOptions): Promise<ProcessInfo[]> {
    this.#check("scan", [options]);
    const found = new Set(descendantsOf(options.roots, this.processes));
    for (const p of this.processes) {
      const match = options.envMatch;
      if (match && p.env[match.key] === match.value) found.add(p);
      if (options.includeRoots && options.roots.includes(p.pid)) found.add(p);
    }
    return Promise.resolve([...found]);
  }

  kill(
    targets: KillTarget[],
    signal: HelperSignal,
    graceMs?: number,
  ): Promise<KillResult> {
    this.#check("kill", [targets, signal, graceMs]);
    const hit = (p: ProcessInfo) =>
      targets.some((t) => t.pid === p.pid && t.start === p.start);
    const signalled = this.processes.filter(hit).map((p) => p.pid);
    this.processes = this.processes.filter((p) => !hit(p));
    return Promise.resolve({ signalled, forced: [], survivors: [] });
  }
}

/** A pretend process for {@linkcode FakeProcessTree}. */
export function fakeProcess(
  pid: number,
  ppid: number,
  cmdline: string[],
  env: Record<string, string> = {},
  start = pid * 10,
): ProcessInfo {
  return { pid, ppid, pgid: pid, sid: pid, state: "S", start, cmdline, env };
}
