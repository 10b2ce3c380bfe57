/**
 * The one place where a request that needs an OpenCode server gets its
 * client ({@linkcode WakeGate.ensure}): a running instance answers at once,
 * a starting one is waited for, a hibernating one finishes going to sleep
 * first, and a hibernated one is woken, once, however many requests arrive
 * meanwhile (they all wait on the same wake). A wake that fails rejects
 * every waiter with {@linkcode InstanceWakeError} (the API's 502, with the
 * reason) and leaves the instance in `error`; it is bounded by the ready
 * timeout, so no request hangs.
 *
 * The clients it hands out mark activity for as long as each call runs (a
 * lease in `fleet/activity.ts`), so an instance never hibernates under a
 * request; the calls of the supervisor itself (health checks, the event
 * stream) use the run's own client and do not count.
 *
 * @module
 */
import type { ActivityRegistry } from "../fleet/activity.ts";
import type { InstanceRun, OpenCodeEndpoint } from "./child_run.ts";
import {
  InstanceNotFoundError,
  InstanceNotRunningError,
  InstanceWakeError,
} from "./instance_errors.ts";
import type { InstanceRegistry, Managed } from "./instance_registry.ts";
import { OpenCodeClient } from "./opencode_client.ts";

/** Options for {@linkcode WakeGate}. */
export interface WakeGateOptions {
  registry: InstanceRegistry;
  activity: ActivityRegistry;
  /** The longest a wake (or a start being waited for) may take, in ms. */
  wakeTimeoutMs: number;
  /** Starts the instance's supervision as a wake (no retry before it is ready). */
  start: (m: Managed) => void;
}

/** See the module documentation. */
export class WakeGate {
  #o: WakeGateOptions;
  #clients = new WeakMap<InstanceRun, OpenCodeClient>();

  constructor(options: WakeGateOptions) {
    this.#o = options;
  }

  /** The API client of a running instance, or null. Never wakes it. */
  running(instanceId: string): OpenCodeClient | null {
    const m = this.#o.registry.get(instanceId);
    const run = m?.run;
    const endpoint = run?.endpoint;
    if (!m || m.status !== "running" || !run || !endpoint) return null;
    return this.#clientOf(instanceId, run, endpoint);
  }

  /** See the module documentation. */
  async ensure(
    instanceId: string,
    _signal?: AbortSignal,
  ): Promise<OpenCodeClient> {
    const { registry, activity } = this.#o;
    // Waiting counts as activity: nothing puts it back to sleep meanwhile.
    using _lease = activity.hold(instanceId);
    let status = registry.get(instanceId)?.status ?? null;
    for (let round = 0; round < 5; round++) {
      const client = this.running(instanceId);
      if (client) return client;
      const row = registry.store.get(instanceId);
      if (!row) throw new InstanceNotFoundError(instanceId);
      const m = registry.ensure(row);
      status = m.status;
      switch (m.status) {
        case "hibernated":
          await this.#wake(m);
          break;
        case "hibernating":
          await m.stopping;
          break;
        case "starting":
          if (m.waking) await m.waking;
          else await this.#settled(instanceId);
          break;
        default:
          throw new InstanceNotRunningError(instanceId, m.status);
      }
    }
    throw new InstanceNotRunningError(instanceId, status);
  }

  /** Wakes `m` once; concurrent callers share the same promise. */
  #wake(m: Managed): Promise<void> {
    m.waking ??= (async () => {
      try {
        this.#o.start(m);
        const row = await this.#settled(m.id);
        if (row.status === "error") {
          throw new InstanceWakeError(
            m.id,
            (row.last_error ?? "it ended in error").replace(
              /^Cannot wake instance: /,
              "",
            ),
          );
        }
      } finally {
        m.waking = null;
      }
    })();
    return m.waking;
  }

  /** Waits until a start is over: running, error or stopped. */
  async #settled(instanceId: string) {
    try {
      return await this.#o.registry.waitForStatus(
        instanceId,
        ["running", "error", "stopped"],
        this.#o.wakeTimeoutMs,
      );
    } catch (error) {
      if (error instanceof InstanceNotFoundError) throw error;
      throw new InstanceWakeError(
        instanceId,
        error instanceof Error ? error.message : String(error),
        { cause: error },
      );
    }
  }

  #clientOf(
    instanceId: string,
    run: InstanceRun,
    endpoint: OpenCodeEndpoint,
  ): OpenCodeClient {
    let client = this.#clients.get(run);
    if (!client) {
      const activity = this.#o.activity;
      client = new OpenCodeClient({
        baseUrl: endpoint.baseUrl,
        username: endpoint.username,
        password: endpoint.password,
        // Each call holds the instance awake while it runs.
        fetch: async (input, init) => {
          using _held = activity.hold(instanceId);
          return await fetch(input, init);
        },
      });
      this.#clients.set(run, client);
    }
    return client;
  }
}
