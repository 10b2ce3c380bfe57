/**
 * The root reducer: one action in, the next state out, pure. The core
 * slices (instances, sessions) go first; what left them (a deleted session,
 * a removed instance) is handed to the other slices as a
 * {@linkcode Cascade}, so a slice that keeps data per session or per instance
 * drops it without knowing every action that removes one.
 *
 * To add a slice, see `state.ts`; its reducer is
 * `(slice, action, cascade) => slice` and returns `slice` itself when nothing
 * changed.
 *
 * @module
 */
import type { StoreAction } from "./actions.ts";
import { reduceChanges } from "./changes.ts";
import { reduceChildren } from "./children.ts";
import { reduceConversations } from "./conversations.ts";
import { reduceDriving } from "./driving.ts";
import { sameRecord } from "./immutable.ts";
import { reduceInstances } from "./instances.ts";
import { reducePermissions } from "./permissions.ts";
import { reduceSeen } from "./seen.ts";
import { reduceRuns } from "./runs.ts";
import { reduceQuestions } from "./questions.ts";
import { reduceSessions } from "./sessions.ts";
import type { FlockState, LoadState } from "./state.ts";

/** What an action removed from the core slices. */
export interface Cascade {
  /** Sessions that left the list (deleted, replaced, or their instance gone). */
  readonly forgottenSessions: ReadonlySet<string>;
  /** Instances that are gone. */
  readonly forgottenInstances: ReadonlySet<string>;
}

function removedKeys<K>(
  before: ReadonlyMap<K, unknown>,
  after: ReadonlyMap<K, unknown>,
): ReadonlySet<K> {
  if (before === after) return new Set();
  const removed = new Set<K>();
  for (const key of before.keys()) if (!after.has(key)) removed.add(key);
  return removed;
}

function reduceLoad(state: LoadState, action: StoreAction): LoadState {
  switch (action.kind) {
    case "snapshot-loaded":
      return state.ready && state.error === null
        ? state
        : { ready: true, error: null };
    case "snapshot-failed":
      return state.error === action.error
        ? state
        : { ready: state.ready, error: action.error };
    default:
      return state;
  }
}

/**
 * Applies one action to the state.
 *
 * @param state The current state.
 * @param action What happened.
 * @returns The next state, sharing every unchanged slice and object with
 *   `state`; `state` itself when nothing changed.
 */
export function reduce(state: FlockState, action: StoreAction): FlockState {
  const instances = reduceInstances(state.instances, action);
  const sessions = reduceSessions(state.sessions, action);
  const cascade: Cascade = {
    forgottenSessions: removedKeys(state.sessions.byId, sessions.byId),
    forgottenInstances: removedKeys(state.instances, instances),
  };
  const next: FlockState = {
    load: reduceLoad(state.load, action),
    instances,
    sessions,
    permissions: reducePermissions(state.permissions, action, cascade),
    conversations: reduceConversations(state.conversations, action, cascade),
    seen: reduceSeen(state.seen, action, cascade, {
      before: state.sessions.byId,
      after: sessions.byId,
    }),
    runs: reduceRuns(state.runs, action),
    questions: reduceQuestions(state.questions, action, cascade),
    children: reduceChildren(state.children, action, cascade),
    driving: reduceDriving(state.driving, action, cascade),
    changes: reduceChanges(state.changes, action, cascade),
  };
  return sameRecord(next, state) ? state : next;
}
