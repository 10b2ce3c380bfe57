/**
 * Adds what Flock knows about a subagent's session to its events: the
 * top-level session's id, as `root_session_id`.
 *
 * @module
 */
import { isFlockEvent, isFlockOwnEventType } from "../contract/event_types.ts";
import type { WireEvent } from "../contract/events.ts";
import { sessionIdOf } from "../contract/session_id_of.ts";
import type { SessionTracker } from "./session_tracker.ts";

/**
 * Sets `root_session_id` on the events of a subagent's child session (its
 * `session.created` included, from its `parentID`).
 */
export function rootEnricher(
  tracker: Pick<SessionTracker, "rootIfChild">,
): (event: WireEvent) => WireEvent {
  return (event) => {
    if (!("instance_id" in event) || isFlockOwnEventType(event.type)) {
      return event;
    }
    const sessionId = sessionIdOf(event);
    if (sessionId === undefined) return event;
    let root = tracker.rootIfChild(sessionId);
    if (
      root === undefined && isFlockEvent(event) &&
      (event.type === "session.created" || event.type === "session.updated")
    ) {
      const parent = event.properties.info.parentID;
      if (parent) root = tracker.rootIfChild(parent) ?? parent;
    }
    return root === undefined ? event : { ...event, root_session_id: root };
  };
}
