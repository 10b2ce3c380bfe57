/**
 * The page's state: one immutable tree of slices. A reducer returns a new
 * tree that shares every unchanged slice and object with the old one, so
 * "did this change" is an identity check (`===`).
 *
 * To add a slice: give it a type here and a field in {@linkcode FlockState}
 * and {@linkcode EMPTY_STATE}, write its reducer in a file of its own
 * (`(slice, action, cascade) => slice`, see `reducer.ts`), and call it from
 * `reduce` in `reducer.ts`.
 *
 * @module
 */
import type { InstanceJson } from "../../../server/contract/instances.ts";
import type { OpenCodeRetryStatus } from "../../../server/contract/opencode.ts";
import type { PermissionJson } from "../../../server/contract/permissions.ts";
import type { SessionJson } from "../../../server/contract/sessions.ts";
import type { QuestionJson } from "../../../server/contract/questions.ts";
import { type Conversation, EMPTY_CONVERSATION } from "../conversation.ts";
import { EMPTY_SEEN, type SeenState } from "./seen.ts";
import { EMPTY_RUNS, type RunsState } from "./runs.ts";
import type { ChangesState } from "./changes.ts";

export type { RunsState, SeenState };
import type { DrivingState } from "./driving.ts";

/** Whether the first REST snapshot arrived, and the last refresh's error. */
export interface LoadState {
  /** True once the first full snapshot arrived. */
  readonly ready: boolean;
  /** The error of the last full refresh, or null. */
  readonly error: string | null;
}

/** The listed (root) sessions of every instance. */
export interface SessionsState {
  /** Sessions by id, across all instances. */
  readonly byId: ReadonlyMap<string, SessionJson>;
  /** The last retry details of each session in `retry` status. */
  readonly retries: ReadonlyMap<string, OpenCodeRetryStatus>;
}

/** A loaded (or loading) conversation. */
export interface ConversationState {
  readonly conversation: Conversation;
  /** Its history is being fetched (its events are buffered meanwhile). */
  readonly loading: boolean;
  /** Why the last fetch failed, or null. */
  readonly error: string | null;
}

/** The whole state of the page. */
export interface FlockState {
  readonly load: LoadState;
  /** Instances by id. */
  readonly instances: ReadonlyMap<string, InstanceJson>;
  readonly sessions: SessionsState;
  /** Pending permission requests by id (sub-agent sessions' too). */
  readonly permissions: ReadonlyMap<string, PermissionJson>;
  /** The conversations opened on this page, by session id. */
  readonly conversations: ReadonlyMap<string, ConversationState>;
  /** When the user last looked at each session (kept in the browser). */
  readonly seen: SeenState;
  /** Workflows, runs' summaries, and the runs opened on this page. */
  readonly runs: RunsState;
  /** Pending questions by id (subagents' too, with `root_session_id`). */
  readonly questions: ReadonlyMap<string, QuestionJson>;
  /** Subagents' child sessions by id (each with `parent_id`). */
  readonly children: ReadonlyMap<string, SessionJson>;
  /** Queues, marks, todos, catalogs, usage and crash notices. */
  readonly driving: DrivingState;
  /** Each session's changes panel: scope, diff read, revision, revert. */
  readonly changes: ChangesState;
}

/** The state before anything loaded. */
export const EMPTY_STATE: FlockState = Object.freeze({
  load: Object.freeze({ ready: false, error: null }),
  instances: new Map(),
  sessions: Object.freeze({ byId: new Map(), retries: new Map() }),
  permissions: new Map(),
  conversations: new Map(),
  seen: EMPTY_SEEN,
  runs: EMPTY_RUNS,
  questions: new Map(),
  children: new Map(),
  driving: Object.freeze({
    queues: new Map(),
    marks: new Map(),
    todos: new Map(),
    catalogs: new Map(),
    usage: new Map(),
    recoveries: new Map(),
  }),
  changes: new Map(),
});

/** A conversation being fetched for the first time. */
export const LOADING_CONVERSATION: ConversationState = Object.freeze({
  conversation: EMPTY_CONVERSATION,
  loading: true,
  error: null,
});
