/**
 * Attributing resident memory to instances (pure): each process found by
 * one scan (the children and all their descendants, with `rssBytes`) is
 * counted for the instance whose child it descends from.
 *
 * @module
 */
import type { ProcessInfo } from "../processes/procfs.ts";

/**
 * The RSS of each instance: its child plus every descendant, in bytes.
 * Instances whose child is not among the processes are left out (it
 * exited meanwhile); unreadable RSS counts as 0.
 *
 * @param roots Each running child's pid → its instance id.
 * @example
 * ```ts
 * attributeMemory(processes, new Map([[4100, "inst_a"]])); // Map { "inst_a" => 612_000_000 }
 * ```
 */
export function attributeMemory(
  processes: readonly ProcessInfo[],
  roots: ReadonlyMap<number, string>,
): Map<string, number> {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const owner = new Map<number, string | null>();
  const ownerOf = (pid: number): string | null => {
    const path: number[] = [];
    let cur: number | undefined = pid;
    let found: string | null = null;
    while (cur !== undefined && path.length <= byPid.size) {
      const known = owner.get(cur);
      if (known !== undefined) {
        found = known;
        break;
      }
      const root = roots.get(cur);
      if (root !== undefined && byPid.has(cur)) {
        found = root;
        path.push(cur);
        break;
      }
      path.push(cur);
      cur = byPid.get(cur)?.ppid;
    }
    for (const p of path) owner.set(p, found);
    return found;
  };
  const totals = new Map<string, number>();
  for (const p of processes) {
    const id = ownerOf(p.pid);
    if (id === null) continue;
    totals.set(id, (totals.get(id) ?? 0) + (p.rssBytes ?? 0));
  }
  return totals;
}

/** Whether a change from `before` to `after` is worth telling clients (≥ 8 MiB or ≥ 5 %). */
export function memoryChanged(
  before: number | null,
  after: number | null,
): boolean {
  if (before === null || after === null) return before !== after;
  const delta = Math.abs(after - before);
  return delta >= 8 * 1024 * 1024 || delta >= before * 0.05;
}
