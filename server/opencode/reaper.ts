/**
 * Killing every process of an instance: the child, its descendants, and
 * any process whose environment carries `FLOCK_INSTANCE_ID=<id>` (tool
 * processes that escaped into their own session, or outlived a dead Flock).
 * Also boot reconciliation of the processes a dead Flock left behind.
 *
 * The `/proc` work goes through a {@linkcode ProcessTree} (the process
 * helper); every signal it sends is pinned to the target's start time, so a
 * reused pid is never hit. When it cannot run, only the direct child is
 * signalled (Deno may always signal its own child).
 *
 * @module
 */
import { type Clock, within } from "../clock.ts";
import { log } from "../log.ts";
import type { ProcessTree } from "../processes/process_helper.ts";
import type { ProcessInfo } from "../processes/procfs.ts";
import type { ChildHandle } from "./spawn.ts";

/** The environment variable that marks every process of an instance. */
export const INSTANCE_MARKER_ENV = "FLOCK_INSTANCE_ID";

/**
 * Whether a command line is an `opencode serve` process: some argv entry is
 * named `opencode` (any directory) and a later one is `serve`.
 */
export function isOpenCodeServe(cmdline: readonly string[]): boolean {
  const index = cmdline.findIndex((arg) => /(^|\/)opencode$/.test(arg));
  return index >= 0 && cmdline.slice(index + 1).includes("serve");
}

/** Options for {@linkcode Reaper}. */
export interface ReaperOptions {
  processes: ProcessTree;
  clock: Clock;
  /** How long a SIGTERMed process may take before SIGKILL, in ms. */
  graceMs: number;
}

function targetsOf(list: Iterable<ProcessInfo>) {
  return [...list].map(({ pid, start }) => ({ pid, start }));
}

/** See the module documentation. */
export class Reaper {
  #processes: ProcessTree;
  #clock: Clock;
  #graceMs: number;

  constructor(options: ReaperOptions) {
    this.#processes = options.processes;
    this.#clock = options.clock;
    this.#graceMs = options.graceMs;
  }

  /**
   * Stops `child` and every process of the instance: records its tree,
   * SIGTERMs the child (SIGKILL after the grace period), then kills what is
   * left of the tree and every marked process. Never throws.
   */
  async stopTree(instanceId: string, child: ChildHandle): Promise<void> {
    const marker = { key: INSTANCE_MARKER_ENV, value: instanceId };
    let snapshot: ProcessInfo[] | null = null;
    try {
      snapshot = await this.#processes.scan({
        roots: [child.pid],
        envMatch: marker,
      });
    } catch (error) {
      log.warn(
        `Instance ${instanceId}: cannot list its processes, so only its main process is signalled:`,
        error,
      );
    }
    await this.stopChild(instanceId, child);
    if (snapshot === null) return;
    try {
      const later = await this.#processes.scan({ roots: [], envMatch: marker });
      const targets = new Map<number, ProcessInfo>();
      for (const p of [...snapshot, ...later]) {
        if (p.pid !== child.pid) targets.set(p.pid, p);
      }
      if (targets.size === 0) return;
      const result = await this.#processes.kill(
        targetsOf(targets.values()),
        "SIGTERM",
        1000,
      );
      log.info(
        `Instance ${instanceId}: killed ${result.signalled.length} leftover process(es)`,
      );
      if (result.survivors.length > 0) {
        log.error(
          `Instance ${instanceId}: processes survived SIGKILL: ${
            result.survivors.join(", ")
          }`,
        );
      }
    } catch (error) {
      log.warn(
        `Instance ${instanceId}: cannot kill leftover processes:`,
        error,
      );
    }
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves once it exited. */
  async stopChild(instanceId: string, child: ChildHandle): Promise<void> {
    if (child.kill("SIGTERM")) {
      const exit = await within(this.#clock, child.status, this.#graceMs);
      if (exit === undefined) {
        log.warn(
          `Instance ${instanceId}: pid ${child.pid} ignored SIGTERM for ${this.#graceMs} ms; sending SIGKILL`,
        );
        child.kill("SIGKILL");
      }
    }
    await child.status;
  }

  /**
   * Boot reconciliation of an instance a dead Flock left unsettled: a
   * recorded pid that is still an `opencode serve` (by its command line,
   * and not marked as another instance's) is killed with its descendants;
   * so is any process still marked with the instance's id. A pid that now
   * belongs to another program is never signalled. Never throws.
   */
  async reconcile(row: { id: string; pid: number | null }): Promise<void> {
    const marker = { key: INSTANCE_MARKER_ENV, value: row.id };
    try {
      const targets = new Map<number, ProcessInfo>();
      if (row.pid !== null) {
        const [info] = await this.#processes.inspect(
          [row.pid],
          [INSTANCE_MARKER_ENV],
        );
        const mark = info?.env[INSTANCE_MARKER_ENV];
        if (
          info && isOpenCodeServe(info.cmdline) &&
          (mark === undefined || mark === row.id)
        ) {
          targets.set(info.pid, info);
          const tree = await this.#processes.scan({
            roots: [info.pid],
            envMatch: marker,
          });
          for (const p of tree) targets.set(p.pid, p);
          log.info(
            `Reconcile: killing the leftover OpenCode of instance ${row.id} (pid ${info.pid})`,
          );
        } else if (info) {
          log.info(
            `Reconcile: pid ${row.pid} of instance ${row.id} now belongs to another program; leaving it alone`,
          );
        }
      }
      const marked = await this.#processes.scan({
        roots: [],
        envMatch: marker,
      });
      for (const p of marked) targets.set(p.pid, p);
      if (targets.size > 0) {
        await this.#processes.kill(
          targetsOf(targets.values()),
          "SIGTERM",
          this.#graceMs,
        );
      }
    } catch (error) {
      log.warn(
        `Reconcile: cannot check the processes of instance ${row.id}; leaving them alone:`,
        error,
      );
    }
  }
}
