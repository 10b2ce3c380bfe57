/**
 * Supervises `opencode serve` children, one per instance: spawn, readiness,
 * health checks, crash restarts with backoff, upstream events, ordered stop
 * and boot reconciliation. Every transition is persisted through
 * {@linkcode InstanceStore} and published as an `instance.status` event.
 *
 * Ownership: each instance has at most one supervision loop and at most one
 * child at a time. A child owns its output pumps, health timer, warm-up call
 * and event stream; {@linkcode Supervisor.stop} (and every failure path) ends
 * them through one idempotent terminate routine, which also kills every
 * process of the instance: descendants found through `/proc` and any process
 * whose environment carries `FLOCK_INSTANCE_ID=<id>` (tool children that
 * escaped into their own session). The `/proc` work runs through
 * {@linkcode ProcessTool}; if that fails, only the direct child is signalled.
 *
 * @module
 */
import type {
  FlockEvent,
  InstanceJson,
  InstanceStatus,
  LogLineJson,
} from "../api_types.ts";
import type { InstancePatch, InstanceStore } from "../db/instance_store.ts";
import { log } from "../log.ts";
import {
  backoffDelay,
  DEFAULT_RESTART_POLICY,
  type RestartPolicy,
} from "./backoff.ts";
import { type InstanceInput, nextState } from "./instance_state.ts";
import { LogRing } from "./log_ring.ts";
import type { ResolvedBinary } from "./opencode_binary.ts";
import { OpenCodeClient } from "./opencode_client.ts";
import { decodeText, LineSplitStream, parseListeningLine } from "./output.ts";
import {
  ProcessHelper,
  type ProcessTree,
} from "../processes/process_helper.ts";
import type { ProcessInfo } from "../processes/procfs.ts";
import {
  type ChildExit,
  type ChildHandle,
  spawnChild,
  type SpawnFn,
} from "./spawn.ts";
import { type ResyncHook, UpstreamEvents } from "./upstream_events.ts";

/** The environment variable that marks every process of an instance. */
export const INSTANCE_MARKER_ENV = "FLOCK_INSTANCE_ID";

/** Health checking of running children. */
export interface HealthPolicy {
  /** Time between checks, in ms. Default 5000. */
  intervalMs: number;
  /**
   * Time limit per check, in ms. Default 5000: a fresh OpenCode can leave
   * `/global/health` unanswered for over 3 s during its lazy first-use
   * initialisation on a small machine.
   */
  timeoutMs: number;
  /** Failed checks in a row that count as a crash. Default 3. */
  failures: number;
}

/** Options for {@linkcode Supervisor}. */
export interface SupervisorOptions {
  /** Where instance rows live. */
  instances: InstanceStore;
  /** Receives `instance.status` events and the children's upstream events. */
  publish: (event: FlockEvent) => void;
  /** Receives `GET /session/status` after each (re)connect of an event stream. */
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
  processToolBinary?: string;
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
  /** Default `Date.now`. */
  now?: () => number;
  /** Default `Math.random`. */
  random?: () => number;
}

/** The instance does not exist. */
export class InstanceNotFoundError extends Error {
  readonly instanceId: string;
  constructor(instanceId: string) {
    super(`Cannot find instance: ${instanceId}`);
    this.name = "InstanceNotFoundError";
    this.instanceId = instanceId;
  }
}

/** The instance has no running child to talk to. */
export class InstanceNotRunningError extends Error {
  readonly instanceId: string;
  /** The instance's status at the time, or null when it is unknown. */
  readonly status: InstanceStatus | null;
  constructor(instanceId: string, status: InstanceStatus | null) {
    super(
      `Cannot reach instance as it is not running: ${instanceId} (status ${
        status ?? "unknown"
      })`,
    );
    this.name = "InstanceNotRunningError";
    this.instanceId = instanceId;
    this.status = status;
  }
}

/** The supervisor was disposed. */
export class SupervisorClosedError extends Error {
  constructor() {
    super("Cannot start instance as the supervisor is shut down");
    this.name = "SupervisorClosedError";
  }
}

