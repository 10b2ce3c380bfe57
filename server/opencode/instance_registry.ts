/**
 * The supervisor's in-memory records, one per supervised instance, and the
 * one way their state changes: {@linkcode InstanceRegistry.transition}
 * applies the pure state machine (`instance_state.ts`), persists the row
 * through {@linkcode InstanceStore}, publishes `instance.status` and wakes
 * {@linkcode InstanceRegistry.waitForStatus} callers.
 *
 * @module
 */
import type { WireEvent } from "../contract/events.ts";
import type {
  InstanceJson,
  InstanceKind,
  InstanceStatus,
} from "../contract/instances.ts";
import type { Clock } from "../clock.ts";
import type { InstancePatch, InstanceStore } from "../db/instance_store.ts";
import { log } from "../log.ts";
import type { InstanceRun } from "./child_run.ts";
import { InstanceNotFoundError } from "./instance_errors.ts";
import { type InstanceInput, nextState } from "./instance_state.ts";
import { LogRing } from "./log_ring.ts";

/** One supervised instance. */
export interface Managed {
  readonly id: string;
  readonly dir: string;
  /** A local child, or an attached remote server. */
  readonly kind: InstanceKind;
  status: InstanceStatus;
  readonly logs: LogRing;
  /** Whether the user wants it running (false after stop). */
  wanted: boolean;
  /** Aborted by stop: wakes the loop from any wait. */
  stopCtl: AbortController;
  /** The current run, if any. */
  run: InstanceRun | null;
  /** The restart loop, while it runs. */
  task: Promise<void> | null;
  /** The stop (or hibernation) in progress, if any. */
  stopping: Promise<void> | null;
  /** The wake in progress, if any: every request waiting on it shares it. */
  waking: Promise<void> | null;
}

type Waiter = (instance: InstanceJson) => void;

/** A fresh, idle record for an instance row. */
function newManaged(row: InstanceJson, logLines: number): Managed {
  return {
    id: row.id,
    dir: row.working_directory,
    kind: row.kind,
    status: row.status,
    logs: new LogRing(logLines),
    wanted: false,
    stopCtl: new AbortController(),
    run: null,
    task: null,
    stopping: null,
    waking: null,
  };
}

/** Options for {@linkcode InstanceRegistry}. */
export interface InstanceRegistryOptions {
  store: InstanceStore;
  publish: (event: WireEvent) => void;
  clock: Clock;
  /** Output lines kept per instance. */
  logLines: number;
}

/** See the module documentation. */
export class InstanceRegistry {
  #store: InstanceStore;
  #publish: (event: WireEvent) => void;
  #clock: Clock;
  #logLines: number;
  #managed = new Map<string, Managed>();
  #waiters = new Map<string, Set<Waiter>>();

  constructor(options: InstanceRegistryOptions) {
    this.#store = options.store;
    this.#publish = options.publish;
    this.#clock = options.clock;
    this.#logLines = options.logLines;
  }

  /** The store the rows live in. */
  get store(): InstanceStore {
    return this.#store;
  }

  get(id: string): Managed | undefined {
    return this.#managed.get(id);
  }

  has(id: string): boolean {
    return this.#managed.has(id);
  }

  ids(): string[] {
    return [...this.#managed.keys()];
  }

  values(): IterableIterator<Managed> {
    return this.#managed.values();
  }

  /** The record of `row`, created idle if there is none. */
  ensure(row: InstanceJson): Managed {
    let m = this.#managed.get(row.id);
    if (!m) this.#managed.set(row.id, m = newManaged(row, this.#logLines));
    return m;
  }

  /** Forgets the record (when idle) and the waiters of an instance. */
  forget(id: string): void {
    const m = this.#managed.get(id);
    if (m && !m.task && !m.run) this.#managed.delete(id);
    this.#waiters.delete(id);
  }

  /** Publishes a row's status and wakes its waiters. */
  emit(instance: InstanceJson): void {
    try {
      this.#publish({
        type: "instance.status",
        instance_id: instance.id,
        properties: { instance },
      });
    } catch (error) {
      log.error(`Cannot publish the status of instance ${instance.id}:`, error);
    }
    const waiters = this.#waiters.get(instance.id);
    if (waiters) { for (const waiter of [...waiters]) waiter(instance); }
  }

  /**
   * Persists a patch and publishes the row. When the row is gone, the
   * instance is no longer wanted and its loop is woken to end.
   */
  patch(m: Managed, patch: InstancePatch): InstanceJson | undefined {
    let row: InstanceJson | undefined;
    try {
      row = this.#store.update(m.id, patch);
    } catch (error) {
      log.error(`Cannot record the state of instance ${m.id}:`, error);
      return undefined;
    }
    if (!row) {
      log.warn(`Instance ${m.id} no longer exists; stopping its supervision`);
      m.wanted = false;
      m.stopCtl.abort();
      return undefined;
    }
    m.status = row.status;
    this.emit(row);
    return row;
  }

  /** Applies a state-machine input; returns false when it is not allowed. */
  transition(
    m: Managed,
    input: InstanceInput,
    patch: InstancePatch = {},
  ): boolean {
    const next = nextState(m.status, input);
    if (next === null) {
      log.debug(`Instance ${m.id}: ignoring ${input} in ${m.status}`);
      return false;
    }
    m.status = next;
    this.patch(m, { ...patch, status: next });
    return true;
  }

  /** Brings a row whose instance has no child to `stopped`. */
  settleStopped(instanceId: string): void {
    const row = this.#store.get(instanceId);
    if (!row || row.status === "stopped") return;
    const m = this.#managed.get(instanceId) ?? newManaged(row, 1);
    m.status = row.status;
    if (row.status !== "stopping") this.transition(m, "stop");
    this.transition(m, "stopped", {
      pid: null,
      port: null,
      hibernated_at: null,
    });
  }

  /** Writes one line of Flock's own into the instance's log. */
  note(m: Managed, line: string): void {
    m.logs.push({
      stream: "stderr",
      line: `[flock] ${line}`,
      time: new Date(this.#clock.now()).toISOString(),
    });
  }

  /**
   * Resolves with the instance once its status is one of `statuses`.
   *
   * @throws {InstanceNotFoundError} when the row does not exist.
   * @throws {Error} when `timeoutMs` passes first (on the clock).
   */
  waitForStatus(
    instanceId: string,
    statuses: readonly InstanceStatus[],
    timeoutMs: number,
  ): Promise<InstanceJson> {
    const row = this.#store.get(instanceId);
    if (!row) return Promise.reject(new InstanceNotFoundError(instanceId));
    if (statuses.includes(row.status)) return Promise.resolve(row);
    return new Promise((resolve, reject) => {
      let set = this.#waiters.get(instanceId);
      if (!set) this.#waiters.set(instanceId, set = new Set());
      const waiters = set;
      const timer = new AbortController();
      const waiter: Waiter = (instance) => {
        if (!statuses.includes(instance.status)) return;
        timer.abort();
        waiters.delete(waiter);
        resolve(instance);
      };
      waiters.add(waiter);
      this.#clock.sleep(timeoutMs, timer.signal).then((elapsed) => {
        if (!elapsed) return;
        waiters.delete(waiter);
        reject(
          new Error(
            `Timed out after ${timeoutMs} ms waiting for instance ${instanceId} to become ${
              statuses.join(" or ")
            } (it is ${this.#store.get(instanceId)?.status ?? "gone"})`,
          ),
        );
      });
    });
  }
}
