/**
 * Test helpers over the shared `/proc` reader (`server/processes/procfs.ts`);
 * tests run with `-A` and read `/proc` directly, where the server goes
 * through the process helper.
 *
 * @module
 */
import {
  descendantsOf,
  ProcReader,
  type ProcStat,
} from "../processes/procfs.ts";

/** A live process and its command line. */
export interface ProcEntry {
  pid: number;
  ppid: number;
  state: string;
  /** Start time in clock ticks since boot. */
  start: number;
  cmdline: string[];
}

const reader = new ProcReader();

function entry(stat: ProcStat): ProcEntry {
  const { pid, ppid, state, start } = stat;
  return { pid, ppid, state, start, cmdline: reader.cmdline(pid) };
}

/** Reads one process, or null when it is gone or a zombie. */
export function readProc(pid: number): ProcEntry | null {
  const stat = reader.stat(pid);
  return stat ? entry(stat) : null;
}

/** Whether the pid is a live (non-zombie) process. */
export function isAlive(pid: number): boolean {
  return reader.stat(pid) !== null;
}

/** Every live process. */
export function allProcs(): ProcEntry[] {
  return reader.all().map(entry);
}

/** Every live descendant of `pid` (not `pid` itself). */
export function descendants(pid: number): ProcEntry[] {
  return descendantsOf([pid], reader.all()).map(entry);
}

/** Every live process whose environment has `key=value`. */
export function procsWithEnv(key: string, value: string): ProcEntry[] {
  return reader.withEnv(key, value).map(entry);
}

/** Polls `check` every 50 ms until it returns a truthy value or `ms` pass. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | null | false,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  while (true) {
    const value = check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