/** One child process and everything it owns. */
interface Run {
  readonly child: ChildHandle;
  readonly binary: string;
  /** Aborted when the run ends: cancels readiness waits, health checks, warm-up. */
  readonly ctl: AbortController;
  readonly listening: PromiseWithResolvers<string>;
  readonly unhealthy: PromiseWithResolvers<string>;
  readonly pumps: Promise<void>[];
  readonly readers: ReadableStreamDefaultReader<string>[];
  readonly tasks: Promise<unknown>[];
  client: OpenCodeClient | null;
  upstream: UpstreamEvents | null;
  healthTimer: ReturnType<typeof setTimeout> | undefined;
  /** The health check in flight, if any. */
  healthCheck: Promise<void> | null;
  exited: ChildExit | null;
  terminating: Promise<void> | null;
}

/** One supervised instance. */
interface Managed {
  readonly id: string;
  readonly dir: string;
  status: InstanceStatus;
  readonly logs: LogRing;
  /** Whether the user wants it running (false after stop). */
  wanted: boolean;
  /** Aborted by stop: wakes the loop from any wait. */
  stopCtl: AbortController;
  /** Crash restarts in a row. */
  attempts: number;
  run: Run | null;
  task: Promise<void> | null;
  stopping: Promise<void> | null;
}

/** A fresh, idle record for an instance row. */
function newManaged(row: InstanceJson, logLines: number): Managed {
  return {
    id: row.id,
    dir: row.working_directory,
    status: row.status,
    logs: new LogRing(logLines),
    wanted: false,
    stopCtl: new AbortController(),
    attempts: 0,
    run: null,
    task: null,
    stopping: null,
  };
}

type RunOutcome =
  | { kind: "stopped" }
  | {
    kind: "failed";
    message: string;
    exitCode: number | null;
    /** When it reached running, or null if it never did. */
    runningSince: number | null;
    /**
     * Whether a restart may help: true for crashes and for children that
     * exited on their own while starting (e.g. two OpenCodes migrating a
     * fresh data dir at once); false for a missing binary, a spawn error or
     * a readiness timeout.
     */
    retryable: boolean;
  };

type Waiter = (instance: InstanceJson) => void;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describeExit(exit: ChildExit): string {
  return exit.signal
    ? `exit code ${exit.code}, signal ${exit.signal}`
    : `exit code ${exit.code}`;
}

function randomPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Resolves with `value` after `ms`, or with `undefined` when `signal` aborts first. */
function wait<T>(
  ms: number,
  value: T,
  signal?: AbortSignal,
): Promise<T | undefined> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(undefined);
    const done = (v: T | undefined) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(v);
    };
    const onAbort = () => done(undefined);
    const timer = setTimeout(() => done(value), ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Races `promise` against a timeout; returns undefined on timeout. */
async function within<T>(
  promise: Promise<T>,
  ms: number,
): Promise<T | undefined> {
  const ctl = new AbortController();
  try {
    return await Promise.race([promise, wait(ms, undefined, ctl.signal)]);
  } finally {
    ctl.abort();
  }
}

/** Resolves when `signal` aborts; call the returned cleanup when done. */
function onAbortPromise(signal: AbortSignal): [Promise<void>, () => void] {
  let cleanup = () => {};
  const promise = new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const listener = () => resolve();
    signal.addEventListener("abort", listener, { once: true });
    cleanup = () => signal.removeEventListener("abort", listener);
  });
  return [promise, cleanup];
}

/**
 * Supervises the OpenCode children of all instances.
 *
 * @example
 * ```ts
 * await using supervisor = new Supervisor({
 *   instances,
 *   publish: (event) => broker.publish(event),
 *   binary: () => resolveOpenCodeBinaryFromEnv(config.opencode),
 * });
 * await supervisor.reconcile();
 * const row = instances.create({ id, name, working_directory });
 * supervisor.start(row.id);
 * ```
 */
