/**
 * The one `/proc` reader, shared by the process helper (which runs it under
 * Bun inside the OpenCode binary, see `proc_helper.ts`), the tests and the
 * bench (which run with `-A` and read `/proc` directly).
 *
 * Parsing is pure (`parse*`); reading goes through a {@linkcode ProcSource},
 * {@linkcode nodeProcSource} by default. The module imports nothing but
 * `node:fs`, so Bun can load it from its text alone.
 *
 * A process is named by its pid and start time (field 22 of
 * `/proc/<pid>/stat`, clock ticks since boot): a pid reused by another
 * program has another start time. Zombies count as gone.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";

/** One line of `/proc/<pid>/stat`, the fields Flock uses. */
export interface ProcStat {
  pid: number;
  /** The command name (`comm`), at most 15 characters. */
  comm: string;
  /** The one-letter state (R, S, D, T, …). */
  state: string;
  ppid: number;
  /** Process group id. */
  pgid: number;
  /** Session id. */
  sid: number;
  /** Start time in clock ticks since boot; with `pid` it names a process uniquely. */
  start: number;
}

/** A live process with its command line and some of its environment. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  state: string;
  start: number;
  /** `/proc/<pid>/cmdline` split at NUL; empty when unreadable. */
  cmdline: string[];
  /** The requested environment variables that the process has (if readable). */
  env: Record<string, string>;
  /** Resident set size in bytes, when asked for (null when unreadable). */
  rssBytes?: number | null;
}

/** Where the reader gets its text from (injected for tests). */
export interface ProcSource {
  /** The entries of `/proc`. */
  list(): string[];
  /** A file under `/proc` as text, or null when it cannot be read. */
  read(path: string): string | null;
}

/**
 * Parses `/proc/<pid>/stat`. The command name may hold spaces and
 * parentheses, so fields are counted from the last `)`.
 *
 * @returns null when the text is malformed, or the process is a zombie or dead.
 */
export function parseStat(pid: number, text: string): ProcStat | null {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  const f = text.slice(close + 2).split(" ");
  const state = f[0] ?? "";
  if (state === "" || state === "Z" || state === "X" || state === "x") {
    return null;
  }
  const num = (i: number) => Number(f[i]);
  const stat = {
    pid,
    comm: text.slice(open + 1, close),
    state,
    ppid: num(1),
    pgid: num(2),
    sid: num(3),
    start: num(19),
  };
  return Number.isInteger(stat.ppid) && Number.isInteger(stat.start)
    ? stat
    : null;
}

/** Splits a NUL-separated `/proc` file (cmdline, environ). */
export function parseNulList(text: string): string[] {
  const parts = text.split("\0");
  if (parts.at(-1) === "") parts.pop();
  return parts;
}

/** Parses `/proc/<pid>/environ` into a map. */
export function parseEnviron(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of parseNulList(text)) {
    const i = entry.indexOf("=");
    if (i > 0) env[entry.slice(0, i)] = entry.slice(i + 1);
  }
  return env;
}

/** The resident set size in bytes from `/proc/<pid>/status`, or null. */
export function parseRssBytes(status: string): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match?.[1] ? Number(match[1]) * 1024 : null;
}

/** Every process that descends from one of `roots` (the roots themselves left out). */
export function descendantsOf<P extends { pid: number; ppid: number }>(
  roots: readonly number[],
  list: readonly P[],
): P[] {
  const children = new Map<number, P[]>();
  for (const p of list) {
    const siblings = children.get(p.ppid);
    if (siblings) siblings.push(p);
    else children.set(p.ppid, [p]);
  }
  const found = new Map<number, P>();
  const queue = [...roots];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    for (const c of children.get(pid) ?? []) {
      if (found.has(c.pid) || roots.includes(c.pid)) continue;
      found.set(c.pid, c);
      queue.push(c.pid);
    }
  }
  return [...found.values()];
}

/** `pid` and its ancestors up to (not including) init, from a snapshot. */
export function ancestorsOf(
  pid: number,
  list: readonly { pid: number; ppid: number }[],
): Set<number> {
  const byPid = new Map(list.map((p) => [p.pid, p]));
  const chain = new Set<number>();
  let cur: number | undefined = pid;
  while (cur !== undefined && cur > 1 && !chain.has(cur)) {
    chain.add(cur);
    cur = byPid.get(cur)?.ppid;
  }
  return chain;
}

/** Reads `/proc` through the file system (Deno with `-A`, or Bun). */
export function nodeProcSource(root = "/proc"): ProcSource {
  return {
    list() {
      try {
        return readdirSync(root);
      } catch {
        return [];
      }
    },
    read(path) {
      try {
        return readFileSync(`${root}/${path}`, "utf8");
      } catch {
        return null;
      }
    },
  };
}

/** Reads processes from a {@linkcode ProcSource}. */
export class ProcReader {
  #source: ProcSource;

  constructor(source: ProcSource = nodeProcSource()) {
    this.#source = source;
  }

  /** One process, or null when it is gone or a zombie. */
  stat(pid: number): ProcStat | null {
    const text = this.#source.read(`${pid}/stat`);
    return text === null ? null : parseStat(pid, text);
  }

  /** Every live process. */
  all(): ProcStat[] {
    const list: ProcStat[] = [];
    for (const name of this.#source.list()) {
      if (!/^\d+$/.test(name)) continue;
      const stat = this.stat(Number(name));
      if (stat) list.push(stat);
    }
    return list;
  }

  /** The command line, or `[]` when it cannot be read. */
  cmdline(pid: number): string[] {
    const text = this.#source.read(`${pid}/cmdline`);
    return text === null ? [] : parseNulList(text);
  }

  /** The whole environment, or null when it cannot be read. */
  environ(pid: number): Record<string, string> | null {
    const text = this.#source.read(`${pid}/environ`);
    return text === null ? null : parseEnviron(text);
  }

  /** The resident set size in bytes, or null when the process is gone. */
  rssBytes(pid: number): number | null {
    const text = this.#source.read(`${pid}/status`);
    return text === null ? null : parseRssBytes(text);
  }

  /** Whether `pid` is still the process that started at `start`. */
  isSame(pid: number, start: number): boolean {
    return this.stat(pid)?.start === start;
  }

  /**
   * A stat line with its command line, the `envKeys` it has and, when
   * `rss` is true, its resident set size.
   */
  describe(
    stat: ProcStat,
    envKeys: readonly string[] = [],
    rss = false,
  ): ProcessInfo {
    const env: Record<string, string> = {};
    if (envKeys.length > 0) {
      const all = this.environ(stat.pid) ?? {};
      for (const key of envKeys) {
        const value = all[key];
        if (value !== undefined) env[key] = value;
      }
    }
    const { pid, ppid, pgid, sid, state, start } = stat;
    const info: ProcessInfo = {
      pid,
      ppid,
      pgid,
      sid,
      state,
      start,
      cmdline: this.cmdline(pid),
      env,
    };
    if (rss) info.rssBytes = this.rssBytes(pid);
    return info;
  }

  /** Every live process whose environment has `key=value`. */
  withEnv(
    key: string,
    value: string,
    list: readonly ProcStat[] = this.all(),
  ): ProcStat[] {
    return list.filter((p) => this.environ(p.pid)?.[key] === value);
  }
}
