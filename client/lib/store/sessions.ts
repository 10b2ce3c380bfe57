/**
 * The sessions slice: every instance's listed (root) sessions and the retry
 * details of those in `retry`. Sessions follow the events alone, with the
 * contract's `sessionChangeOf` (the rules the server's table follows).
 *
 * @module
 */
import type { OpenCodeRetryStatus } from "../../../server/contract/opencode.ts";
import {
  type SessionChange,
  sessionChangeOf,
} from "../../../server/contract/session_changes.ts";
import { sessionRowOf } from "../../../server/contract/session_row.ts";
import type {
  SessionJson,
  SessionStatus,
} from "../../../server/contract/sessions.ts";
import type { StoreAction } from "./actions.ts";
import {
  mapOf,
  sameRecord,
  withEntry,
  withoutKeys,
  withoutWhere,
} from "./immutable.ts";
import type { SessionsState } from "./state.ts";

type ById = ReadonlyMap<string, SessionJson>;

function put(byId: ById, session: SessionJson): ById {
  const old = byId.get(session.id);
  return old && sameRecord(old, session)
    ? byId
    : withEntry(byId, session.id, session);
}

function setStatus(byId: ById, id: string, status: SessionStatus): ById {
  const session = byId.get(id);
  if (!session || session.status === status) return byId;
  return withEntry(byId, id, { ...session, status });
}

/** Keeps only the retries of sessions that are in `retry`. */
function pruneRetries(
  retries: ReadonlyMap<string, OpenCodeRetryStatus>,
  byId: ById,
): ReadonlyMap<string, OpenCodeRetryStatus> {
  return withoutWhere(retries, (_, id) => byId.get(id)?.status !== "retry");
}

function applyChange(byId: ById, change: SessionChange): ById {
  switch (change.kind) {
    case "upsert": {
      const known = byId.get(change.session.id);
      if (known && known.instance_id !== change.instanceId) return byId;
      const row = sessionRowOf(
        change.instanceId,
        change.session,
        known?.status ?? "idle",
      );
      if (!row) return byId;
      // A worktree's branch and base are Flock's: OpenCode's events lack them.
      return put(
        byId,
        known?.branch
          ? { ...row, branch: known.branch, base: known.base ?? null }
          : row,
      );
    }
    case "delete":
      return withoutKeys(byId, [change.sessionId]);
    case "status":
      return setStatus(byId, change.sessionId, change.status);
    case "settle": {
      let next = byId;
      for (const s of byId.values()) {
        if (
          s.instance_id === change.instanceId &&
          (s.status === "busy" || s.status === "retry")
        ) next = setStatus(next, s.id, "idle");
      }
      return next;
    }
    case "replace": {
      let next = withoutWhere(byId, (s) => s.instance_id === change.instanceId);
      for (const s of change.sessions) {
        const old = byId.get(s.id);
        next = withEntry(next, s.id, old && sameRecord(old, s) ? old : s);
      }
      return mapOf(next.values(), (s) => s.id, byId);
    }
    case "forget":
      return withoutWhere(byId, (s) => s.instance_id === change.instanceId);
  }
}

/** Applies an event: the session list, then the retry details. */
function applyEvent(
  state: SessionsState,
  action: Extract<StoreAction, { kind: "event" }>,
): SessionsState {
  const event = action.event;
  const change = sessionChangeOf(event);
  const byId = change ? applyChange(state.byId, change) : state.byId;
  let retries = state.retries;
  if (event.type === "session.status") {
    const { sessionID, status } = event.properties;
    retries = status.type === "retry"
      ? withEntry(retries, sessionID, status)
      : withoutKeys(retries, [sessionID]);
  } else if (event.type === "session.idle") {
    retries = withoutKeys(retries, [event.properties.sessionID]);
  }
  if (byId !== state.byId) retries = pruneRetries(retries, byId);
  return byId === state.byId && retries === state.retries
    ? state
    : { byId, retries };
}

/**
 * Applies an action to the sessions.
 *
 * @returns `state` itself when nothing changed.
 */
export function reduceSessions(
  state: SessionsState,
  action: StoreAction,
): SessionsState {
  let byId = state.byId;
  switch (action.kind) {
    case "event":
      return applyEvent(state, action);
    case "snapshot-loaded": {
      const { instances, sessions } = action.snapshot;
      const rows: SessionJson[] = [];
      for (const instance of instances) {
        const list = sessions.get(instance.id);
        // keep what is known about an instance whose sessions did not load
        if (list) rows.push(...list);
        else {
          for (const s of state.byId.values()) {
            if (s.instance_id === instance.id) rows.push(s);
          }
        }
      }
      byId = mapOf(rows, (s) => s.id, state.byId);
      break;
    }
    case "session-saved": {
      const old = state.byId.get(action.session.id);
      // an answer can be older than the events already seen: keep their status
      byId = put(
        state.byId,
        old ? { ...action.session, status: old.status } : action.session,
      );
      break;
    }
    case "session-deleted":
      byId = withoutKeys(state.byId, [action.sessionId]);
      break;
    case "instance-deleted":
      byId = withoutWhere(
        state.byId,
        (s) => s.instance_id === action.instanceId,
      );
      break;
    default:
      return state;
  }
  if (byId === state.byId) return state;
  return { byId, retries: pruneRetries(state.retries, byId) };
}