export class Supervisor implements AsyncDisposable {
  #store: InstanceStore;
  #publish: (event: FlockEvent) => void;
  #onResync: ResyncHook | undefined;
  #binary: () => ResolvedBinary;
  #processes: ProcessTree;
  #ownHelper: ProcessHelper | null = null;
  #spawn: SpawnFn;
  #childEnv: Readonly<Record<string, string>>;
  #configPath: string | undefined;
  #readyTimeoutMs: number;
  #graceMs: number;
  #stopAllTimeoutMs: number;
  #logLines: number;
  #policy: RestartPolicy;
  #health: HealthPolicy;
  #now: () => number;
  #random: () => number;
  #managed = new Map<string, Managed>();
  #waiters = new Map<string, Set<Waiter>>();
  #closed = false;

  constructor(options: SupervisorOptions) {
    this.#store = options.instances;
    this.#publish = options.publish;
    this.#onResync = options.onResync;
    this.#binary = options.binary;
    this.#spawn = options.spawn ?? spawnChild;
    if (options.processes) this.#processes = options.processes;
    else {
      const toolBinary = options.processToolBinary;
      this.#processes = this.#ownHelper = new ProcessHelper({
        binary: () => toolBinary ?? this.#binary().path,
        spawn: this.#spawn,
      });
    }
    this.#childEnv = options.childEnv ?? {};
    this.#configPath = options.opencodeConfigPath;
    this.#readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
    this.#graceMs = options.stopGraceMs ?? 5000;
    this.#stopAllTimeoutMs = options.stopAllTimeoutMs ?? 15_000;
    this.#logLines = options.logLines ?? 500;
    this.#policy = { ...DEFAULT_RESTART_POLICY, ...options.restartPolicy };
    this.#health = {
      intervalMs: 5000,
      timeoutMs: 5000,
      failures: 3,
      ...options.health,
    };
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
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
    const row = this.#store.get(instanceId);
    if (!row) throw new InstanceNotFoundError(instanceId);
    let m = this.#managed.get(instanceId);
    if (!m) {
      m = newManaged(row, this.#logLines);
      this.#managed.set(instanceId, m);
    }
    if (m.stopping) {
      const managed = m;
      m.stopping.then(() => {
        if (!this.#closed && !managed.task) this.start(instanceId);
      }).catch((error) =>
        log.error(`Cannot start instance ${instanceId} after its stop:`, error)
      );
      return;
    }
    if (m.task) return;
    m.status = row.status;
    m.wanted = true;
    m.stopCtl = new AbortController();
    m.attempts = 0;
    const managed = m;
    m.task = this.#supervise(managed)
      .catch((error) =>
        log.error(`Supervision of instance ${instanceId} failed:`, error)
      )
      .finally(() => {
        managed.task = null;
      });
  }

  /**
   * Stops an instance on purpose: aborts busy sessions, SIGTERMs the child
   * (SIGKILL after the grace period), then kills every leftover process of
   * the instance. Ends in `stopped`; never restarts. Safe to call in any
   * state and more than once.
   */
  stop(instanceId: string): Promise<void> {
    const m = this.#managed.get(instanceId);
    if (!m || (!m.task && !m.run && !m.stopping)) {
      this.#settleStopped(instanceId, m);
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
    const m = this.#managed.get(instanceId);
    if (m && !m.task && !m.run) this.#managed.delete(instanceId);
    this.#waiters.delete(instanceId);
  }

  /**
   * The REST client of a running instance.
   *
   * @throws {InstanceNotRunningError} unless the instance is `running`.
   */
  client(instanceId: string): OpenCodeClient {
    const m = this.#managed.get(instanceId);
    const client = m?.run?.client;
    if (!m || m.status !== "running" || !client) {
      throw new InstanceNotRunningError(
        instanceId,
        m?.status ?? this.#store.get(instanceId)?.status ?? null,
      );
    }
    return client;
  }

  /** The last output lines of the instance's children (oldest first). */
  /**
   * Last resort for a forced exit: SIGKILLs every direct child at once,
   * synchronously, without waiting or updating the database. Tool processes
   * of those children may survive; boot reconciliation reaps what is left.
   *
   * @returns How many children were signalled.
   */
  killNow(): number {
    let killed = 0;
    for (const m of this.#managed.values()) {
      m.wanted = false;
      if (m.run && !m.run.exited && m.run.child.kill("SIGKILL")) killed++;
    }
    return killed;
  }

  logs(instanceId: string): LogLineJson[] {
    return this.#managed.get(instanceId)?.logs.lines() ?? [];
  }

  /**
   * Resolves with the instance once its status is one of `statuses`.
   *
   * @throws {InstanceNotFoundError} when the row does not exist (or goes away).
   * @throws {Error} when `timeoutMs` passes first.
   */
  waitForStatus(
    instanceId: string,
    statuses: readonly InstanceStatus[],
    timeoutMs = 60_000,
  ): Promise<InstanceJson> {
    const row = this.#store.get(instanceId);
    if (!row) return Promise.reject(new InstanceNotFoundError(instanceId));
    if (statuses.includes(row.status)) return Promise.resolve(row);
    return new Promise((resolve, reject) => {
      let set = this.#waiters.get(instanceId);
      if (!set) this.#waiters.set(instanceId, set = new Set());
      const waiters = set;
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(
          new Error(
            `Timed out after ${timeoutMs} ms waiting for instance ${instanceId} to become ${
              statuses.join(" or ")
            } (it is ${this.#store.get(instanceId)?.status ?? "gone"})`,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = (instance) => {
        if (!statuses.includes(instance.status)) return;
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve(instance);
      };
      waiters.add(waiter);
    });
  }

  /**
   * Boot reconciliation: settles rows a dead Flock left `starting`,
   * `running` or `stopping` to `stopped`. A recorded pid that is still an
   * `opencode serve` (by its command line, and not marked as another
   * instance's) is killed with its descendants; so is any process still
   * marked with the instance's id. A pid that now belongs to another program
   * is never signalled.
   */
  async reconcile(): Promise<void> {
    const rows = this.#store.listUnsettled()
      .filter((row) => !this.#managed.has(row.id));
    await Promise.all(rows.map((row) => this.#reconcileOne(row)));
  }

  /** Stops every instance in parallel, bounded by `stopAllTimeoutMs`. */
  async stopAll(): Promise<void> {
    const ids = [...this.#managed.keys()];
    const all = Promise.allSettled(ids.map((id) => this.stop(id)));
    const done = await within(all, this.#stopAllTimeoutMs);
    if (done === undefined) {
      log.error(
        `Stopping all instances took longer than ${this.#stopAllTimeoutMs} ms; killing the remaining children`,
      );
      for (const m of this.#managed.values()) {
        m.wanted = false;
        m.stopCtl.abort();
        m.run?.child.kill("SIGKILL");
      }
      await within(all, 2000);
    }
  }

  /** Stops everything and refuses further starts. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#closed = true;
    await this.stopAll();
    await this.#ownHelper?.close();
  }

  // --- state, persistence, events -----------------------------------------

  #emit(instance: InstanceJson): void {
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

  /** Persists a patch (without changing the status) and publishes it. */
  #patch(m: Managed, patch: InstancePatch): InstanceJson | undefined {
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
    this.#emit(row);
    return row;
  }

  /** Applies a state-machine input; returns false when it is not allowed. */
  #transition(
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
    this.#patch(m, { ...patch, status: next });
    return true;
  }

  /** Brings a row with no child to `stopped`. */
  #settleStopped(instanceId: string, m: Managed | undefined): void {
    const row = this.#store.get(instanceId);
    if (!row || row.status === "stopped") return;
    const managed = m ?? newManaged(row, 1);
    managed.status = row.status;
    if (row.status !== "stopping") this.#transition(managed, "stop");
    this.#transition(managed, "stopped", { pid: null, port: null });
  }

  async #stopManaged(m: Managed): Promise<void> {
    m.wanted = false;
    m.stopCtl.abort();
    this.#transition(m, "stop");
    const run = m.run;
    if (run) await this.#terminate(m, run, true);
    await m.task;
    if (m.status !== "stopping") this.#transition(m, "stop");
    this.#transition(m, "stopped", { pid: null, port: null });
  }

  // --- the supervision loop -----------------------------------------------

  async #supervise(m: Managed): Promise<void> {
    let restart = false;
    while (m.wanted) {
      const outcome = await this.#runOnce(m, restart);
      if (!m.wanted || outcome.kind === "stopped") return;
      if (
        outcome.runningSince !== null &&
        this.#now() - outcome.runningSince >= this.#policy.stableAfterMs
      ) {
        m.attempts = 0;
      }
      let suffix: string;
      let again = false;
      let delay = 0;
      if (!outcome.retryable) {
        suffix = "";
      } else if (m.attempts >= this.#policy.maxAttempts) {
        suffix = `\nGave up after ${m.attempts} restarts in a row.`;
      } else {
        delay = backoffDelay(m.attempts, this.#policy, this.#random);
        m.attempts++;
        again = true;
        suffix =
          `\nRestarting in ${delay} ms (attempt ${m.attempts} of ${this.#policy.maxAttempts}).`;
      }
      this.#transition(m, "fail", {
        pid: null,
        port: null,
        exit_code: outcome.exitCode,
        last_error: outcome.message + suffix,
      });
      if (!again) return;
      await wait(delay, true, m.stopCtl.signal);
      restart = true;
    }
  }

  /** One child, from spawn to its end. */
  async #runOnce(m: Managed, restart: boolean): Promise<RunOutcome> {
    const patch: InstancePatch = { pid: null, port: null };
    if (restart) {
      const row = this.#store.get(m.id);
      patch.restart_count = (row?.restart_count ?? 0) + 1;
    } else {
      patch.exit_code = null;
      patch.last_error = null;
    }
    if (m.status === "starting") this.#patch(m, patch);
    else if (!this.#transition(m, "start", patch)) {
      return {
        kind: "failed",
        message:
          `Cannot start instance as it is ${m.status}, not stopped or error`,
        exitCode: null,
        runningSince: null,
        retryable: false,
      };
    }
    if (!m.wanted) return { kind: "stopped" };

    let binary: ResolvedBinary;
    try {
      binary = this.#binary();
    } catch (error) {
      return {
        kind: "failed",
        message: `Cannot start instance as the binary is missing: ${
          errorMessage(error)
        }`,
        exitCode: null,
        runningSince: null,
        retryable: false,
      };
    }
    const password = randomPassword();
    const env: Record<string, string> = { ...this.#childEnv };
    if (this.#configPath !== undefined) env.OPENCODE_CONFIG = this.#configPath;
    env.OPENCODE_SERVER_USERNAME = "opencode";
    env.OPENCODE_SERVER_PASSWORD = password;
    env[INSTANCE_MARKER_ENV] = m.id;
    let child: ChildHandle;
    try {
      child = this.#spawn({
        command: binary.path,
        args: ["serve", "--port", "0", "--hostname", "127.0.0.1"],
        cwd: m.dir,
        env,
        detached: true,
      });
    } catch (error) {
      return {
        kind: "failed",
        message: spawnFailureMessage(error),
        exitCode: null,
        runningSince: null,
        retryable: false,
      };
    }
    const run: Run = {
      child,
      binary: binary.path,
      ctl: new AbortController(),
      listening: Promise.withResolvers<string>(),
      unhealthy: Promise.withResolvers<string>(),
      pumps: [],
      readers: [],
      tasks: [],
      client: null,
      upstream: null,
      healthTimer: undefined,
      healthCheck: null,
      exited: null,
      terminating: null,
    };
    m.run = run;
    child.status.then((exit) => {
      run.exited = exit;
    });
    log.info(
      `Instance ${m.id}: started ${binary.path} (${binary.source}) pid ${child.pid} in ${m.dir}`,
    );
    this.#pump(m, run, child.stdout, "stdout");
    this.#pump(m, run, child.stderr, "stderr");
    this.#patch(m, { pid: child.pid });
    try {
      return await this.#superviseRun(m, run, password);
    } finally {
      await this.#terminate(m, run, false);
      if (m.run === run) m.run = null;
    }
  }

  async #superviseRun(
    m: Managed,
    run: Run,
    password: string,
  ): Promise<RunOutcome> {
    const ready = await this.#waitReady(m, run, password);
    if (!m.wanted) return { kind: "stopped" };
    if (ready.kind === "failed") {
      // Read before terminating: after it, every child has exited.
      const exit = run.exited;
      await this.#terminate(m, run, false);
      const output = m.logs.tail(20);
      return {
        kind: "failed",
        message: `${ready.message}${exit ? ` (${describeExit(exit)})` : ""}.${
          output ? `\nLast output:\n${output}` : " It printed nothing."
        }`,
        exitCode: exit?.code ?? null,
        runningSince: null,
        retryable: exit !== null,
      };
    }
    const client = ready.client;
    run.client = client;
    const runningSince = this.#now();
    this.#transition(m, "ready", {
      pid: run.child.pid,
      port: Number(new URL(client.baseUrl).port),
    });
    if (!m.wanted) return { kind: "stopped" };
    log.info(`Instance ${m.id}: running at ${client.baseUrl}`);

    run.upstream = new UpstreamEvents({
      instanceId: m.id,
      client,
      publish: (event) => this.#publish(event),
      onResync: this.#onResync,
      random: this.#random,
    });
    run.upstream.start();
    run.tasks.push(
      client.providers({ signal: run.ctl.signal, timeoutMs: 60_000 }).catch(
        (error) => {
          if (!run.ctl.signal.aborted) {
            log.debug(`Instance ${m.id}: warm-up failed:`, error);
          }
        },
      ),
    );
    this.#scheduleHealth(m, run, client, 0);

    const [stopped, cleanup] = onAbortPromise(m.stopCtl.signal);
    try {
      const end = await Promise.race([
        run.child.status.then((exit) => ({ kind: "exit" as const, exit })),
        run.unhealthy.promise.then((why) => ({
          kind: "unhealthy" as const,
          why,
        })),
        stopped.then(() => ({ kind: "stop" as const })),
      ]);
      if (end.kind === "stop" || !m.wanted) return { kind: "stopped" };
      await this.#terminate(m, run, false);
      if (!m.wanted) return { kind: "stopped" };
      const exit = run.exited;
      const output = m.logs.tail(20);
      const message = end.kind === "exit"
        ? `OpenCode exited unexpectedly (${describeExit(end.exit)})`
        : `OpenCode stopped answering health checks (${end.why}); it was killed`;
      return {
        kind: "failed",
        message: `${message}.${output ? `\nLast output:\n${output}` : ""}`,
        exitCode: exit?.code ?? null,
        runningSince,
        retryable: true,
      };
    } finally {
      cleanup();
    }
  }

  /** Waits for the listening line and a healthy answer, within the ready timeout. */
  async #waitReady(
    m: Managed,
    run: Run,
    password: string,
  ): Promise<
    { kind: "ready"; client: OpenCodeClient } | {
      kind: "failed";
      message: string;
    }
  > {
    const deadline = this.#now() + this.#readyTimeoutMs;
    const timeout = new AbortController();
    const [stopped, cleanup] = onAbortPromise(m.stopCtl.signal);
    try {
      const first = await Promise.race([
        run.listening.promise.then((url) => ({ kind: "url" as const, url })),
        run.child.status.then(() => ({ kind: "exit" as const })),
        wait(
          this.#readyTimeoutMs,
          { kind: "timeout" as const },
          timeout.signal,
        ),
        stopped.then(() => ({ kind: "stop" as const })),
      ]);
      if (!first || first.kind === "stop") {
        return { kind: "failed", message: "Stopped while starting" };
      }
      if (first.kind === "exit") {
        return {
          kind: "failed",
          message:
            "Cannot start instance as OpenCode exited before it was ready",
        };
      }
      if (first.kind === "timeout") {
        return {
          kind: "failed",
          message:
            `Cannot start instance as OpenCode printed no listening line on stdout within ${this.#readyTimeoutMs} ms`,
        };
      }
      const client = new OpenCodeClient({ baseUrl: first.url, password });
      let lastProblem = "no answer";
      while (m.wanted && run.exited === null) {
        const remaining = deadline - this.#now();
        if (remaining <= 0) break;
        try {
          const health = await client.health({
            signal: run.ctl.signal,
            timeoutMs: Math.min(2000, remaining),
          });
          if (health.healthy === true) return { kind: "ready", client };
          lastProblem = `answered ${JSON.stringify(health)}`;
        } catch (error) {
          lastProblem = errorMessage(error);
        }
        await wait(100, true, m.stopCtl.signal);
      }
      if (run.exited !== null) {
        return {
          kind: "failed",
          message:
            "Cannot start instance as OpenCode exited before it answered GET /global/health",
        };
      }
      return {
        kind: "failed",
        message:
          `Cannot start instance as OpenCode did not answer GET /global/health with {"healthy":true} within ${this.#readyTimeoutMs} ms (${lastProblem})`,
      };
    } finally {
      timeout.abort();
      cleanup();
    }
  }

  #scheduleHealth(
    m: Managed,
    run: Run,
    client: OpenCodeClient,
    failures: number,
  ): void {
    if (run.ctl.signal.aborted) return;
    run.healthTimer = setTimeout(() => {
      run.healthCheck = this.#checkHealth(m, run, client, failures);
    }, this.#health.intervalMs);
  }

  async #checkHealth(
    m: Managed,
    run: Run,
    client: OpenCodeClient,
    failures: number,
  ): Promise<void> {
    let problem: string | null = null;
    try {
      const health = await client.health({
        signal: run.ctl.signal,
        timeoutMs: this.#health.timeoutMs,
      });
      if (health.healthy !== true) problem = JSON.stringify(health);
    } catch (error) {
      problem = errorMessage(error);
    }
    if (run.ctl.signal.aborted) return;
    if (problem === null) {
      this.#scheduleHealth(m, run, client, 0);
      return;
    }
    const count = failures + 1;
    log.warn(
      `Instance ${m.id}: health check ${count}/${this.#health.failures} failed: ${problem}`,
    );
    if (count >= this.#health.failures) {
      run.unhealthy.resolve(`${count} failed checks, last: ${problem}`);
    } else {
      this.#scheduleHealth(m, run, client, count);
    }
  }

  /** Reads one output stream into the log ring (and finds the listening line). */
  #pump(
    m: Managed,
    run: Run,
    stream: ReadableStream<Uint8Array>,
    name: LogLineJson["stream"],
  ): void {
    const reader = decodeText(stream).pipeThrough(new LineSplitStream())
      .getReader();
    run.readers.push(reader);
    run.pumps.push((async () => {
      try {
        while (true) {
          const { done, value } = await reader.read();
          if (done) break;
          m.logs.push({
            stream: name,
            line: value,
            time: new Date().toISOString(),
          });
          if (name === "stdout") {
            const url = parseListeningLine(value);
            if (url) run.listening.resolve(url);
          }
        }
      } catch {
        // Cancelled while terminating.
      }
    })());
  }

  // --- stopping processes -------------------------------------------------

  /** Ends a run and every process of the instance. Idempotent per run. */
  #terminate(m: Managed, run: Run, abortSessions: boolean): Promise<void> {
    run.terminating ??= this.#doTerminate(m, run, abortSessions);
    return run.terminating;
  }

  async #doTerminate(
    m: Managed,
    run: Run,
    abortSessions: boolean,
  ): Promise<void> {
    run.ctl.abort();
    clearTimeout(run.healthTimer);
    if (abortSessions && run.client && run.exited === null) {
      await this.#abortBusySessions(m, run.client);
    }
    await run.upstream?.close();
    const tool = this.#processes;
    const marker = { key: INSTANCE_MARKER_ENV, value: m.id };
    let snapshot: ProcessInfo[] | null = null;
    try {
      snapshot = await tool.scan({ roots: [run.child.pid], envMatch: marker });
    } catch (error) {
      log.warn(
        `Instance ${m.id}: cannot list its processes, so only its main process is signalled:`,
        error,
      );
    }
    if (run.exited === null) {
      run.child.kill("SIGTERM");
      if (await within(run.child.status, this.#graceMs) === undefined) {
        log.warn(
          `Instance ${m.id}: pid ${run.child.pid} ignored SIGTERM for ${this.#graceMs} ms; sending SIGKILL`,
        );
        run.child.kill("SIGKILL");
      }
    }
    await run.child.status;
    if (snapshot !== null) {
      try {
        const later = await tool.scan({ roots: [], envMatch: marker });
        const targets = new Map<number, ProcessInfo>();
        for (const p of [...snapshot, ...later]) {
          if (p.pid !== run.child.pid) targets.set(p.pid, p);
        }
        if (targets.size > 0) {
          const result = await tool.kill(
            [...targets.values()].map(({ pid, start }) => ({ pid, start })),
            "SIGTERM",
            1000,
          );
          log.info(
            `Instance ${m.id}: killed ${result.signalled.length} leftover process(es)`,
          );
          if (result.survivors.length > 0) {
            log.error(
              `Instance ${m.id}: processes survived SIGKILL: ${
                result.survivors.join(", ")
              }`,
            );
          }
        }
      } catch (error) {
        log.warn(`Instance ${m.id}: cannot kill leftover processes:`, error);
      }
    }
    await Promise.allSettled([...run.tasks, run.healthCheck]);
    if (await within(Promise.all(run.pumps), 1000) === undefined) {
      await Promise.allSettled(run.readers.map((r) => r.cancel()));
      await Promise.all(run.pumps);
    }
  }

  async #abortBusySessions(m: Managed, client: OpenCodeClient): Promise<void> {
    try {
      const statuses = await client.sessionStatus({ timeoutMs: 2000 });
      const ids = Object.keys(statuses);
      await Promise.allSettled(
        ids.map((id) => client.abort(id, { timeoutMs: 3000 })),
      );
      if (ids.length > 0) {
        log.info(`Instance ${m.id}: aborted ${ids.length} busy session(s)`);
      }
    } catch (error) {
      log.warn(`Instance ${m.id}: cannot abort busy sessions:`, error);
    }
  }

  async #reconcileOne(row: InstanceJson): Promise<void> {
    const marker = { key: INSTANCE_MARKER_ENV, value: row.id };
    const tool = this.#processes;
    {
      try {
        const targets = new Map<number, ProcessInfo>();
        if (row.pid !== null) {
          const [info] = await tool.inspect([row.pid], [INSTANCE_MARKER_ENV]);
          const mark = info?.env[INSTANCE_MARKER_ENV];
          if (
            info && isOpenCodeServe(info.cmdline) &&
            (mark === undefined || mark === row.id)
          ) {
            targets.set(info.pid, info);
            for (
              const p of await tool.scan({
                roots: [info.pid],
                envMatch: marker,
              })
            ) targets.set(p.pid, p);
            log.info(
              `Reconcile: killing the leftover OpenCode of instance ${row.id} (pid ${info.pid})`,
            );
          } else if (info) {
            log.info(
              `Reconcile: pid ${row.pid} of instance ${row.id} now belongs to another program; leaving it alone`,
            );
          }
        }
        for (const p of await tool.scan({ roots: [], envMatch: marker })) {
          targets.set(p.pid, p);
        }
        if (targets.size > 0) {
          await tool.kill(
            [...targets.values()].map(({ pid, start }) => ({ pid, start })),
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
    let updated: InstanceJson | undefined;
    try {
      updated = this.#store.update(row.id, {
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
    if (updated) this.#emit(updated);
  }
}

/** The `last_error` for a child that could not be spawned, with the fix. */
function spawnFailureMessage(error: unknown): string {
  const reason = errorMessage(error);
  if (
    error instanceof Deno.errors.NotCapable ||
    (error instanceof Error && error.cause instanceof Deno.errors.NotCapable) ||
    /Requires run access/.test(reason)
  ) {
    return `Cannot start instance as the binary cannot be run: ${reason}. Flock may only run the OpenCode binary it was started with permission for: add its path to Flock's --allow-run (see the serve task in deno.json), or pass --opencode with an allowed path`;
  }
  return `Cannot start instance as the binary cannot be run: ${reason}. Check the working directory exists, run \`deno install\`, or pass --opencode /path/to/opencode`;
}

/**
 * Whether a command line is an `opencode serve` process: some argv entry is
 * named `opencode` (any directory) and a later one is `serve`.
 */
export function isOpenCodeServe(cmdline: readonly string[]): boolean {
  const index = cmdline.findIndex((arg) => /(^|\/)opencode$/.test(arg));
  return index >= 0 && cmdline.slice(index + 1).includes("serve");
}
