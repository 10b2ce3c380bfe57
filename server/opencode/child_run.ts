/**
 * One run of an `opencode serve` child: spawn → listening line → healthy →
 * periodic health checks → terminate. A run owns everything it starts (the
 * output pumps, the health monitor, the warm-up call, the upstream event
 * stream) and ends all of it, and every process of the instance, in one
 * idempotent {@linkcode ChildRun.terminate}.
 *
 * The supervisor sees a run through {@linkcode InstanceRun}, so a run that
 * is not a local child (an attached remote server) can take its place.
 *
 * @module
 */
import type { PublishEvent } from "../contract/events.ts";
import type { LogLineJson } from "../contract/instances.ts";
import { abortPromise, type Clock, within } from "../clock.ts";
import { log } from "../log.ts";
import type { HealthPolicy } from "./health_monitor.ts";
import type { LogRing } from "./log_ring.ts";
import type { ResolvedBinary } from "./opencode_binary.ts";
import { OpenCodeClient } from "./opencode_client.ts";
import { decodeText, LineSplitStream, parseListeningLine } from "./output.ts";
import type { Reaper } from "./reaper.ts";
import type { ChildExit, ChildHandle, SpawnFn } from "./spawn.ts";
import { watchServer } from "./run_watch.ts";
import type { ResyncHook, UpstreamEvents } from "./upstream_events.ts";

/** Where and how to reach a ready OpenCode server (kept in process, never sent). */
export interface OpenCodeEndpoint {
  baseUrl: string;
  username: string;
  password: string;
}

/** What the supervisor needs from a run of any kind. */
export interface InstanceRun {
  /** The local process id, or null for a run without one. */
  readonly pid: number | null;
  /** The REST client once ready (for the run's own calls). */
  readonly client: OpenCodeClient | null;
  /** How to reach the server once ready (the API builds its clients from it). */
  readonly endpoint: OpenCodeEndpoint | null;
  /** Ends the run and everything it owns. Idempotent; never throws. */
  terminate(options: { abortSessions: boolean }): Promise<void>;
  /** Last resort for a forced exit: SIGKILL now. False when nothing was signalled. */
  killNow(): boolean;
}

/** Options for {@linkcode ChildRun.spawn}. */
export interface ChildRunOptions {
  instanceId: string;
  /** The working directory. */
  dir: string;
  binary: ResolvedBinary;
  /** The child's extra environment (auth, marker, config). */
  env: Record<string, string>;
  /** The Basic-auth password in `env`. */
  password: string;
  spawn: SpawnFn;
  clock: Clock;
  /** Receives the child's output lines. */
  logs: LogRing;
  reaper: Reaper;
  /** Listening line plus healthy answer must come within this, in ms. */
  readyTimeoutMs: number;
  health: HealthPolicy;
  /** Whether a session of the instance is busy now (health threshold). */
  busy: () => boolean;
  /** Receives the child's upstream events (with their directory and JSON). */
  publish: PublishEvent;
  onResync?: ResyncHook | undefined;
  random: () => number;
}

/** The end of waiting for readiness. */
export type ReadyResult =
  | { kind: "ready"; client: OpenCodeClient; port: number }
  | { kind: "failed"; message: string };

/** Why a ready run ended on its own. */
export type RunEnd =
  | { kind: "exit"; exit: ChildExit }
  | { kind: "unhealthy"; why: string };

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** See the module documentation. */
export class ChildRun implements InstanceRun {
  readonly child: ChildHandle;
  #o: ChildRunOptions;
  /** Aborted when the run ends: cancels readiness, health checks, warm-up. */
  #ctl = new AbortController();
  #listening = Promise.withResolvers<string>();
  #pumps: Promise<void>[] = [];
  #readers: ReadableStreamDefaultReader<string>[] = [];
  #tasks: Promise<unknown>[] = [];
  #client: OpenCodeClient | null = null;
  #upstream: UpstreamEvents | null = null;
  #exited: ChildExit | null = null;
  #terminating: Promise<void> | null = null;

  private constructor(child: ChildHandle, options: ChildRunOptions) {
    this.child = child;
    this.#o = options;
    child.status.then((exit) => {
      this.#exited = exit;
    });
    this.#pump(child.stdout, "stdout");
    this.#pump(child.stderr, "stderr");
  }

  /**
   * Starts the child.
   *
   * @throws {SpawnError} (or what the spawn function throws) when it cannot start.
   */
  static spawn(options: ChildRunOptions): ChildRun {
    const child = options.spawn({
      command: options.binary.path,
      args: ["serve", "--port", "0", "--hostname", "127.0.0.1"],
      cwd: options.dir,
      env: options.env,
      detached: true,
    });
    return new ChildRun(child, options);
  }

  get pid(): number {
    return this.child.pid;
  }

  get client(): OpenCodeClient | null {
    return this.#client;
  }

