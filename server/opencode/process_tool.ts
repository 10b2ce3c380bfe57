/**
 * Process-tree operations (list descendants, read command lines, signal
 * pids) done by a small fixed JavaScript program that runs under Bun inside
 * the OpenCode binary (`BUN_BE_BUN=1 opencode -e <script> <json>`).
 *
 * Why: with the least-privilege start task (`--allow-run=<opencode>` only)
 * Deno refuses to read `/proc` and to signal any pid other than its direct
 * child (`Deno.kill` needs unscoped `--allow-run`). The OpenCode binary is a
 * Bun single-file executable that honours `BUN_BE_BUN=1`, so running the
 * already-allowed binary gives Flock those abilities without wider Deno
 * permissions. The request travels as one JSON argv entry; nothing is ever
 * interpolated into the code.
 *
 * Every signal is guarded by the target's start time (field 22 of
 * `/proc/<pid>/stat`), so a pid that was reused by another program since the
 * snapshot is never signalled.
 *
 * @module
 */
import { type RunResult, runToCompletion, type SpawnOptions } from "./spawn.ts";

/** One live process as the tool saw it. Zombies are never reported. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Process group id. */
  pgid: number;
  /** Session id. */
  sid: number;
  /** The one-letter state from `/proc/<pid>/stat` (R, S, D, T, …). */
  state: string;
  /** Start time in clock ticks since boot; with `pid` it names a process uniquely. */
  start: number;
  /** `/proc/<pid>/cmdline` split at NUL; empty when unreadable. */
  cmdline: string[];
  /** The requested environment variables that the process has (if readable). */
  env: Record<string, string>;
}

/** A process to signal, pinned to its start time. */
export interface KillTarget {
  pid: number;
  start: number;
}

/** A request to the tool. */
export type ProcessToolRequest =
  | {
    /** Describe these pids (the dead and zombies are left out). */
    op: "inspect";
    pids: number[];
    envKeys?: string[];
  }
  | {
    /**
     * Every live process that descends from one of `roots` (the roots
     * included when `includeRoots`), or whose environment has
     * `envMatch.key=envMatch.value`. The tool itself and its ancestors
     * (Flock) are never included.
     */
    op: "scan";
    roots: number[];
    includeRoots?: boolean;
    envMatch?: { key: string; value: string };
    envKeys?: string[];
  }
  | {
    /**
     * Send `signal` to each target whose start time still matches. With
     * `graceMs`, wait up to that long for them to go, then SIGKILL the rest.
     */
    op: "kill";
    targets: KillTarget[];
    signal: "SIGTERM" | "SIGKILL" | "SIGINT";
    graceMs?: number;
  };

/** What the `kill` operation did. */
export interface KillResult {
  /** Pids that got the first signal. */
  signalled: number[];
  /** Pids that needed a SIGKILL after the grace period. */
  forced: number[];
  /** Pids still alive at the end (should be empty). */
  survivors: number[];
}

/** The tool failed to run, or printed something unexpected. */
export class ProcessToolError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProcessToolError";
  }
}

/**
 * The program. It reads its request from the last argv entry and prints one
 * JSON line: `{"ok":true,...}` or `{"ok":false,"error":"..."}`.
 */
