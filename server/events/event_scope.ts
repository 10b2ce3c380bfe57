/**
 * Which session and instance an event belongs to, for server-side
 * filtering. Computed once per event when it is published.
 *
 * @module
 */
import type { FlockEvent } from "../api_types.ts";

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

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Record<string, unknown>
    : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * The session an event belongs to: `properties.sessionID`, else
 * `properties.info.sessionID`, else `properties.part.sessionID`, else, for
 * `session.*` events, `properties.info.id`.
 *
 * @example
 * ```ts
 * sessionIdOf({ type: "session.idle", properties: { sessionID: "ses_1" } }); // "ses_1"
 * sessionIdOf({ type: "session.created", properties: { info: { id: "ses_2" } } }); // "ses_2"
 * ```
 */
export function sessionIdOf(
  event: { type: string; properties?: unknown },
): string | undefined {
  const props = record(event.properties);
  if (!props) return undefined;
  const direct = str(props.sessionID);
  if (direct) return direct;
  const info = record(props.info);
  const fromInfo = str(info?.sessionID);
  if (fromInfo) return fromInfo;
  const fromPart = str(record(props.part)?.sessionID);
  if (fromPart) return fromPart;
  if (event.type.startsWith("session.")) return str(info?.id);
  return undefined;
}

/** Computes the {@linkcode EventScope} of a published event. */
export function scopeOf(event: FlockEvent): EventScope {
  const instanceLifecycle = event.type === "instance.status" ||
    event.type === "instance.removed";
  return {
    sessionId: instanceLifecycle ? undefined : sessionIdOf(event),
    instanceId: str(event.instance_id),
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
