/**
 * The driving slice: what the page keeps to drive agents, beside the
 * sessions and conversations. Each part has its own pure reducer
 * (`session_extras.ts`, `instance_extras.ts`); this one groups them so the
 * state's top level stays small.
 *
 * @module
 */
import type { StoreAction } from "./actions.ts";
import { sameRecord } from "./immutable.ts";
import {
  type CatalogsState,
  type RecoveriesState,
  reduceCatalogs,
  reduceRecoveries,
  reduceUsage,
  type UsageState,
} from "./instance_extras.ts";
import type { Cascade } from "./reducer.ts";
import {
  type MarksState,
  type QueuesState,
  reduceMarks,
  reduceQueues,
  reduceTodos,
  type TodosState,
} from "./session_extras.ts";

/** Per-session and per-instance state for driving agents. */
export interface DrivingState {
  /** Follow-ups by session id, in sending order. */
  readonly queues: QueuesState;
  /** Flock's marks by session id. */
  readonly marks: MarksState;
  /** Todo lists by session id. */
  readonly todos: TodosState;
  /** What each instance offers, by instance id (loaded on demand). */
  readonly catalogs: CatalogsState;
  /** Usage roll-ups by instance id (loaded on demand). */
  readonly usage: UsageState;
  /** "Crashed and restarted" notices by instance id. */
  readonly recoveries: RecoveriesState;
}

/**
 * Applies an action to every part of the driving slice.
 *
 * @returns `state` itself when nothing changed.
 */
export function reduceDriving(
  state: DrivingState,
  action: StoreAction,
  cascade: Cascade,
): DrivingState {
  const next: DrivingState = {
    queues: reduceQueues(state.queues, action, cascade),
    marks: reduceMarks(state.marks, action, cascade),
    todos: reduceTodos(state.todos, action, cascade),
    catalogs: reduceCatalogs(state.catalogs, action, cascade),
    usage: reduceUsage(state.usage, action, cascade),
    recoveries: reduceRecoveries(state.recoveries, action, cascade),
  };
  return sameRecord(next, state) ? state : next;
}
