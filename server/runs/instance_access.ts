/**
 * Reaching an instance's OpenCode for a run: at once when it runs,
 * otherwise start it (a run that is active needs it; a hibernated one is
 * woken, e.g. after Flock restarted under a run) and wait for its
 * `instance.status` event (never polling).
 *
 * @module
 */
import type { InstanceJson } from "../contract/instances.ts";
import type { OpenCodeClient } from "../opencode/opencode_client.ts";
import { type Clock, within } from "../clock.ts";

/** The part of OpenCode's API a run uses (an `OpenCodeClient` has it). */
export type AttemptSessions = Pick<
  OpenCodeClient,
  | "createSession"
  | "promptAsync"
  | "abort"
  | "getSession"
  | "listSessions"
  | "sessionStatus"
  | "messages"
  | "listPermissions"
  | "listQuestions"
>;

/** What the runner needs from the rest of Flock about instances. */
export interface RunHost {
  /**
   * The OpenCode API of a running instance.
   *
   * @throws {InstanceNotRunningError} unless it is running.
   */
  sessions(instanceId: string): AttemptSessions;
  /** The instance's row, or undefined when it was deleted. */
  instance(instanceId: string): InstanceJson | undefined;
  /** Starts a stopped, failed or hibernated instance; returns at once. */
  startInstance(instanceId: string): void;
}

/** A run cannot reach its instance. */
export class InstanceUnavailableError extends Error {
  readonly instanceId: string;
  constructor(instanceId: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InstanceUnavailableError";
    this.instanceId = instanceId;
  }
}

/** Waits for instances to run, woken by `instance.status` events. */
export class InstanceAccess {
  #host: RunHost;
  #clock: Clock;
  #waiters = new Map<string, Set<() => void>>();

  constructor(host: RunHost, clock: Clock) {
    this.#host = host;
    this.#clock = clock;
  }

  /** Feeds an `instance.status` event (or any change of the instance). */
  changed(instanceId: string, status: InstanceJson["status"]): void {
    // Running: the waiters go on; hibernated (a sleep that was under way):
    // they wake it.
    if (status !== "running" && status !== "hibernated") return;
    const waiters = this.#waiters.get(instanceId);
    if (waiters === undefined) return;
    this.#waiters.delete(instanceId);
    for (const wake of waiters) wake();
  }

  /**
   * The instance's API; a stopped or failed instance is started, and a
   * starting one awaited.
   *
   * @param limitMs How long to wait for it (default: as long as it takes,
   * until `signal` aborts).
   * @throws {InstanceUnavailableError} when it is deleted, or does not run
   * within `limitMs`.
   */
  async sessions(
    instanceId: string,
    signal: AbortSignal,
    limitMs?: number,
  ): Promise<AttemptSessions> {
    while (true) {
      const row = this.#host.instance(instanceId);
      if (row === undefined) {
        throw new InstanceUnavailableError(
          instanceId,
          `Cannot reach instance ${instanceId} as it was deleted`,
        );
      }
      if (row.status === "running") {
        try {
          return this.#host.sessions(instanceId);
        } catch {
          // Its status is running but its child is not there yet: wait.
        }
      }
      if (
        row.status === "stopped" || row.status === "error" ||
        row.status === "hibernated"
      ) {
        this.#host.startInstance(instanceId);
      }
      const woken = this.#wait(instanceId, signal);
      const outcome = limitMs === undefined
        ? await woken
        : await within(this.#clock, woken, limitMs);
      if (signal.aborted) throw signal.reason;
      if (outcome === undefined) {
        const now = this.#host.instance(instanceId);
        throw new InstanceUnavailableError(
          instanceId,
          `Cannot reach instance ${instanceId} as it did not run within ${
            Math.round(limitMs! / 1000)
          } s (it is ${now?.status ?? "deleted"}${
            now?.last_error ? `: ${now.last_error}` : ""
          })`,
        );
      }
    }
  }

  #wait(instanceId: string, signal: AbortSignal): Promise<"woken"> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve("woken");
      const set = this.#waiters.get(instanceId) ?? new Set();
      this.#waiters.set(instanceId, set);
      const wake = () => {
        signal.removeEventListener("abort", wake);
        set.delete(wake);
        resolve("woken");
      };
      set.add(wake);
      signal.addEventListener("abort", wake, { once: true });
      // A change between the caller's check and this registration.
      if (this.#host.instance(instanceId)?.status === "running") wake();
    });
  }
}
