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
 *
 * Ownership: each instance has at most one restart loop and one run at a
 * time; a run owns everything it started and ends it in one idempotent
 * terminate. Time comes from the injected {@linkcode Clock}; process-tree
 * work goes through one shared process helper, owned by the supervisor.
 *
 * @module
 */
import type { PublishEvent } from "../contract/events.ts";
import type { InstanceStatus, LogLineJson } from "../contract/instances.ts";
import type { InstanceJson } from "../contract/instances.ts";
import { type Clock, systemClock, within } from "../clock.ts";
import type { InstanceStore } from "../db/instance_store.ts";
import { log } from "../log.ts";
import {
  ProcessHelper,
  type ProcessTree,
} from "../processes/process_helper.ts";
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from "./backoff.ts";
import { DEFAULT_HEALTH_POLICY, type HealthPolicy } from "./health_monitor.ts";
import {
  InstanceNotFoundError,
  InstanceNotRunningError,
  SupervisorClosedError,
} from "./instance_errors.ts";
import { InstanceRegistry, type Managed } from "./instance_registry.ts";
import { type InstanceRunDeps, runInstanceOnce } from "./instance_run.ts";
import type { ResolvedBinary } from "./opencode_binary.ts";
import type { OpenCodeClient } from "./opencode_client.ts";
import { Reaper } from "./reaper.ts";
import { restartLoop } from "./restart_loop.ts";
import { spawnChild, type SpawnFn } from "./spawn.ts";
import type { ResyncHook } from "./upstream_events.ts";

/** Options for {@linkcode Supervisor}. */
export interface SupervisorOptions {
  /** Where instance rows live. */
  instances: InstanceStore;
  /**
   * Receives `instance.status` events and the children's upstream events
   * (those with their directory and forwarded JSON).
   */
  publish: PublishEvent;
  /** Receives the sessions and their statuses after each (re)connect of an event stream. */
  onResync?: ResyncHook;
  /**
   * Resolves the OpenCode binary; called before each spawn. A thrown error's
   * message becomes the instance's `last_error`.
   */
  binary: () => ResolvedBinary;
  /**
   * The binary that runs the process helper. Default: the resolved
   * OpenCode binary (the one `--allow-run` permits).
   */
  helperBinary?: string;
  /**
   * Process-tree operations (listing descendants, killing leftovers).
   * Default: one {@linkcode ProcessHelper}, owned and closed by the
   * supervisor.
   */
  processes?: ProcessTree;
  /** Starts processes. Default {@linkcode spawnChild}. */
  spawn?: SpawnFn;
  /** Extra environment for every child (isolated XDG dirs, config content …). */
  childEnv?: Readonly<Record<string, string>>;
  /** An OpenCode config file for every child, passed as `OPENCODE_CONFIG`. */
  opencodeConfigPath?: string | undefined;
  /** Listening line plus healthy answer must come within this, in ms. Default 30 000. */
  readyTimeoutMs?: number;
  /** How long a SIGTERMed child may take before SIGKILL, in ms. Default 5000. */
  stopGraceMs?: number;
  /** Upper bound for {@linkcode Supervisor.stopAll}, in ms. Default 15 000. */
  stopAllTimeoutMs?: number;
  /** Output lines kept per instance. Default 500. */
  logLines?: number;
  restartPolicy?: Partial<RestartPolicy>;
  health?: Partial<HealthPolicy>;
  /** Time and timers. Default {@linkcode systemClock}. */
  clock?: Clock;
  /** Backoff jitter. Default `Math.random`. */
  random?: () => number;
}

/**
 * Supervises the OpenCode children of all instances.
 *
 * @example
 * ```ts
 * await using supervisor = new Supervisor({
 *   instances,
 *   publish: (event, meta) => broker.publish(event, meta?.json),
 *   binary: () => resolveOpenCodeBinaryFromEnv(config.opencode),
 * });
 * await supervisor.reconcile();
 * const row = instances.create({ id, name, working_directory });
 * supervisor.start(row.id);
 * ```
 */
