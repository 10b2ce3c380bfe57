/**
 * Which session an event is about: the one answer used by the server (to
 * filter session streams, to track sessions) and by the page (to route
 * events to conversations).
 *
 * @module
 */
import { isFlockEvent } from "./event_types.ts";
import type { WireEvent } from "./events.ts";

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * The OpenCode session (`ses_…`) an event is about, or undefined.
 *
 * - `session.created` / `session.updated` / `session.deleted`: the session
 *   itself (`info.id`);
 * - `message.updated`: the message's session; `message.part.updated`: the
 *   part's session;
 * - Flock's own instance events: none (they concern an instance); its
 *   session events (`marks.updated`, `queue.updated`): `sessionID`;
 * - every other event, known or not: `properties.sessionID` when it is a
 *   non-empty string (in OpenCode 1.18.33 every session-scoped event
 *   carries it there).
 *
 * @example
 * ```ts
 * sessionIdOf({ type: "session.idle", instance_id: "inst_a", id: "evt_1", properties: { sessionID: "ses_1" } }); // "ses_1"
 * ```
 */
export function sessionIdOf(event: WireEvent): string | undefined {
  if (!isFlockEvent(event)) return nonEmpty(event.properties.sessionID);
  switch (event.type) {
    case "session.created":
    case "session.updated":
    case "session.deleted":
      return nonEmpty(event.properties.info.id);
    case "message.updated":
      return nonEmpty(event.properties.info.sessionID);
    case "message.part.updated":
      return nonEmpty(event.properties.part.sessionID);
    case "instance.status":
    case "instance.removed":
    case "instance.sessions":
    case "instance.pending":
    case "instance.recovered":
    case "stream.reset":
    case "stream.lagged":
      return undefined;
    default:
      return "sessionID" in event.properties
        ? nonEmpty(event.properties.sessionID)
        : undefined;
  }
}
