/**
 * Keeps each local instance's `memory_rss_bytes` (its child plus every
 * descendant: language servers, MCP servers, tools) and recycles an idle
 * instance over `--max-instance-memory`.
 *
 * Bounded work: at most one refresh every `intervalMs` (5 s), and each is
 * one request to the process helper for all instances (one scan of
 * `/proc`, `attributeMemory` splits it). It only runs while someone cares:
 * a page holds an event stream open, the API was asked for instances in
 * the last 30 s, or a ceiling is set; otherwise the helper may close.
 * Clients hear of a change (≥ 8 MiB or 5 %) through `instance.status`.
 *
 * The recycle rule: over the ceiling, no busy session, no pending
 * permission or question, no lease, and quiet for `recycleQuietMs` (60 s),
 * at most once per `recycleCooldownMs` (5 min) per instance. It is logged
 * in the instance's log and Flock's, and recorded as `last_recycle`.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { InstanceJson } from "../contract/instances.ts";
import type { InstanceStore } from "../db/instance_store.ts";
import { log } from "../log.ts";
import type { ProcessTree } from "../processes/process_helper.ts";
import type { ActivityRegistry } from "./activity.ts";
import { activeReason } from "./idle_rule.ts";
import { attributeMemory, memoryChanged } from "./memory.ts";

/** Options for {@linkcode MemoryMonitor}. */
export interface MemoryMonitorOptions {
  instances: InstanceStore;
  /** Every running local child's pid, by instance id. */
  pids(): Map<string, number>;
  processes: Pick<ProcessTree, "scan">;
  /** Publishes an `instance.status` with the new figure. */
  publish(instance: InstanceJson): void;
  activity: ActivityRegistry;
  clock: Clock;
  /** Whether a client watches (an open event stream). */
  watched(): boolean;
  /** `--max-instance-memory` in bytes, or null. */
  ceilingBytes: number | null;
  /** Restarts an instance with a line in its log. */
  recycle(instanceId: string, why: string): Promise<void>;
  /** Between refreshes, in ms. Default 5000. */
  intervalMs?: number;
  /** Quiet time before an instance over the ceiling is recycled, in ms. Default 60 000. */
  recycleQuietMs?: number;
  /** Least time between two recycles of one instance, in ms. Default 300 000. */
  recycleCooldownMs?: number;
}

const MIB = 1024 * 1024;

/** See the module documentation. */
export class MemoryMonitor {
  #o: MemoryMonitorOptions;
  #interval: number;
  #published = new Map<string, number | null>();
  #recycledAt = new Map<string, number>();
  #askedAt = Number.NEGATIVE_INFINITY;
  #ctl = new AbortController();
  #loop: Promise<void> | null = null;

  constructor(options: MemoryMonitorOptions) {
    this.#o = options;
    this.#interval = options.intervalMs ?? 5000;
  }

  /** Starts refreshing in the background. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** An API client read instances: keep the figures fresh for a while. */
  wanted(): void {
    this.#askedAt = this.#o.clock.now();
  }

  /** Whether anyone cares about fresh figures now. */
  cares(): boolean {
    return this.#o.ceilingBytes !== null || this.#o.watched() ||
      this.#o.clock.now() - this.#askedAt < 30_000;
  }

  /** Stops the loop (an ongoing refresh finishes). */
  async close(): Promise<void> {
    this.#ctl.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { clock } = this.#o;
    while (await clock.sleep(this.#interval, this.#ctl.signal)) {
      if (!this.cares()) continue;
      try {
        await this.refresh();
      } catch (error) {
        log.debug("Cannot measure the instances' memory:", error);
      }
    }
  }

  /** One refresh: one scan for every running child, then the ceiling. */
  async refresh(): Promise<void> {
    const { instances } = this.#o;
    const pids = this.#o.pids();
    const roots = new Map([...pids].map(([id, pid]) => [pid, id]));
    const found = pids.size === 0 ? [] : await this.#o.processes.scan({
      roots: [...roots.keys()],
      includeRoots: true,
      rss: true,
    });
    const totals = attributeMemory(found, roots);
    for (const id of new Set([...pids.keys(), ...this.#published.keys()])) {
      const bytes = totals.get(id) ?? null;
      instances.setMemory(id, bytes);
      const before = this.#published.get(id) ?? null;
      if (!memoryChanged(before, bytes)) continue;
      if (bytes === null) this.#published.delete(id);
      else this.#published.set(id, bytes);
      const row = instances.get(id);
      if (row) this.#o.publish(row);
    }
    const ceiling = this.#o.ceilingBytes;
    if (ceiling === null) return;
    for (const [id, bytes] of totals) {
      if (bytes > ceiling && this.#mayRecycle(id)) {
        await this.#recycle(id, bytes, ceiling);
      }
    }
  }

  #mayRecycle(id: string): boolean {
    const { activity, clock } = this.#o;
    const now = clock.now();
    const last = this.#recycledAt.get(id);
    if (
      last !== undefined && now - last < (this.#o.recycleCooldownMs ?? 300_000)
    ) {
      return false;
    }
    const snapshot = activity.snapshot(id);
    return activeReason(snapshot) === null &&
      now - snapshot.lastActiveAt >= (this.#o.recycleQuietMs ?? 60_000);
  }

  async #recycle(id: string, bytes: number, ceiling: number): Promise<void> {
    const { instances, clock } = this.#o;
    this.#recycledAt.set(id, clock.now());
    const why = `Recycled: its processes used ${
      Math.round(bytes / MIB)
    } MiB, over --max-instance-memory ${
      Math.round(ceiling / MIB)
    } MiB, while it was idle`;
    log.warn(`Instance ${id}: ${why}`);
    instances.update(id, {
      last_recycle: {
        at: new Date(clock.now()).toISOString(),
        rss_bytes: bytes,
        limit_bytes: ceiling,
      },
    });
    try {
      await this.#o.recycle(id, why);
    } catch (error) {
      log.error(`Instance ${id}: cannot recycle it:`, error);
    }
  }
}
