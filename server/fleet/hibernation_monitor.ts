/**
 * Puts idle local instances to sleep. It looks at every running local
 * instance, asks the idle rule (`idle_rule.ts`) about each, and sleeps until
 * the soonest one could be idle (or until something changes: any activity,
 * a new instance, a changed timeout). Before it hibernates an instance it
 * asks the instance's own server whether anything is busy or pending (in
 * case an event was missed), and it checks the rule once more after that
 * answer: a request that arrived meanwhile wins.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { WireEvent } from "../contract/events.ts";
import type { InstanceStore } from "../db/instance_store.ts";
import { log } from "../log.ts";
import type { ActivityRegistry } from "./activity.ts";
import { idleVerdict } from "./idle_rule.ts";

/** Options for {@linkcode HibernationMonitor}. */
export interface HibernationMonitorOptions {
  instances: InstanceStore;
  activity: ActivityRegistry;
  clock: Clock;
  /** Stops the instance's child; false when it was not running. */
  hibernate(instanceId: string): Promise<boolean>;
  /**
   * Asks the instance's server what keeps it busy (busy sessions, pending
   * permissions); null when nothing. Must not reject.
   */
  pendingWork(instanceId: string): Promise<string | null>;
  /** The longest sleep between two looks, in ms. Default 60 000. */
  maxWaitMs?: number;
}

/** See the module documentation. */
export class HibernationMonitor {
  #o: HibernationMonitorOptions;
  #ctl = new AbortController();
  #poke = new AbortController();
  #loop: Promise<void> | null = null;
  #inFlight = new Map<string, Promise<void>>();
  #unsubscribe: () => void;

  constructor(options: HibernationMonitorOptions) {
    this.#o = options;
    this.#unsubscribe = options.activity.onChange(() => this.poke());
  }

  /** Starts watching in the background. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Looks again now (something changed). */
  poke(): void {
    this.#poke.abort();
  }

  /** Applies a published event: a status or settings change means look again. */
  observe(event: WireEvent): void {
    if (event.type === "instance.status") this.poke();
  }

  /** Stops watching; hibernations in progress finish. */
  async close(): Promise<void> {
    this.#unsubscribe();
    this.#ctl.abort();
    this.poke();
    await this.#loop;
    await Promise.allSettled(this.#inFlight.values());
  }

  async #run(): Promise<void> {
    const { clock } = this.#o;
    const maxWaitMs = this.#o.maxWaitMs ?? 60_000;
    while (!this.#ctl.signal.aborted) {
      this.#poke = new AbortController();
      let next = maxWaitMs;
      for (const id of this.#idleIds((ms) => next = Math.min(next, ms))) {
        this.#hibernate(id);
      }
      await clock.sleep(
        next,
        AbortSignal.any([this.#ctl.signal, this.#poke.signal]),
      );
    }
  }

  /** The running local instances that are idle now; `wait` hears of the others. */
  #idleIds(wait: (ms: number) => void): string[] {
    const { instances, activity, clock } = this.#o;
    const idle: string[] = [];
    const now = clock.now();
    for (const row of instances.list()) {
      if (row.kind !== "local" || row.status !== "running") continue;
      if (this.#inFlight.has(row.id)) continue;
      const verdict = idleVerdict(
        activity.snapshot(row.id),
        row.idle_timeout_s,
        now,
      );
      if (verdict.kind === "wait") wait(verdict.ms);
      if (verdict.kind === "idle") idle.push(row.id);
    }
    return idle;
  }

  #hibernate(id: string): void {
    const done = (async () => {
      const { activity, instances, clock } = this.#o;
      const before = activity.snapshot(id).lastActiveAt;
      const work = await this.#o.pendingWork(id);
      if (work !== null) {
        log.info(
          `Instance ${id}: not hibernating, its OpenCode reports ${work}`,
        );
        activity.touch(id);
        return;
      }
      const row = instances.get(id);
      if (!row || row.status !== "running") return;
      const snapshot = activity.snapshot(id);
      const verdict = idleVerdict(snapshot, row.idle_timeout_s, clock.now());
      if (verdict.kind !== "idle" || snapshot.lastActiveAt !== before) return;
      log.info(
        `Instance ${id}: hibernating after ${
          Math.round(verdict.quietMs / 1000)
        } s without activity`,
      );
      await this.#o.hibernate(id);
    })().catch((error) =>
      log.error(`Instance ${id}: cannot hibernate it:`, error)
    ).finally(() => {
      this.#inFlight.delete(id);
      this.poke();
    });
    this.#inFlight.set(id, done);
  }
}