export const PROCESS_TOOL_SCRIPT = String.raw`
const fs = require("node:fs");
const out = (v) => process.stdout.write(JSON.stringify(v) + "\n");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function stat(pid) {
  let s;
  try { s = fs.readFileSync("/proc/" + pid + "/stat", "utf8"); } catch { return null; }
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  if (f[0] === "Z" || f[0] === "X" || f[0] === "x") return null;
  return { pid, state: f[0], ppid: +f[1], pgid: +f[2], sid: +f[3], start: +f[19] };
}
function cmdline(pid) {
  try {
    const parts = fs.readFileSync("/proc/" + pid + "/cmdline", "utf8").split("\0");
    if (parts.at(-1) === "") parts.pop();
    return parts;
  } catch { return []; }
}
function environ(pid) {
  try {
    const env = {};
    for (const entry of fs.readFileSync("/proc/" + pid + "/environ", "utf8").split("\0")) {
      const i = entry.indexOf("=");
      if (i > 0) env[entry.slice(0, i)] = entry.slice(i + 1);
    }
    return env;
  } catch { return null; }
}
function describe(st, keys) {
  const env = {};
  if (keys && keys.length > 0) {
    const all = environ(st.pid) || {};
    for (const k of keys) if (typeof all[k] === "string") env[k] = all[k];
  }
  return { ...st, cmdline: cmdline(st.pid), env };
}
function all() {
  const list = [];
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const st = stat(+name);
    if (st) list.push(st);
  }
  return list;
}
function excluded(list) {
  const byPid = new Map(list.map((p) => [p.pid, p]));
  const set = new Set([process.pid]);
  let cur = process.ppid;
  while (cur > 1 && !set.has(cur)) {
    set.add(cur);
    const p = byPid.get(cur);
    if (!p) break;
    cur = p.ppid;
  }
  return set;
}
function alive(t) {
  const st = stat(t.pid);
  return st !== null && st.start === t.start;
}
async function main(req) {
  if (req.op === "inspect") {
    const processes = [];
    for (const pid of req.pids) {
      const st = stat(pid);
      if (st) processes.push(describe(st, req.envKeys));
    }
    return { processes };
  }
  if (req.op === "scan") {
    const list = all();
    const skip = excluded(list);
    const children = new Map();
    for (const p of list) {
      if (!children.has(p.ppid)) children.set(p.ppid, []);
      children.get(p.ppid).push(p);
    }
    const found = new Map();
    const queue = [];
    for (const root of req.roots) {
      const st = list.find((p) => p.pid === root);
      if (st && req.includeRoots) found.set(st.pid, st);
      queue.push(root);
    }
    while (queue.length > 0) {
      const pid = queue.shift();
      for (const c of children.get(pid) || []) {
        if (found.has(c.pid)) continue;
        found.set(c.pid, c);
        queue.push(c.pid);
      }
    }
    if (req.envMatch) {
      for (const p of list) {
        if (found.has(p.pid)) continue;
        const env = environ(p.pid);
        if (env && env[req.envMatch.key] === req.envMatch.value) found.set(p.pid, p);
      }
    }
    const processes = [];
    for (const p of found.values()) if (!skip.has(p.pid)) processes.push(describe(p, req.envKeys));
    return { processes };
  }
  if (req.op === "kill") {
    const signalled = [];
    const forced = [];
    for (const t of req.targets) {
      if (!alive(t)) continue;
      try { process.kill(t.pid, req.signal); signalled.push(t.pid); } catch {}
    }
    let rest = req.targets.filter(alive);
    if (req.graceMs && req.graceMs > 0) {
      const until = Date.now() + req.graceMs;
      while (rest.length > 0 && Date.now() < until) {
        await sleep(25);
        rest = rest.filter(alive);
      }
      for (const t of rest) {
        try { process.kill(t.pid, "SIGKILL"); forced.push(t.pid); } catch {}
      }
      const until2 = Date.now() + 1000;
      while (rest.length > 0 && Date.now() < until2) {
        await sleep(10);
        rest = rest.filter(alive);
      }
    }
    return { signalled, forced, survivors: rest.map((t) => t.pid) };
  }
  throw new Error("unknown op " + String(req.op));
}
main(JSON.parse(process.argv[process.argv.length - 1])).then(
  (r) => out({ ok: true, ...r }),
  (e) => { out({ ok: false, error: String(e && e.message || e) }); process.exitCode = 1; },
);
`;

/**
 * The argv and environment for running `request` through the OpenCode
 * binary.
 */
export function processToolCommand(
  binary: string,
  request: ProcessToolRequest,
): SpawnOptions {
  return {
    command: binary,
    args: ["-e", PROCESS_TOOL_SCRIPT, JSON.stringify(request)],
    env: { BUN_BE_BUN: "1" },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isInt(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value);
}

function toProcessInfo(value: unknown): ProcessInfo {
  if (
    !isRecord(value) || !isInt(value.pid) || !isInt(value.ppid) ||
    !isInt(value.pgid) || !isInt(value.sid) || !isInt(value.start) ||
    typeof value.state !== "string" || !Array.isArray(value.cmdline) ||
    !value.cmdline.every((a) => typeof a === "string") ||
    !isRecord(value.env) ||
    !Object.values(value.env).every((v) => typeof v === "string")
  ) {
    throw new ProcessToolError(
      `Cannot read a process entry from the process tool: ${
        JSON.stringify(value)
      }`,
    );
  }
  return {
    pid: value.pid,
    ppid: value.ppid,
    pgid: value.pgid,
    sid: value.sid,
    state: value.state,
    start: value.start,
    cmdline: value.cmdline as string[],
    env: value.env as Record<string, string>,
  };
}

function lastJsonLine(run: RunResult): Record<string, unknown> {
  const line = run.stdout.trim().split("\n").at(-1) ?? "";
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    const why = run.timedOut ? "it timed out" : `exit code ${run.code}`;
    const stderr = run.stderr.trim().slice(0, 500);
    throw new ProcessToolError(
      `Cannot use the process tool as it printed no result (${why}): ${
        stderr || run.stdout.trim().slice(0, 500) || "no output"
      }`,
    );
  }
  if (!isRecord(parsed)) {
    throw new ProcessToolError(
      `Cannot use the process tool as its result is not an object: ${line}`,
    );
  }
  if (parsed.ok !== true) {
    throw new ProcessToolError(
      `Cannot complete the process tool request: ${String(parsed.error)}`,
    );
  }
  return parsed;
}

