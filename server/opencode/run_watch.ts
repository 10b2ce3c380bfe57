/**
 * What a ready OpenCode server gets from Flock while it runs, whether Flock
 * started it (`child_run.ts`) or attached it (`remote_run.ts`): the upstream
 * event stream, an optional warm-up call, and periodic health checks whose
 * threshold is higher while one of its sessions is busy
 * (`health_monitor.ts`).
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { PublishEvent } from "../contract/events.ts";
import { log } from "../log.ts";
import { type HealthPolicy, monitorHealth } from "./health_monitor.ts";
import type { OpenCodeClient } from "./opencode_client.ts";
import { type ResyncHook, UpstreamEvents } from "./upstream_events.ts";

/** Options for {@linkcode watchServer}. */
export interface WatchServerOptions {
  instanceId: string;
  /** The server's project directory (its sessions are listed for it). */
  directory: string;
  client: OpenCodeClient;
  clock: Clock;
  health: HealthPolicy;
  /** Whether a session of the instance is busy now (health threshold). */
  busy: () => boolean;
  /** Receives the server's upstream events. */
  publish: PublishEvent;
  onResync?: ResyncHook | undefined;
  random: () => number;
  /** Ends everything; the caller aborts it when the run ends. */
  signal: AbortSignal;
  /** Call `GET /config/providers` once (a fresh local child's first-use work). */
  warmUp: boolean;
}

/** What {@linkcode watchServer} started; the caller closes it. */
export interface ServerWatch {
  upstream: UpstreamEvents;
  /** Background work to await after the signal aborted. */
  tasks: Promise<unknown>[];
  /** Resolves with why the server is unhealthy, or null once the signal aborted. */
  unhealthy: Promise<string | null>;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Starts watching a ready server; see the module documentation. */
export function watchServer(options: WatchServerOptions): ServerWatch {
  const { instanceId, client, clock, health, signal } = options;
  const upstream = new UpstreamEvents({
    instanceId,
    directory: options.directory,
    client,
    publish: (event, meta) => options.publish(event, meta),
    onResync: options.onResync,
    random: options.random,
  });
  upstream.start();
  const tasks: Promise<unknown>[] = [];
  if (options.warmUp) {
    tasks.push(
      client.providers({ signal, timeoutMs: 60_000 }).catch((error) => {
        if (!signal.aborted) {
          log.debug(`Instance ${instanceId}: warm-up failed:`, error);
        }
      }),
    );
  }
  const unhealthy = monitorHealth({
    policy: health,
    clock,
    signal,
    busy: options.busy,
    check: async (timeoutMs, signal) => {
      try {
        const answer = await client.health({ signal, timeoutMs });
        return answer.healthy === true ? null : JSON.stringify(answer);
      } catch (error) {
        return errorMessage(error);
      }
    },
    onFailure: (count, threshold, problem) =>
      log.warn(
        `Instance ${instanceId}: health check ${count}/${threshold} failed: ${problem}`,
      ),
  });
  tasks.push(unhealthy);
  return { upstream, tasks, unhealthy };
}
