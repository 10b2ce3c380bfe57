/**
 * The one builder of Flock's session rows from OpenCode sessions, used by
 * the server's session tracker, the REST handlers and the page's store, so
 * a session reads the same whichever way it arrived (REST list, create
 * response, `session.created` event).
 *
 * @module
 */
import type { OpenCodeSession, OpenCodeSessionStatus } from "./opencode.ts";
import type { SessionJson, SessionStatus } from "./sessions.ts";

const EPOCH = "1970-01-01T00:00:00.000Z";

/**
 * Converts OpenCode's epoch-ms time to the ISO form Flock's rows use.
 *
 * @example
 * ```ts
 * isoTime(0); // "1970-01-01T00:00:00.000Z"
 * isoTime(Number.NaN); // undefined
 * ```
 */
export function isoTime(ms: number): string | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * Flock's status for OpenCode's (`busy`, `retry`, `idle`).
 *
 * @example
 * ```ts
 * sessionStatusOf({ type: "busy" }); // "busy"
 * ```
 */
export function sessionStatusOf(status: OpenCodeSessionStatus): SessionStatus {
  return status.type;
}

/** Whether a session is a root session (no `parentID`: not a task's sub-agent). */
export function isRootSession(session: OpenCodeSession): boolean {
  return session.parentID === undefined || session.parentID === "";
}

/**
 * Whether Flock lists this session: a root session that is not archived
 * (what OpenCode's own `GET /session?roots=true` lists).
 */
export function isListedSession(session: OpenCodeSession): boolean {
  return isRootSession(session) && session.time.archived === undefined;
}

/**
 * The row of an OpenCode session, or undefined for one Flock does not list
 * (a child session of a task's sub-agent, or an archived one).
 *
 * @param status The status to give it (the caller's recorded one, or idle).
 * @example
 * ```ts
 * sessionRowOf("inst_a", session, "idle");
 * // { id: session.id, instance_id: "inst_a", title: session.title, status: "idle", created_at: "…", updated_at: "…" }
 * ```
 */
export function sessionRowOf(
  instanceId: string,
  session: OpenCodeSession,
  status: SessionStatus,
): SessionJson | undefined {
  if (!isListedSession(session)) return undefined;
  const created = isoTime(session.time.created) ?? EPOCH;
  return {
    id: session.id,
    instance_id: instanceId,
    title: session.title,
    status,
    created_at: created,
    updated_at: isoTime(session.time.updated) ?? created,
  };
}