/**
 * Parses the output of an `inspect` or `scan` run.
 *
 * @throws {ProcessToolError} when the run failed or the output is malformed.
 */
export function parseProcessList(run: RunResult): ProcessInfo[] {
  const result = lastJsonLine(run);
  if (!Array.isArray(result.processes)) {
    throw new ProcessToolError(
      "Cannot use the process tool result as it has no process list",
    );
  }
  return result.processes.map(toProcessInfo);
}

/**
 * Parses the output of a `kill` run.
 *
 * @throws {ProcessToolError} when the run failed or the output is malformed.
 */
export function parseKillResult(run: RunResult): KillResult {
  const result = lastJsonLine(run);
  const ints = (v: unknown): number[] => {
    if (!Array.isArray(v) || !v.every(isInt)) {
      throw new ProcessToolError(
        `Cannot use the process tool kill result: ${JSON.stringify(result)}`,
      );
    }
    return v;
  };
  return {
    signalled: ints(result.signalled),
    forced: ints(result.forced),
    survivors: ints(result.survivors),
  };
}

/**
 * Whether a command line is an `opencode serve` process: some argv entry is
 * named `opencode` (any directory) and a later one is `serve`.
 */
export function isOpenCodeServe(cmdline: readonly string[]): boolean {
  const index = cmdline.findIndex((arg) => /(^|\/)opencode$/.test(arg));
  return index >= 0 && cmdline.slice(index + 1).includes("serve");
}

/** Runs a command to completion (injected for tests). */
export type RunFn = (
  options: SpawnOptions & { timeoutMs: number },
) => Promise<RunResult>;

/** Options for {@linkcode ProcessTool}. */
export interface ProcessToolOptions {
  /** The OpenCode binary (the one `--allow-run` allows). */
  binary: string;
  /** How to run it. Default {@linkcode runToCompletion}. */
  run?: RunFn;
  /** Time limit for `inspect`/`scan`, in ms. Default 10 000. */
  timeoutMs?: number;
}

/** Runs process-tree operations through the OpenCode binary. */
export class ProcessTool {
  #binary: string;
  #run: RunFn;
  #timeoutMs: number;

  constructor(options: ProcessToolOptions) {
    this.#binary = options.binary;
    this.#run = options.run ?? ((o) => runToCompletion(o));
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  async #call(request: ProcessToolRequest, timeoutMs: number) {
    try {
      return await this.#run({
        ...processToolCommand(this.#binary, request),
        timeoutMs,
      });
    } catch (error) {
      throw new ProcessToolError(
        `Cannot run the process tool through ${this.#binary}`,
        { cause: error },
      );
    }
  }

  /**
   * Describes the given pids; dead ones (and zombies) are left out.
   *
   * @throws {ProcessToolError}
   */
  async inspect(
    pids: number[],
    envKeys: string[] = [],
  ): Promise<ProcessInfo[]> {
    return parseProcessList(
      await this.#call({ op: "inspect", pids, envKeys }, this.#timeoutMs),
    );
  }

  /**
   * Lists descendants of `roots` plus every process carrying
   * `envMatch` in its environment (see {@linkcode ProcessToolRequest}).
   *
   * @throws {ProcessToolError}
   */
  async scan(
    options: {
      roots: number[];
      includeRoots?: boolean;
      envMatch?: { key: string; value: string };
      envKeys?: string[];
    },
  ): Promise<ProcessInfo[]> {
    return parseProcessList(
      await this.#call({ op: "scan", ...options }, this.#timeoutMs),
    );
  }

  /**
   * Signals the targets (start times checked), then SIGKILLs those still
   * alive after `graceMs`.
   *
   * @throws {ProcessToolError}
   */
  async kill(
    targets: KillTarget[],
    signal: "SIGTERM" | "SIGKILL" | "SIGINT",
    graceMs = 0,
  ): Promise<KillResult> {
    if (targets.length === 0) {
      return { signalled: [], forced: [], survivors: [] };
    }
    return parseKillResult(
      await this.#call(
        { op: "kill", targets, signal, graceMs },
        this.#timeoutMs + graceMs,
      ),
    );
  }
}