export class Supervisor implements AsyncDisposable {
  #registry: InstanceRegistry;
  #reaper: Reaper;
  #helper: ProcessHelper | null = null;
  #run: InstanceRunDeps;
  #policy: RestartPolicy;
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
      publish: options.publish,
      onResync: options.onResync,
      random: this.#random,
    };
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
    m.wanted = true;
    m.stopCtl = new AbortController();
    m.task = this.#supervise(m)
      .catch((error) =>
        log.error(`Supervision of instance ${instanceId} failed:`, error)
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
  stop(instanceId: string): Promise<void> {
    const m = this.#registry.get(instanceId);
    if (!m || (!m.task && !m.run && !m.stopping)) {
      this.#registry.settleStopped(instanceId);
      return Promise.resolve();
    }
    m.stopping ??= this.#stopManaged(m).finally(() => {
      m.stopping = null;
    });
    return m.stopping;
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
   * The REST client of a running instance.
   *
   * @throws {InstanceNotRunningError} unless the instance is `running`.
   */
  client(instanceId: string): OpenCodeClient {
    const m = this.#registry.get(instanceId);
    const client = m?.run?.client;
    if (!m || m.status !== "running" || !client) {
      throw new InstanceNotRunningError(
        instanceId,
        m?.status ?? this.#registry.store.get(instanceId)?.status ?? null,
      );
    }
    return client;
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
   * Boot reconciliation: settles rows a dead Flock left `starting`,
   * `running` or `stopping` to `stopped`, after killing what is left of
   * their processes (see {@linkcode Reaper.reconcile}: a pid that now
   * belongs to another program is never signalled).
   */
  async reconcile(): Promise<void> {
    const store = this.#registry.store;
    const rows = store.listUnsettled()
      .filter((row) => !this.#registry.has(row.id));
    await Promise.all(rows.map(async (row) => {
      await this.#reaper.reconcile(row);
      let updated: InstanceJson | undefined;
      try {
        updated = store.update(row.id, {
          status: "stopped",
          pid: null,
          port: null,
        });
      } catch (error) {
        log.error(
          `Reconcile: cannot record instance ${row.id} as stopped:`,
          error,
        );
      }
      if (updated) this.#registry.emit(updated);
    }));
  }

  /** Stops every instance in parallel, bounded by `stopAllTimeoutMs`. */
  async stopAll(): Promise<void> {
    const all = Promise.allSettled(
      this.#registry.ids().map((id) => this.stop(id)),
    );
    if (await within(this.#clock, all, this.#stopAllTimeoutMs) !== undefined) {
      return;
    }
    log.error(
      `Stopping all instances took longer than ${this.#stopAllTimeoutMs} ms; killing the remaining children`,
    );
    for (const m of this.#registry.values()) {
      m.wanted = false;
      m.stopCtl.abort();
      m.run?.killNow();
    }
    await within(this.#clock, all, 2000);
  }

  /** Stops everything, closes the process helper and refuses further starts. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#closed = true;
    await this.stopAll();
    await this.#helper?.close();
  }

  async #stopManaged(m: Managed): Promise<void> {
    m.wanted = false;
    m.stopCtl.abort();
    this.#registry.transition(m, "stop");
    await m.run?.terminate({ abortSessions: true });
    await m.task;
    if (m.status !== "stopping") this.#registry.transition(m, "stop");
    this.#registry.transition(m, "stopped", { pid: null, port: null });
  }

  #supervise(m: Managed): Promise<void> {
    return restartLoop({
      runOnce: (restart) => runInstanceOnce(m, restart, this.#run),
      onFailure: (outcome, decision) => {
        this.#registry.transition(m, "fail", {
          pid: null,
          port: null,
          exit_code: outcome.exitCode,
          last_error: outcome.message + decision.note,
        });
      },
      wanted: () => m.wanted,
      signal: m.stopCtl.signal,
      clock: this.#clock,
      policy: this.#policy,
      random: this.#random,
    });
  }
}
