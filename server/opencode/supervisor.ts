/**
 * Supervises `opencode serve` children, one per instance: the public face
 * of the parts in this folder. Every transition is persisted through
 * {@linkcode InstanceStore} and published as an `instance.status` event.
 *
 * | part                    | what it does                                                    |
 * | ----------------------- | --------------------------------------------------------------- |
 * | `instance_registry.ts`  | in-memory records, transitions → store + events, status waiters |
 * | `restart_loop.ts`       | pure restart decisions (backoff, give up) and the loop driver    |
 * | `instance_run.ts`       | one run of an instance: transitions around a child, the outcome |
 * | `child_run.ts`          | one child: spawn → listening → healthy → watch → terminate      |
 * | `health_monitor.ts`     | periodic health checks and the unhealthy verdict                 |
 * | `reaper.ts`             | tree kill, `FLOCK_INSTANCE_ID` marker, boot reconciliation      |
 * | `remote_run.ts`         | one connection to an attached remote server (never killed)      |
 * | `wake_gate.ts`          | the API's clients: wake a hibernated instance once, then go     |
 * | `instance_stop.ts`      | stop, hibernate, and the stop at shutdown                        |
 * | `boot_reconcile.ts`     | settle what a dead Flock left; the processes go to the reaper    |
 *
 * Ownership: each instance has at most one restart loop and one run at a
 * time; a run owns everything it started and ends it in one idempotent
 * terminate. Time comes from the injected {@linkcode Clock}; process-tree
 * work goes through one shared process helper, owned by the supervisor.
 *
 * @module
 */
import type {
  InstanceJson,
  InstanceStatus,
  LogLineJson,
} from "../contract/instances.ts";
import { type Clock, systemClock } from "../clock.ts";
import { ActivityRegistry } from "../fleet/activity.ts";
import { log } from "../log.ts";
import {
  ProcessHelper,
  type ProcessTree,
} from "../processes/process_helper.ts";
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from "./backoff.ts";
import { DEFAULT_HEALTH_POLICY } from "./health_monitor.ts";
import {
  InstanceNotFoundError,
  InstanceNotRunningError,
  SupervisorClosedError,
} from "./instance_errors.ts";
import { InstanceRegistry, type Managed } from "./instance_registry.ts";
import { type InstanceRunDeps, superviseInstance } from "./instance_run.ts";
import type { OpenCodeClient } from "./opencode_client.ts";
import { Reaper } from "./reaper.ts";
import { spawnChild } from "./spawn.ts";
import { WakeGate } from "./wake_gate.ts";
import { reconcileRows } from "./boot_reconcile.ts";
import { stopAllWithin, type StopDeps, stopRun } from "./instance_stop.ts";
import type { SupervisorOptions } from "./supervisor_options.ts";

export type { SupervisorOptions } from "./supervisor_options.ts";

/**
 * Supervises the OpenCode servers of all instances; see the module
 * documentation. Compose it once (`services.ts`), `reconcile()` at boot,
 * then `start(id)` each new row.
 */
export class Supervisor implements AsyncDisposable {
  #registry: InstanceRegistry;
  #reaper: Reaper;
  #helper: ProcessHelper | null = null;
  #run: InstanceRunDeps;
  #policy: RestartPolicy;
  #processes: ProcessTree;
  #gate: WakeGate;
  #shuttingDown = false;
  #clock: Clock;
  #random: () => number;
  #stopAllTimeoutMs: number;
  #closed = false;

