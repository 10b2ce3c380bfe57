/**
 * Per-session lists beside the conversation: the follow-up queue
 * (`queue.updated`), Flock's marks (`marks.updated`) and OpenCode's todo
 * list (`todo.updated`). Each event carries the session's whole list, so
 * an event or a REST load replaces it; an empty list removes the entry.
 *
 * @module
 */
import type { MarkJson } from "../../../server/contract/marks.ts";
import type { OpenCodeTodo } from "../../../server/contract/opencode.ts";
import type { QueuedMessageJson } from "../../../server/contract/queue.ts";
import type { StoreAction } from "./actions.ts";
import { sameRecord, withEntry, withoutKeys } from "./immutable.ts";
import type { Cascade } from "./reducer.ts";

/** A list per session id. */
export type PerSession<T> = ReadonlyMap<string, readonly T[]>;

/** Each session's follow-ups waiting for (or failing to reach) OpenCode. */
export type QueuesState = PerSession<QueuedMessageJson>;
/** Each session's marks (interrupted tool calls, aborted replies). */
export type MarksState = PerSession<MarkJson>;
/** Each session's todo list. */
export type TodosState = PerSession<OpenCodeTodo>;

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, i) => sameRecord(item, b[i]));
}

function setList<T>(
  state: PerSession<T>,
  sessionId: string,
  list: readonly T[],
): PerSession<T> {
  if (list.length === 0) return withoutKeys(state, [sessionId]);
  const old = state.get(sessionId);
  return old && sameItems(old, list)
    ? state
    : withEntry(state, sessionId, list);
}

/**
 * Applies an action to the queues.
 *
 * @returns `state` itself when nothing changed.
 */
export function reduceQueues(
  state: QueuesState,
  action: StoreAction,
  cascade: Cascade,
): QueuesState {
  let next = state;
  if (action.kind === "queue-loaded") {
    next = setList(state, action.sessionId, action.queue);
  } else if (
    action.kind === "event" && action.event.type === "queue.updated"
  ) {
    const { sessionID, queue } = action.event.properties;
    next = setList(state, sessionID, queue);
  }
  return withoutKeys(next, cascade.forgottenSessions);
}

/**
 * Applies an action to the marks.
 *
 * @returns `state` itself when nothing changed.
 */
export function reduceMarks(
  state: MarksState,
  action: StoreAction,
  cascade: Cascade,
): MarksState {
  let next = state;
  if (action.kind === "marks-loaded") {
    next = setList(state, action.sessionId, action.marks);
  } else if (
    action.kind === "event" && action.event.type === "marks.updated"
  ) {
    const { sessionID, marks } = action.event.properties;
    next = setList(state, sessionID, marks);
  }
  return withoutKeys(next, cascade.forgottenSessions);
}

/**
 * Applies an action to the todo lists.
 *
 * @returns `state` itself when nothing changed.
 */
export function reduceTodos(
  state: TodosState,
  action: StoreAction,
  cascade: Cascade,
): TodosState {
  let next = state;
  if (action.kind === "todos-loaded") {
    next = setList(state, action.sessionId, action.todos);
  } else if (action.kind === "event" && action.event.type === "todo.updated") {
    const { sessionID, todos } = action.event.properties;
    next = setList(state, sessionID, todos);
  }
  return withoutKeys(next, cascade.forgottenSessions);
}
