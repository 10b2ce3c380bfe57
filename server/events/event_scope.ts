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
   * The top-level session, for an event of a subagent's child session
   * (its `root_session_id`).
   */
  rootSessionId: string | undefined;
  /**
   * True for Flock's instance lifecycle events (`instance.status`,
   * `instance.removed`, `instance.pending`, `instance.recovered`), which
   * session streams carry for their instance.
   */
  instanceLifecycle: boolean;
}

const LIFECYCLE = new Set([
  "instance.status",
  "instance.removed",
  "instance.pending",
  "instance.recovered",
]);

/** Computes the {@linkcode EventScope} of a published event. */
export function scopeOf(event: WireEvent): EventScope {
  const instanceLifecycle = LIFECYCLE.has(event.type);
  const instanceId = "instance_id" in event ? event.instance_id : undefined;
  const root = "root_session_id" in event ? event.root_session_id : undefined;
  return {
    sessionId: instanceLifecycle ? undefined : sessionIdOf(event),
    instanceId: instanceId === "" ? undefined : instanceId,
    rootSessionId: root === "" ? undefined : root,
    instanceLifecycle,
  };
}

/** Which events a subscriber wants. */
export interface EventFilter {
  /**
   * Only this session's events, its subagents' (their events carry it as
   * `root_session_id`) and its instance's lifecycle events.
   */
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
 * matches({ sessionId: "ses_1", instanceId: "inst_a", rootSessionId: undefined, instanceLifecycle: false },
 *   { sessionId: "ses_1" }); // true
 * ```
 */
export function matches(scope: EventScope, filter: EventFilter): boolean {
  if (filter.sessionId !== undefined) {
    if (scope.sessionId === filter.sessionId) return true;
    if (scope.rootSessionId === filter.sessionId) return true;
    return scope.instanceLifecycle && filter.instanceId !== undefined &&
      scope.instanceId === filter.instanceId;
  }
  if (filter.instanceId !== undefined) {
    return scope.instanceId === filter.instanceId;
  }
  return true;
}
