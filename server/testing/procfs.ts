/**
 * Test helpers that read `/proc` directly (tests run with `-A`; the server
 * itself goes through the process tool instead).
 *
 * @module
 */

/** A process as seen in `/proc/<pid>/stat`. */
export interface ProcEntry {
  pid: number;
  ppid: number;
  state: string;
  cmdline: string[];
}

/** Reads one process, or null when it is gone or a zombie. */
export function readProc(pid: number): ProcEntry | null {
  let stat: string;
  try {
    stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return null;
  }
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const state = fields[0] ?? "";
  if (state === "Z" || state === "X") return null;
  let cmdline: string[] = [];
  try {
    cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0");
    if (cmdline.at(-1) === "") cmdline.pop();
  } catch {
    // Gone meanwhile.
  }
  return { pid, ppid: Number(fields[1]), state, cmdline };
}

/** Whether the pid is a live (non-zombie) process. */
export function isAlive(pid: number): boolean {
  return readProc(pid) !== null;
}

/** Every live process. */
export function allProcs(): ProcEntry[] {
  const out: ProcEntry[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const proc = readProc(Number(entry.name));
    if (proc) out.push(proc);
  }
  return out;
}

/** Every live descendant of `pid` (not `pid` itself). */
export function descendants(pid: number): ProcEntry[] {
  const procs = allProcs();
  const found: ProcEntry[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const p of procs) {
      if (p.ppid === parent && !found.includes(p)) {
        found.push(p);
        queue.push(p.pid);
      }
    }
  }
  return found;
}

/** Every live process whose environment has `key=value`. */
export function procsWithEnv(key: string, value: string): ProcEntry[] {
  const needle = `${key}=${value}`;
  return allProcs().filter((p) => {
    try {
      return Deno.readTextFileSync(`/proc/${p.pid}/environ`).split("\0")
        .includes(needle);
    } catch {
      return false;
    }
  });
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