  get endpoint(): OpenCodeEndpoint | null {
    return this.#client === null ? null : {
      baseUrl: this.#client.baseUrl,
      username: "opencode",
      password: this.#o.password,
    };
  }

  /** How the child exited, once it has. */
  get exited(): ChildExit | null {
    return this.#exited;
  }

  /**
   * Waits for the listening line and a healthy answer, within the ready
   * timeout, or until `stop` aborts.
   */
  async waitReady(stop: AbortSignal): Promise<ReadyResult> {
    const { clock, readyTimeoutMs } = this.#o;
    const deadline = clock.now() + readyTimeoutMs;
    const timeout = new AbortController();
    using stopped = abortPromise(stop);
    try {
      const first = await Promise.race([
        this.#listening.promise.then((url) => ({ kind: "url" as const, url })),
        this.child.status.then(() => ({ kind: "exit" as const })),
        clock.sleep(readyTimeoutMs, timeout.signal)
          .then(() => ({ kind: "timeout" as const })),
        stopped.promise.then(() => ({ kind: "stop" as const })),
      ]);
      if (first.kind === "stop") {
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
            `Cannot start instance as OpenCode printed no listening line on stdout within ${readyTimeoutMs} ms`,
        };
      }
      const client = new OpenCodeClient({
        baseUrl: first.url,
        password: this.#o.password,
      });
      let lastProblem = "no answer";
      while (!stop.aborted && this.#exited === null) {
        const remaining = deadline - clock.now();
        if (remaining <= 0) break;
        try {
          const health = await client.health({
            signal: this.#ctl.signal,
            timeoutMs: Math.min(2000, remaining),
          });
          if (health.healthy === true) {
            return {
              kind: "ready",
              client,
              port: Number(new URL(first.url).port),
            };
          }
          lastProblem = `answered ${JSON.stringify(health)}`;
        } catch (error) {
          lastProblem = errorMessage(error);
        }
        await clock.sleep(100, stop);
      }
      if (this.#exited !== null) {
        return {
          kind: "failed",
          message:
            "Cannot start instance as OpenCode exited before it answered GET /global/health",
        };
      }
      return {
        kind: "failed",
        message: stop.aborted
          ? "Stopped while starting"
          : `Cannot start instance as OpenCode did not answer GET /global/health with {"healthy":true} within ${readyTimeoutMs} ms (${lastProblem})`,
      };
    } finally {
      timeout.abort();
    }
  }

  /**
   * After readiness: opens the upstream event stream, warms OpenCode up and
   * checks its health periodically.
   *
   * @returns how it ended on its own: it exited, or failed its health checks.
   * An intentional stop is the caller's to race against.
   */
  watch(client: OpenCodeClient): Promise<RunEnd> {
    this.#client = client;
    const watch = watchServer({
      ...this.#o,
      directory: this.#o.dir,
      client,
      signal: this.#ctl.signal,
      warmUp: true,
    });
    this.#upstream = watch.upstream;
    this.#tasks.push(...watch.tasks);
    return Promise.race([
      this.child.status.then((exit): RunEnd => ({ kind: "exit", exit })),
      watch.unhealthy.then((why) =>
        why === null
          ? new Promise<RunEnd>(() => {}) // ended by terminate
          : { kind: "unhealthy" as const, why }
      ),
    ]);
  }

  /** Ends the run and every process of the instance. Idempotent. */
  terminate(options: { abortSessions: boolean }): Promise<void> {
    this.#terminating ??= this.#terminate(options.abortSessions);
    return this.#terminating;
  }

  killNow(): boolean {
    return this.#exited === null && this.child.kill("SIGKILL");
  }

  async #terminate(abortSessions: boolean): Promise<void> {
    const { instanceId, clock, reaper } = this.#o;
    this.#ctl.abort();
    if (abortSessions && this.#client && this.#exited === null) {
      await abortBusySessions(instanceId, this.#client);
    }
    await this.#upstream?.close();
    await reaper.stopTree(instanceId, this.child);
    await Promise.allSettled(this.#tasks);
    if (await within(clock, Promise.all(this.#pumps), 1000) === undefined) {
      await Promise.allSettled(this.#readers.map((r) => r.cancel()));
      await Promise.all(this.#pumps);
    }
  }

  /** Reads one output stream into the log ring (and finds the listening line). */
  #pump(
    stream: ReadableStream<Uint8Array>,
    name: LogLineJson["stream"],
  ): void {
    const reader = decodeText(stream).pipeThrough(new LineSplitStream())
      .getReader();
    this.#readers.push(reader);
    this.#pumps.push((async () => {
      try {
        while (true) {
          const { done, value } = await reader.read();
          if (done) break;
          this.#o.logs.push({
            stream: name,
            line: value,
            time: new Date(this.#o.clock.now()).toISOString(),
          });
          if (name === "stdout") {
            const url = parseListeningLine(value);
            if (url) this.#listening.resolve(url);
          }
        }
      } catch {
        // Cancelled while terminating.
      }
    })());
  }
}

/** Aborts every busy session before an intentional stop. Never throws. */
async function abortBusySessions(
  instanceId: string,
  client: OpenCodeClient,
): Promise<void> {
  try {
    const statuses = await client.sessionStatus({ timeoutMs: 2000 });
    const ids = Object.keys(statuses);
    await Promise.allSettled(
      ids.map((id) => client.abort(id, { timeoutMs: 3000 })),
    );
    if (ids.length > 0) {
      log.info(`Instance ${instanceId}: aborted ${ids.length} busy session(s)`);
    }
  } catch (error) {
    log.warn(`Instance ${instanceId}: cannot abort busy sessions:`, error);
  }
}
