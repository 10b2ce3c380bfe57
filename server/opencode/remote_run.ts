/**
 * One connection to a remote `opencode serve` that Flock did not start: wait
 * until it answers (health, credentials, shape: `remote_probe.ts`), then
 * watch it like a local child (events, health checks), and end the watching
 * in one idempotent {@linkcode RemoteRun.terminate}. It never signals any
 * process: stopping a remote instance only disconnects.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { PublishEvent } from "../contract/events.ts";
import type { RemoteEndpoint } from "../db/instance_store.ts";
import type { InstanceRun, OpenCodeEndpoint, RunEnd } from "./child_run.ts";
import type { HealthPolicy } from "./health_monitor.ts";
import { OpenCodeClient } from "./opencode_client.ts";
import {
  probeRemote,
  type RemoteFacts,
  RemoteServerError,
} from "./remote_probe.ts";
import { watchServer } from "./run_watch.ts";
import type { ResyncHook, UpstreamEvents } from "./upstream_events.ts";

/** Options for {@linkcode RemoteRun}. */
export interface RemoteRunOptions {
  instanceId: string;
  /** The directory recorded for it (its sessions are listed for it). */
  dir: string;
  remote: RemoteEndpoint;
  clock: Clock;
  /** How long one connection attempt may keep trying, in ms. */
  readyTimeoutMs: number;
  health: HealthPolicy;
  busy: () => boolean;
  publish: PublishEvent;
  onResync?: ResyncHook | undefined;
  random: () => number;
  /** Injected for tests. */
  fetch?: typeof fetch;
}

/** The end of waiting for a remote server. */
export type RemoteReady =
  | { kind: "ready"; client: OpenCodeClient; facts: RemoteFacts }
  | { kind: "failed"; message: string; retryable: boolean };

/** See the module documentation. */
export class RemoteRun implements InstanceRun {
  readonly pid = null;
  #o: RemoteRunOptions;
  #ctl = new AbortController();
  #client: OpenCodeClient | null = null;
  #upstream: UpstreamEvents | null = null;
  #tasks: Promise<unknown>[] = [];
  #terminating: Promise<void> | null = null;

  constructor(options: RemoteRunOptions) {
    this.#o = options;
  }

  get client(): OpenCodeClient | null {
    return this.#client;
  }

  get endpoint(): OpenCodeEndpoint | null {
    const { remote } = this.#o;
    return this.#client === null ? null : {
      baseUrl: remote.origin,
      username: remote.username,
      password: remote.password,
    };
  }

  /**
   * Probes the server until it answers as OpenCode with these credentials,
   * within the ready timeout, or until `stop` aborts. The last problem is
   * the failure's message.
   */
  async waitReady(stop: AbortSignal): Promise<RemoteReady> {
    const { clock, readyTimeoutMs, remote } = this.#o;
    const deadline = clock.now() + readyTimeoutMs;
    const signal = AbortSignal.any([stop, this.#ctl.signal]);
    let last: RemoteServerError | null = null;
    while (!signal.aborted) {
      const remaining = deadline - clock.now();
      if (remaining <= 0) break;
      try {
        const facts = await probeRemote(remote, {
          timeoutMs: Math.min(5000, remaining),
          signal,
          ...(this.#o.fetch ? { fetch: this.#o.fetch } : {}),
        });
        const client = new OpenCodeClient({
          baseUrl: remote.origin,
          username: remote.username,
          password: remote.password,
          ...(this.#o.fetch ? { fetch: this.#o.fetch } : {}),
        });
        return { kind: "ready", client, facts };
      } catch (error) {
        if (!(error instanceof RemoteServerError)) {
          if (signal.aborted) break;
          throw error;
        }
        last = error;
        // Without the permission nothing changes until Flock restarts.
        if (error.reason === "not_permitted") break;
      }
      await clock.sleep(
        Math.min(1000, Math.max(0, deadline - clock.now())),
        signal,
      );
    }
    if (stop.aborted) {
      return {
        kind: "failed",
        message: "Stopped while connecting",
        retryable: false,
      };
    }
    return {
      kind: "failed",
      message: last?.message ??
        `Cannot reach the OpenCode server at ${remote.origin} within ${readyTimeoutMs} ms`,
      retryable: last?.reason !== "not_permitted",
    };
  }

  /**
   * After readiness: relays its events and checks its health.
   *
   * @returns how it ended on its own (it failed its health checks); an
   * intentional stop is the caller's to race against.
   */
  watch(client: OpenCodeClient): Promise<RunEnd> {
    this.#client = client;
    const watch = watchServer({
      ...this.#o,
      directory: this.#o.dir,
      client,
      signal: this.#ctl.signal,
      warmUp: false,
    });
    this.#upstream = watch.upstream;
    this.#tasks.push(...watch.tasks);
    return watch.unhealthy.then((why) =>
      why === null
        ? new Promise<RunEnd>(() => {}) // ended by terminate
        : { kind: "unhealthy", why }
    );
  }

  /** Stops watching (the server keeps running). Idempotent; never throws. */
  terminate(): Promise<void> {
    this.#terminating ??= (async () => {
      this.#ctl.abort();
      await this.#upstream?.close();
      await Promise.allSettled(this.#tasks);
    })();
    return this.#terminating;
  }

  /** Nothing to kill: Flock never signals a remote server. */
  killNow(): boolean {
    this.#ctl.abort();
    return false;
  }
}
