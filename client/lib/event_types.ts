/**
 * The one list of SSE event types the page listens for. Flock sends every
 * event as `event: <type>`, so the `EventSource` needs one listener per type.
 *
 * @module
 */

/** Flock's own event types. */
export const FLOCK_EVENT_TYPES = [
  "instance.status",
  "instance.removed",
  "stream.reset",
  "stream.lagged",
] as const;

/** The OpenCode event types the UI consumes (forwarded with `instance_id`). */
export const OPENCODE_EVENT_TYPES = [
  "message.updated",
  "message.removed",
  "message.part.updated",
  "message.part.delta",
  "message.part.removed",
  "session.created",
  "session.updated",
  "session.deleted",
  "session.status",
  "session.idle",
  "session.error",
  "permission.asked",
  "permission.replied",
] as const;

/** Every SSE event type the page subscribes to. */
export const STREAM_EVENT_TYPES: readonly string[] = [
  ...FLOCK_EVENT_TYPES,
  ...OPENCODE_EVENT_TYPES,
];