  constructor(options: SupervisorOptions) {
    const clock = this.#clock = options.clock ?? systemClock;
    const spawn = options.spawn ?? spawnChild;
    this.#random = options.random ?? Math.random;
    this.#policy = { ...DEFAULT_RESTART_POLICY, ...options.restartPolicy };
    this.#stopAllTimeoutMs = options.stopAllTimeoutMs ?? 15_000;
    this.#registry = new InstanceRegistry({
      store: options.instances,
      publish: options.publish,
      clock,
      logLines: options.logLines ?? 500,
    });
    let processes = options.processes;
    if (!processes) {
      const helperBinary = options.helperBinary;
      processes = this.#helper = new ProcessHelper({
        binary: () => helperBinary ?? options.binary().path,
        spawn,
        clock,
      });
    }
    this.#processes = processes;
    const activity = options.activity ??
      new ActivityRegistry({ clock });
    this.#reaper = new Reaper({
      processes,
      clock,
      graceMs: options.stopGraceMs ?? 5000,
    });
    this.#run = {
      registry: this.#registry,
      binary: options.binary,
      childEnv: options.childEnv ?? {},
      opencodeConfigPath: options.opencodeConfigPath,
      spawn,
      clock,
      reaper: this.#reaper,
      readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
      health: { ...DEFAULT_HEALTH_POLICY, ...options.health },
      isBusy: (id) => activity.isBusy(id),
      publish: options.publish,
      onResync: options.onResync,
      random: this.#random,
      policy: this.#policy,
    };
    const readyTimeoutMs = this.#run.readyTimeoutMs;
    this.#gate = new WakeGate({
      registry: this.#registry,
      activity,
      // A wake ends within the ready timeout; the margin covers a stop in
      // progress and the transitions around it.
      wakeTimeoutMs: readyTimeoutMs + (options.stopGraceMs ?? 5000) + 5000,
      start: (m) => this.#startManaged(m, { wake: true }),
    });
  }

  /** The process-tree operations (memory accounting uses them too). */
  get processes(): ProcessTree {
    return this.#processes;
  }

  /**
   * Starts supervising an instance whose row exists (normally just created
   * in `starting`, or `stopped`/`error` for a start after a stop). Returns at
   * once; the child is spawned in the background and the outcome shows up
   * as `instance.status` events. Does nothing if the instance is already
   * supervised; a start during a stop runs after the stop.
   *
   * @throws {InstanceNotFoundError} when the row does not exist.
   * @throws {SupervisorClosedError} after disposal.
   */
  start(instanceId: string): void {
    if (this.#closed) throw new SupervisorClosedError();
    const row = this.#registry.store.get(instanceId);
    if (!row) throw new InstanceNotFoundError(instanceId);
    const m = this.#registry.ensure(row);
    if (m.stopping) {
      m.stopping.then(() => {
        if (!this.#closed && !m.task) this.start(instanceId);
      }).catch((error) =>
        log.error(`Cannot start instance ${instanceId} after its stop:`, error)
      );
      return;
    }
    if (m.task) return;
    m.status = row.status;
    this.#startManaged(m, { wake: false });
  }

  #startManaged(m: Managed, options: { wake: boolean }): void {
    if (this.#closed) throw new SupervisorClosedError();
    if (m.task) return;
    m.wanted = true;
    m.stopCtl = new AbortController();
    m.task = superviseInstance(m, options.wake, this.#run)
      .catch((error) =>
        log.error(`Supervision of instance ${m.id} failed:`, error)
      )
      .finally(() => {
        m.task = null;
      });
  }

  /**
   * Stops an instance on purpose: aborts busy sessions, SIGTERMs the child
   * (SIGKILL after the grace period), then kills every leftover process of
   * the instance. Ends in `stopped`; never restarts. Safe to call in any
   * state and more than once.
   */
  async stop(instanceId: string): Promise<void> {
    const m = this.#registry.get(instanceId);
    // A hibernation in progress finishes first; then it is stopped for good.
    if (m?.stopping && m.status === "hibernating") await m.stopping;
    if (!m || (!m.task && !m.run && !m.stopping)) {
      // At shutdown, what does not run stays as it is (hibernated stays).
      if (this.#shuttingDown) return;
      this.#registry.settleStopped(instanceId);
      return;
    }
    m.stopping ??= stopRun(m, "stopped", this.#stopDeps()).finally(() => {
      m.stopping = null;
    });
    return await m.stopping;
  }

  /**
   * Puts a running local instance to sleep: stops its child and every
   * process of it (without aborting anything: the caller checked it is
   * idle), and ends in `hibernated`. The next request that needs the child
   * wakes it ({@linkcode ensureClient}).
   *
   * @returns false when it was not a running local instance.
   */
  hibernate(instanceId: string): Promise<boolean> {
    const m = this.#registry.get(instanceId);
    if (
      !m || m.kind !== "local" || m.status !== "running" || m.stopping ||
      m.waking || this.#closed
    ) {
      return Promise.resolve(false);
    }
    const done = stopRun(m, "hibernated", this.#stopDeps()).finally(() => {
      m.stopping = null;
    });
    m.stopping = done;
    return done.then(() => true);
  }

  /** Writes one line of Flock's own into the instance's log. */
  note(instanceId: string, line: string): void {
    const m = this.#registry.get(instanceId);
    if (m) this.#registry.note(m, line);
  }

  /**
   * A REST client for the API: waits for a starting instance, wakes a
   * hibernated one (concurrent callers share one wake, so one spawn), and
   * marks activity for as long as each of its calls runs.
   *
   * @throws {InstanceNotFoundError} when the row does not exist.
   * @throws {InstanceNotRunningError} when it is stopped, stopping or in error.
   * @throws {InstanceWakeError} when the wake failed (the instance is left in `error`).
   */
  ensureClient(
    instanceId: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<OpenCodeClient> {
    if (this.#closed) return Promise.reject(new SupervisorClosedError());
    return this.#gate.ensure(instanceId, options.signal);
  }

  /**
   * The run's own client of a running instance, or null: for Flock's own
   * questions (its calls do not count as activity).
   */
  ownClient(instanceId: string): OpenCodeClient | null {
    const m = this.#registry.get(instanceId);
    return m?.status === "running" ? m.run?.client ?? null : null;
  }

  /** The API's client of a running instance, or null (never wakes it). */
  runningClient(instanceId: string): OpenCodeClient | null {
    return this.#gate.running(instanceId);
  }

  /**
   * {@linkcode runningClient}, for tests and tools that expect it running.
   *
   * @throws {InstanceNotRunningError} unless the instance is `running`.
   */
  client(instanceId: string): OpenCodeClient {
    const client = this.#gate.running(instanceId);
    if (client) return client;
    const m = this.#registry.get(instanceId);
    throw new InstanceNotRunningError(
      instanceId,
      m?.status ?? this.#registry.store.get(instanceId)?.status ?? null,
    );
  }

  /** The pid of every running local child, by instance id. */
  localPids(): Map<string, number> {
    const pids = new Map<string, number>();
    for (const m of this.#registry.values()) {
      const pid = m.run?.pid;
      if (m.kind === "local" && typeof pid === "number") pids.set(m.id, pid);
    }
    return pids;
  }

  /** Stops the instance, then starts it again with a fresh attempt counter. */
  async restart(instanceId: string): Promise<void> {
    await this.stop(instanceId);
    this.start(instanceId);
  }

  /**
   * Stops the instance and forgets its in-memory state (logs). For when the
   * row is being deleted; the caller deletes the row.
   */
  async forget(instanceId: string): Promise<void> {
    await this.stop(instanceId);
    this.#registry.forget(instanceId);
  }

  /**
   * Last resort for a forced exit: SIGKILLs every direct child at once,
   * synchronously, without waiting or updating the database. Tool processes
   * of those children may survive; boot reconciliation reaps what is left.
   *
   * @returns How many children were signalled.
   */
  killNow(): number {
    let killed = 0;
    for (const m of this.#registry.values()) {
      m.wanted = false;
      if (m.run?.killNow()) killed++;
    }
    return killed;
  }

  /** The last output lines of the instance's children (oldest first). */
  logs(instanceId: string): LogLineJson[] {
    return this.#registry.get(instanceId)?.logs.lines() ?? [];
  }

  /**
   * Resolves with the instance once its status is one of `statuses`.
   *
   * @throws {InstanceNotFoundError} when the row does not exist.
   * @throws {Error} when `timeoutMs` passes first.
   */
  waitForStatus(
    instanceId: string,
    statuses: readonly InstanceStatus[],
    timeoutMs = 60_000,
  ): Promise<InstanceJson> {
    return this.#registry.waitForStatus(instanceId, statuses, timeoutMs);
  }

  /**
   * Boot reconciliation: settles the rows a dead Flock left unsettled,
   * after killing what is left of their local processes (see
   * {@linkcode Reaper.reconcile}: a pid that now belongs to another program
   * is never signalled). A stop in progress ends `stopped`; an instance
   * that was starting, running or hibernating ends `hibernated`, so the
   * next request wakes it (what a clean shutdown leaves too).
   */
  reconcile(): Promise<void> {
    return reconcileRows({
      registry: this.#registry,
      reaper: this.#reaper,
      clock: this.#clock,
    });
  }

  /**
   * Reconnects the remote instances a previous Flock left connected
   * (`hibernated` after a shutdown or a reconciliation). Local ones stay
   * hibernated until a request needs them.
   */
  resume(): void {
    for (const row of this.#registry.store.list()) {
      if (row.kind !== "remote" || row.status !== "hibernated") continue;
      try {
        this.start(row.id);
      } catch (error) {
        log.error(`Cannot reconnect instance ${row.id}:`, error);
      }
    }
  }

  /**
   * Stops every instance in parallel, bounded by `stopAllTimeoutMs`. The
   * ones that were wanted running end `hibernated` (they wake on use after
   * the next start); the rest end `stopped`.
   */
  async stopAll(): Promise<void> {
    this.#shuttingDown = true;
    await stopAllWithin(
      this.#registry,
      (id) => this.stop(id),
      this.#clock,
      this.#stopAllTimeoutMs,
    );
  }

  /** Stops everything, closes the process helper and refuses further starts. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#closed = true;
    await this.stopAll();
    await this.#helper?.close();
  }

  #stopDeps(): StopDeps {
    return {
      registry: this.#registry,
      clock: this.#clock,
      shuttingDown: this.#shuttingDown,
    };
  }
}
