/**
 * The changes slice: per session, what the changes panel shows (the scope,
 * the diff last read, whether a read is under way or failed), a revision
 * that `session.changes` events bump (a diff read at an older revision is
 * stale: read it again), and the message the session is reverted to.
 *
 * The diff itself is never computed from events: the server says *that*
 * files may have changed (`session.changes`), the panel reads
 * `GET /api/sessions/{id}/diff` again (debounced). A full refresh (after a
 * gap in the stream) bumps every revision, since events may have been
 * missed.
 *
 * @module
 */
import type {
  DiffScope,
  SessionDiffJson,
} from "../../../server/contract/worktrees.ts";
import type { StoreAction } from "./actions.ts";
import { withEntry, withoutKeys } from "./immutable.ts";
import type { Cascade } from "./reducer.ts";

/** Why the last read of a diff failed. */
export interface DiffError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** One session's changes, as the page knows them. */
export interface SessionChanges {
  /** The view shown: the working tree, or a worktree's whole branch. */
  readonly scope: DiffScope;
  /** Bumped by every `session.changes` of the session (and by a full refresh). */
  readonly revision: number;
  /** The diff last read (of `scope`), or null before the first read. */
  readonly diff: SessionDiffJson | null;
  /** The revision the shown diff was requested at (-1: none yet). */
  readonly readRevision: number;
  /** A read is under way. */
  readonly loading: boolean;
  /** Why the last read failed, or null. */
  readonly error: DiffError | null;
  /** The message the session is reverted to before, or null. */
  readonly revertedTo: string | null;
}

/** Each session's changes, by session id. */
export type ChangesState = ReadonlyMap<string, SessionChanges>;

/** A session nothing is known about yet. */
export const NO_CHANGES: SessionChanges = Object.freeze({
  scope: "working",
  revision: 0,
  diff: null,
  readRevision: -1,
  loading: false,
  error: null,
  revertedTo: null,
});

/** The changes slice's own actions (REST outcomes and choices of the page). */
export type ChangesAction =
  /** A read of the session's diff started at `revision`. */
  | { kind: "diff-loading"; sessionId: string; revision: number }
  /** A read finished (ignored when its scope is no longer the one shown). */
  | {
    kind: "diff-loaded";
    sessionId: string;
    revision: number;
    diff: SessionDiffJson;
  }
  /** A read failed (it counts as read: the next change reads again). */
  | {
    kind: "diff-failed";
    sessionId: string;
    revision: number;
    scope: DiffScope;
    error: DiffError;
  }
  /** The page switched the view. */
  | { kind: "diff-scope-chosen"; sessionId: string; scope: DiffScope }
  /** This page reverted (`messageId`) or unreverted (null) the session. */
  | { kind: "session-reverted"; sessionId: string; messageId: string | null };

/** Whether the shown diff is older than the session's last change. */
export function isStale(changes: SessionChanges): boolean {
  return changes.readRevision < changes.revision;
}

function update(
  state: ChangesState,
  sessionId: string,
  change: (old: SessionChanges) => SessionChanges,
): ChangesState {
  const old = state.get(sessionId) ?? NO_CHANGES;
  const next = change(old);
  return next === old ? state : withEntry(state, sessionId, next);
}

function bumpAll(state: ChangesState): ChangesState {
  if (state.size === 0) return state;
  const next = new Map<string, SessionChanges>();
  for (const [id, c] of state) next.set(id, { ...c, revision: c.revision + 1 });
  return next;
}

function reduceEvent(
  state: ChangesState,
  action: Extract<StoreAction, { kind: "event" }>,
): ChangesState {
  const event = action.event;
  switch (event.type) {
    case "session.changes":
      return update(state, event.properties.sessionID, (c) => ({
        ...c,
        revision: c.revision + 1,
      }));
    case "session.updated": {
      const info = event.properties.info;
      const revertedTo = info.revert?.messageID ?? null;
      const known = state.get(info.id);
      if (known === undefined && revertedTo === null) return state;
      return update(
        state,
        info.id,
        (c) => c.revertedTo === revertedTo ? c : { ...c, revertedTo },
      );
    }
    default:
      return state;
  }
}

function reduceOwn(state: ChangesState, action: StoreAction): ChangesState {
  switch (action.kind) {
    case "diff-loading":
      return update(
        state,
        action.sessionId,
        (c) => c.loading ? c : { ...c, loading: true },
      );
    case "diff-loaded":
      return update(
        state,
        action.sessionId,
        (c) =>
          action.diff.scope !== c.scope ? { ...c, loading: false } : {
            ...c,
            diff: action.diff,
            readRevision: Math.max(c.readRevision, action.revision),
            loading: false,
            error: null,
          },
      );
    case "diff-failed":
      return update(
        state,
        action.sessionId,
        (c) =>
          action.scope !== c.scope ? { ...c, loading: false } : {
            ...c,
            readRevision: Math.max(c.readRevision, action.revision),
            loading: false,
            error: action.error,
          },
      );
    case "diff-scope-chosen":
      return update(
        state,
        action.sessionId,
        (c) =>
          c.scope === action.scope ? c : {
            ...c,
            scope: action.scope,
            diff: null,
            readRevision: -1,
            error: null,
          },
      );
    case "session-reverted":
      return update(
        state,
        action.sessionId,
        (c) =>
          c.revertedTo === action.messageId
            ? c
            : { ...c, revertedTo: action.messageId },
      );
    default:
      return state;
  }
}

/**
 * Applies an action to the changes slice.
 *
 * @returns `state` itself when nothing changed.
 */
export function reduceChanges(
  state: ChangesState,
  action: StoreAction,
  cascade: Cascade,
): ChangesState {
  let next = state;
  if (action.kind === "event") next = reduceEvent(state, action);
  else if (action.kind === "snapshot-loaded") next = bumpAll(state);
  else next = reduceOwn(state, action);
  return withoutKeys(next, cascade.forgottenSessions);
}
