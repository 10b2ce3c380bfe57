/**
 * The seen slice: when the user last looked at each session, as the
 * session's own `updated_at` at that moment (so the page compares the
 * server's times with each other, never with the browser's clock), plus
 * `since`, the moment this browser started keeping track (a session never
 * opened counts as seen at `since`). It lives in the browser
 * (`seen_storage.ts`), not on the server: "unread" is per person and device.
 *
 * A `session.updated` that changes an idle session the user was up to date
 * with (OpenCode sends one after `session.idle`, with the reply's summary,
 * or a new title; a rename from the TUI) moves what was seen along with it:
 * it is no new work. Only work that starts after the user looked (the
 * session goes busy) leaves it unread. While the page is closed nothing is
 * observed, so any later `updated_at` counts.
 *
 * @module
 */
import type {
  SessionJson,
  SessionStatus,
} from "../../../server/contract/sessions.ts";
import type { StoreAction } from "./actions.ts";
import { withEntry, withoutKeys } from "./immutable.ts";
import type { Cascade } from "./reducer.ts";

/** When the user last looked at each session. */
export interface SeenState {
  /**
   * When this browser started keeping track (ISO). A session never opened
   * counts as seen then. "" until restored: then nothing is unread.
   */
  readonly since: string;
  /** The session's `updated_at` when the user last had it open, by id. */
  readonly bySession: ReadonlyMap<string, string>;
}

/** Nothing seen, nothing tracked (nothing counts as unread). */
export const EMPTY_SEEN: SeenState = Object.freeze({
  since: "",
  bySession: new Map<string, string>(),
});

/**
 * Whether a session finished work the user has not seen: it is not working
 * (`busy`/`retry`), something happened after it was created (a session
 * nobody prompted is not "done"), and that was after the user last had it
 * open (or after `since`, for one never opened).
 *
 * @param session The session.
 * @param seen The seen slice.
 * @returns True when it deserves an unread marker.
 * @example
 * ```ts
 * isUnread({ ...s, status: "idle", created_at: "…T10:00", updated_at: "…T10:05" },
 *   { since: "…T09:00", bySession: new Map([[s.id, "…T10:01"]]) }); // true
 * ```
 */
export function isUnread(session: SessionJson, seen: SeenState): boolean {
  if (seen.since === "") return false;
  if (session.status === "busy" || session.status === "retry") return false;
  if (session.updated_at <= session.created_at) return false;
  const last = seen.bySession.get(session.id) ?? seen.since;
  return session.updated_at > last;
}

/** The listed sessions before and after the action. */
export interface SessionsChange {
  readonly before: ReadonlyMap<string, SessionJson>;
  readonly after: ReadonlyMap<string, SessionJson>;
}

const working = (status: SessionStatus | undefined) =>
  status === "busy" || status === "retry";

/** Moves seen sessions along with updates that are no new work. */
function followQuietUpdates(
  state: SeenState,
  action: StoreAction,
  sessions: SessionsChange,
): SeenState {
  if (
    state.since === "" || action.kind !== "event" ||
    action.event.type !== "session.updated" ||
    sessions.before === sessions.after
  ) return state;
  const id = action.event.properties.info.id;
  const before = sessions.before.get(id);
  const after = sessions.after.get(id);
  if (
    !before || !after || after.updated_at <= before.updated_at ||
    working(before.status) || working(after.status)
  ) return state;
  const last = state.bySession.get(id) ?? state.since;
  if (last < before.updated_at) return state; // it was unread already
  return {
    since: state.since,
    bySession: withEntry(state.bySession, id, after.updated_at),
  };
}

function reduceOwn(state: SeenState, action: StoreAction): SeenState {
  switch (action.kind) {
    case "seen-restored":
      return action.seen;
    case "session-seen": {
      const last = state.bySession.get(action.sessionId);
      if (last !== undefined && last >= action.updatedAt) return state;
      return {
        since: state.since,
        bySession: withEntry(
          state.bySession,
          action.sessionId,
          action.updatedAt,
        ),
      };
    }
    default:
      return state;
  }
}

/**
 * Applies an action to the seen slice; sessions that left the list are
 * forgotten, quiet updates of seen sessions are followed (module docs).
 *
 * @returns `state` itself when nothing changed.
 */
export function reduceSeen(
  state: SeenState,
  action: StoreAction,
  cascade: Cascade,
  sessions: SessionsChange,
): SeenState {
  const next = followQuietUpdates(reduceOwn(state, action), action, sessions);
  const bySession = withoutKeys(next.bySession, cascade.forgottenSessions);
  return bySession === next.bySession ? next : { since: next.since, bySession };
}
