/**
 * The one builder of Flock's session rows from OpenCode sessions, used by
 * the server's session tracker, the REST handlers and the page's store, so
 * a session reads the same whichever way it arrived (REST list, create
 * response, `session.created` event).
 *
 * @module
 */
import type { OpenCodeSession, OpenCodeSessionStatus } from "./opencode.ts";
import { isRecord } from "./opencode_guards.ts";
import type { SessionJson, SessionStatus, TokensJson } from "./sessions.ts";

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
 * Whether Flock records this session at all: any session that is not
 * archived, a subagent's child session included (with its `parent_id`).
 */
export function isRecordedSession(session: OpenCodeSession): boolean {
  return session.time.archived === undefined;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

/** OpenCode's token counts, when they are well formed. */
export function tokensOf(value: unknown): TokensJson | undefined {
  if (!isRecord(value) || !isRecord(value.cache)) return undefined;
  const t = value;
  const c = value.cache;
  if (
    !isCount(t.input) || !isCount(t.output) || !isCount(t.reasoning) ||
    !isCount(c.read) || !isCount(c.write)
  ) return undefined;
  return {
    input: t.input,
    output: t.output,
    reasoning: t.reasoning,
    cache: { read: c.read, write: c.write },
  };
}

/**
 * The optional fields of a row (parent, model, variant, agent, tokens,
 * cost), each present only when OpenCode reports it.
 */
function extrasOf(session: OpenCodeSession): Partial<SessionJson> {
  const extras: Partial<SessionJson> = {};
  if (!isRootSession(session) && session.parentID !== undefined) {
    extras.parent_id = session.parentID;
  }
  const model = session.model;
  if (model && model.providerID !== "" && model.id !== "") {
    extras.model = `${model.providerID}/${model.id}`;
    if (model.variant !== undefined && model.variant !== "") {
      extras.variant = model.variant;
    }
  }
  if (session.agent !== undefined && session.agent !== "") {
    extras.agent = session.agent;
  }
  const tokens = tokensOf(session.tokens);
  if (tokens) extras.tokens = tokens;
  if (isCount(session.cost)) extras.cost = session.cost;
  return extras;
}

/**
 * The row of any recorded session (a subagent's child session too, with
 * its `parent_id`), or undefined for an archived one.
 *
 * @param status The status to give it (the caller's recorded one, or idle).
 */
export function sessionRecordOf(
  instanceId: string,
  session: OpenCodeSession,
  status: SessionStatus,
): SessionJson | undefined {
  if (!isRecordedSession(session)) return undefined;
  const created = isoTime(session.time.created) ?? EPOCH;
  return {
    id: session.id,
    instance_id: instanceId,
    title: session.title,
    status,
    created_at: created,
    updated_at: isoTime(session.time.updated) ?? created,
    ...extrasOf(session),
    directory: session.directory,
  };
}

/**
 * The row of a listed session, or undefined for one Flock does not list
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
  return sessionRecordOf(instanceId, session, status);
}
