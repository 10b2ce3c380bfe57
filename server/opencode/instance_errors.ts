/**
 * The supervisor's errors, mapped to HTTP by `http/errors.ts`.
 *
 * @module
 */
import type { InstanceStatus } from "../contract/instances.ts";

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

/**
 * A hibernated instance could not be woken: its child did not become ready
 * (the reason is its `last_error`; the instance is left in `error`).
 */
export class InstanceWakeError extends Error {
  readonly instanceId: string;
  /** Why, as the instance's `last_error` says. */
  readonly reason: string;
  constructor(instanceId: string, reason: string, options?: ErrorOptions) {
    super(`Cannot wake instance ${instanceId}: ${reason}`, options);
    this.name = "InstanceWakeError";
    this.instanceId = instanceId;
    this.reason = reason;
  }
}
