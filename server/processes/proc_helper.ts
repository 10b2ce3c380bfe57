/**
 * The process helper: a long-lived program that answers process-tree
 * requests (inspect pids, scan a tree and marked processes, signal pids
 * pinned to their start times) as JSON lines on stdin/stdout, multiplexed
 * by request id.
 *
 * It runs under Bun inside the OpenCode binary (`BUN_BE_BUN=1 opencode -e`),
 * because Flock's scoped Deno permissions cannot read `/proc` nor signal
 * pids other than its direct children; `process_helper.ts` starts it and
 * talks to it. Bun loads this file and `procfs.ts` from their text, so this
 * module imports `procfs.ts` for types only and receives it at run time
 * ({@linkcode runHelper}). {@linkcode handleRequest} is plain code, tested
 * in-process with a fake `/proc`.
 *
 * Protocol: the helper first prints `{"ready":true,"pid":N}`. Each request
 * line is `{"id":N,"op":...}`; each answer is `{"id":N,"ok":true,"result":...}`
 * or `{"id":N,"ok":false,"error":"..."}`, in completion order. It exits when
 * stdin ends (so it never outlives Flock).
 *
 * @module
 */
import process from "node:process";
import type * as Procfs from "./procfs.ts";
import type { ProcessInfo, ProcReader } from "./procfs.ts";

/** A process to signal, pinned to its start time. */
export interface KillTarget {
  pid: number;
  start: number;
}

/** The signals the helper sends. */
export type HelperSignal = "SIGTERM" | "SIGKILL" | "SIGINT";

/** A request, without its id. */
export type HelperOp =
  | {
    /** Describe these pids (the dead and zombies are left out). */
    op: "inspect";
    pids: number[];
    envKeys?: string[];
    /** Also report each process's resident set size. */
    rss?: boolean;
  }
  | {
    /**
     * Every live process that descends from one of `roots` (the roots
     * included when `includeRoots`), or whose environment has
     * `envMatch.key=envMatch.value`. The helper and its ancestors (Flock)
     * are never included.
     */
    op: "scan";
    roots: number[];
    includeRoots?: boolean;
    envMatch?: { key: string; value: string };
    envKeys?: string[];
    /** Also report each process's resident set size. */
    rss?: boolean;
  }
  | {
    /**
     * Send `signal` to each target whose start time still matches. With
     * `graceMs`, wait up to that long for them to go, then SIGKILL the rest.
     */
    op: "kill";
    targets: KillTarget[];
    signal: HelperSignal;
    graceMs?: number;
  };

/** What `kill` did. */
export interface KillResult {
  /** Pids that got the first signal. */
  signalled: number[];
  /** Pids that needed a SIGKILL after the grace period. */
  forced: number[];
  /** Pids still alive at the end (should be empty). */
  survivors: number[];
}

/** The answer to each op. */
export interface HelperResults {
  inspect: { processes: ProcessInfo[] };
  scan: { processes: ProcessInfo[] };
  kill: KillResult;
}

/** What {@linkcode handleRequest} needs from the system. */
export interface HelperDeps {
  reader: ProcReader;
  /** From `procfs.ts`, passed in because this module only imports its types. */
  descendantsOf: typeof Procfs.descendantsOf;
  ancestorsOf: typeof Procfs.ancestorsOf;
  /** Signals a pid; throws when it is gone. */
  kill(pid: number, signal: HelperSignal): void;
  sleep(ms: number): Promise<void>;
  now(): number;
  /** The helper's own pid: it and its ancestors are never scanned. */
  selfPid: number;
}

function scan(
  req: Extract<HelperOp, { op: "scan" }>,
  deps: HelperDeps,
): ProcessInfo[] {
  const { reader } = deps;
  const list = reader.all();
  const skip = deps.ancestorsOf(deps.selfPid, list);
  const found = new Map(
    deps.descendantsOf(req.roots, list).map((p) => [p.pid, p]),
  );
  if (req.includeRoots) {
    for (const p of list) if (req.roots.includes(p.pid)) found.set(p.pid, p);
  }
  if (req.envMatch) {
    const rest = list.filter((p) => !found.has(p.pid));
    for (
      const p of reader.withEnv(req.envMatch.key, req.envMatch.value, rest)
    ) {
      found.set(p.pid, p);
    }
  }
  return [...found.values()].filter((p) => !skip.has(p.pid))
    .map((p) => reader.describe(p, req.envKeys, req.rss));
}

async function kill(
  req: Extract<HelperOp, { op: "kill" }>,
  deps: HelperDeps,
): Promise<KillResult> {
  const alive = (t: KillTarget) => deps.reader.isSame(t.pid, t.start);
  const send = (t: KillTarget, signal: HelperSignal) => {
    try {
      deps.kill(t.pid, signal);
      return true;
    } catch {
      return false;
    }
  };
  const signalled = req.targets.filter((t) => alive(t) && send(t, req.signal))
    .map((t) => t.pid);
  const forced: number[] = [];
  let rest = req.targets.filter(alive);
  const graceMs = req.graceMs ?? 0;
  if (graceMs > 0) {
    const waitGone = async (ms: number, step: number) => {
      const until = deps.now() + ms;
      while (rest.length > 0 && deps.now() < until) {
        await deps.sleep(step);
        rest = rest.filter(alive);
      }
    };
    await waitGone(graceMs, 25);
    for (const t of rest) if (send(t, "SIGKILL")) forced.push(t.pid);
    await waitGone(1000, 10);
  }
  return { signalled, forced, survivors: rest.map((t) => t.pid) };
}

/**
 * Answers one request.
 *
 * @throws {Error} for an unknown op.
 */
export async function handleRequest<K extends HelperOp["op"]>(
  req: Extract<HelperOp, { op: K }>,
  deps: HelperDeps,
): Promise<HelperResults[K]>;
export async function handleRequest(
  req: HelperOp,
  deps: HelperDeps,
): Promise<HelperResults[HelperOp["op"]]> {
  switch (req.op) {
    case "inspect": {
      const processes: ProcessInfo[] = [];
      for (const pid of req.pids) {
        const stat = deps.reader.stat(pid);
        if (stat) {
          processes.push(deps.reader.describe(stat, req.envKeys, req.rss));
        }
      }
      return { processes };
    }
    case "scan":
      return { processes: scan(req, deps) };
    case "kill":
      return await kill(req, deps);
    default:
      throw new Error(`Cannot handle op ${JSON.stringify(req)}`);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Serves requests from stdin until it ends. The entry point under Bun: it
 * gets `procfs.ts` as a loaded module.
 */
export function runHelper(procfs: typeof Procfs): void {
  const deps: HelperDeps = {
    reader: new procfs.ProcReader(procfs.nodeProcSource()),
    descendantsOf: procfs.descendantsOf,
    ancestorsOf: procfs.ancestorsOf,
    kill: (pid, signal) => process.kill(pid, signal),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
    selfPid: process.pid,
  };
  const write = (value: unknown) =>
    process.stdout.write(JSON.stringify(value) + "\n");
  const serve = async (line: string) => {
    let id: unknown = null;
    try {
      const req = JSON.parse(line);
      id = req.id;
      write({ id, ok: true, result: await handleRequest(req, deps) });
    } catch (error) {
      write({ id, ok: false, error: messageOf(error) });
    }
  };
  let buffer = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk: string) => {
    buffer += chunk;
    let index: number;
    while ((index = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, index);
      buffer = buffer.slice(index + 1);
      if (line.trim() !== "") void serve(line);
    }
  });
  process.stdin.on("end", () => process.exit(0));
  write({ ready: true, pid: process.pid });
}
