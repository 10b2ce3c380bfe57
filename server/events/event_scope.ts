/**
 * Which session and instance an event belongs to, for server-side
 * filtering. Computed once per event when it is published.
 *
 * @module
 */
import type { WireEvent } from "../contract/events.ts";
import { sessionIdOf } from "../contract/session_id_of.ts";

/** The session and instance an event concerns. */
export interface EventScope {
  /** The OpenCode session id (`ses_…`), when the event is about one session. */
  sessionId: string | undefined;
  /** The Flock instance id, when the event carries one. */
  instanceId: string | undefined;
  /**
   * True for Flock's instance lifecycle events (`instance.status`,
   * `instance.removed`), which session streams carry for their instance.
   */
  instanceLifecycle: boolean;
}

/** Computes the {@linkcode EventScope} of a published event. */
export function scopeOf(event: WireEvent): EventScope {
  const instanceLifecycle = event.type === "instance.status" ||
    event.type === "instance.removed";
  const instanceId = "instance_id" in event ? event.instance_id : undefined;
  return {
    sessionId: instanceLifecycle ? undefined : sessionIdOf(event),
    instanceId: instanceId === "" ? undefined : instanceId,
    instanceLifecycle,
  };
}

/** Which events a subscriber wants. */
export interface EventFilter {
  /** Only this session's events (plus its instance's lifecycle events). */
  sessionId?: string;
  /**
   * With `sessionId`: the session's instance, whose lifecycle events are
   * included. Without `sessionId`: every event of this instance.
   */
  instanceId?: string;
}

/**
 * Whether an event with `scope` passes `filter`.
 *
 * @example
 * ```ts
 * matches({ sessionId: "ses_1", instanceId: "inst_a", instanceLifecycle: false },
 *   { sessionId: "ses_1" }); // true
 * ```
 */
export function matches(scope: EventScope, filter: EventFilter): boolean {
  if (filter.sessionId !== undefined) {
    if (scope.sessionId === filter.sessionId) return true;
    return scope.instanceLifecycle && filter.instanceId !== undefined &&
      scope.instanceId === filter.instanceId;
  }
  if (filter.instanceId !== undefined) {
    return scope.instanceId === filter.instanceId;
  }
  return true;
}
