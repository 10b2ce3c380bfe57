/**
 * What an event does to the list of sessions, decided once for the
 * server's session table and the page's store, so both read the same list
 * from the same events (a session that appears in an event is known from
 * the event alone: no refetch).
 *
 * | event | change |
 * |---|---|
 * | `session.created` / `session.updated` (root sessions) | upsert (keep the recorded status); delete once archived |
 * | `session.deleted` | delete |
 * | `session.status` | busy / retry / idle |
 * | `session.idle` | idle |
 * | `session.error` | error (a later idle makes it idle again) |
 * | `instance.status` not `running` | its busy/retry sessions become idle |
 * | `instance.sessions` | replace the instance's list |
 * | `instance.removed` | forget the instance's sessions |
 *
 * @module
 */
import { isFlockEvent } from "./event_types.ts";
import type { WireEvent } from "./events.ts";
import type { OpenCodeSession } from "./opencode.ts";
import {
  isListedSession,
  isRootSession,
  sessionStatusOf,
} from "./session_row.ts";
import type { SessionJson, SessionStatus } from "./sessions.ts";

/** One change to the list of sessions. */
export type SessionChange =
  | {
    kind: "upsert";
    instanceId: string;
    /** A listed session; build its row with `sessionRowOf`. */
    session: OpenCodeSession;
  }
  | { kind: "delete"; sessionId: string }
  | { kind: "status"; sessionId: string; status: SessionStatus }
  | { kind: "settle"; instanceId: string }
  | { kind: "replace"; instanceId: string; sessions: SessionJson[] }
  | { kind: "forget"; instanceId: string };

/**
 * The change an event makes to the sessions, or undefined for none.
 *
 * @example
 * ```ts
 * sessionChangeOf({ type: "session.idle", id: "evt_1", instance_id: "inst_a", properties: { sessionID: "ses_1" } });
 * // { kind: "status", sessionId: "ses_1", status: "idle" }
 * ```
 */
export function sessionChangeOf(event: WireEvent): SessionChange | undefined {
  if (!isFlockEvent(event)) return undefined;
  switch (event.type) {
    case "session.created":
    case "session.updated": {
      const session = event.properties.info;
      if (!isRootSession(session)) return undefined;
      if (!isListedSession(session)) {
        return { kind: "delete", sessionId: session.id }; // archived
      }
      return { kind: "upsert", instanceId: event.instance_id, session };
    }
    case "session.deleted":
      return { kind: "delete", sessionId: event.properties.info.id };
    case "session.status":
      return {
        kind: "status",
        sessionId: event.properties.sessionID,
        status: sessionStatusOf(event.properties.status),
      };
    case "session.idle":
      return {
        kind: "status",
        sessionId: event.properties.sessionID,
        status: "idle",
      };
    case "session.error": {
      const sessionId = event.properties.sessionID;
      return sessionId
        ? { kind: "status", sessionId, status: "error" }
        : undefined;
    }
    case "instance.status":
      return event.properties.instance.status === "running"
        ? undefined
        : { kind: "settle", instanceId: event.instance_id };
    case "instance.sessions":
      return {
        kind: "replace",
        instanceId: event.instance_id,
        sessions: event.properties.sessions,
      };
    case "instance.removed":
      return { kind: "forget", instanceId: event.instance_id };
    default:
      return undefined;
  }
}

/** One change to the subagents' child sessions (recorded beside the list). */
export type ChildSessionChange =
  | { kind: "upsert"; instanceId: string; session: OpenCodeSession }
  | { kind: "delete"; sessionId: string };

/**
 * What an event does to the child sessions of subagents (sessions with a
 * `parentID`), which {@linkcode sessionChangeOf} leaves out of the list:
 * `session.created` / `session.updated` of a child upsert it (build its row
 * with `sessionRecordOf`; it carries `parent_id`), an archived one is
 * deleted. Their statuses and deletion follow {@linkcode sessionChangeOf}'s
 * `status` and `delete` changes, which name the session by id.
 */
export function childSessionChangeOf(
  event: WireEvent,
): ChildSessionChange | undefined {
  if (!isFlockEvent(event)) return undefined;
  if (event.type !== "session.created" && event.type !== "session.updated") {
    return undefined;
  }
  const session = event.properties.info;
  if (isRootSession(session)) return undefined;
  if (session.time.archived !== undefined) {
    return { kind: "delete", sessionId: session.id };
  }
  return { kind: "upsert", instanceId: event.instance_id, session };
}
