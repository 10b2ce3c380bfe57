/**
 * The child sessions slice: the sessions subagents run in (each with its
 * `parent_id`), kept beside the listed sessions, as the server records them
 * (`childSessionChangeOf`, `instance.sessions.children`). Their statuses and
 * deletion follow the same `sessionChangeOf` changes as listed sessions.
 *
 * @module
 */
import {
  childSessionChangeOf,
  sessionChangeOf,
} from "../../../server/contract/session_changes.ts";
import { sessionRecordOf } from "../../../server/contract/session_row.ts";
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
import type { Cascade } from "./reducer.ts";

/** Child sessions by id. */
export type ChildrenState = ReadonlyMap<string, SessionJson>;

function setStatus(
  state: ChildrenState,
  id: string,
  status: SessionStatus,
): ChildrenState {
  const child = state.get(id);
  if (!child || child.status === status) return state;
  return withEntry(state, id, { ...child, status });
}

function put(state: ChildrenState, row: SessionJson): ChildrenState {
  const old = state.get(row.id);
  return old && sameRecord(old, row) ? state : withEntry(state, row.id, row);
}

function replaceInstance(
  state: ChildrenState,
  instanceId: string,
  rows: readonly SessionJson[],
): ChildrenState {
  const next = new Map(
    withoutWhere(state, (c) => c.instance_id === instanceId),
  );
  for (const row of rows) next.set(row.id, row);
  return mapOf(next.values(), (c) => c.id, state);
}

function applyEvent(
  state: ChildrenState,
  action: Extract<StoreAction, { kind: "event" }>,
): ChildrenState {
  const event = action.event;
  if (event.type === "instance.sessions") {
    const rows = event.properties.children;
    return rows ? replaceInstance(state, event.instance_id, rows) : state;
  }
  const own = childSessionChangeOf(event);
  if (own?.kind === "delete") return withoutKeys(state, [own.sessionId]);
  if (own?.kind === "upsert") {
    const known = state.get(own.session.id);
    const row = sessionRecordOf(
      own.instanceId,
      own.session,
      known?.status ?? "idle",
    );
    return row ? put(state, row) : state;
  }
  const change = sessionChangeOf(event);
  switch (change?.kind) {
    case "status":
      return setStatus(state, change.sessionId, change.status);
    case "delete":
      return withoutKeys(state, [change.sessionId]);
    case "settle": {
      let next = state;
      for (const c of state.values()) {
        if (
          c.instance_id === change.instanceId &&
          (c.status === "busy" || c.status === "retry")
        ) next = setStatus(next, c.id, "idle");
      }
      return next;
    }
    case "forget":
      return withoutWhere(state, (c) => c.instance_id === change.instanceId);
    default:
      return state;
  }
}

function reduceOwn(state: ChildrenState, action: StoreAction): ChildrenState {
  switch (action.kind) {
    case "event":
      return applyEvent(state, action);
    case "snapshot-loaded": {
      let next = state;
      for (const [instanceId, rows] of action.snapshot.children ?? []) {
        if (rows) next = replaceInstance(next, instanceId, rows);
      }
      const known = new Set(action.snapshot.instances.map((i) => i.id));
      return withoutWhere(next, (c) => !known.has(c.instance_id));
    }
    case "children-loaded":
      return action.children.reduce(put, state);
    case "instance-deleted":
      return withoutWhere(state, (c) => c.instance_id === action.instanceId);
    default:
      return state;
  }
}

/**
 * Applies an action to the child sessions; the children (and their
 * children) of sessions that left the list go with them.
 *
 * @returns `state` itself when nothing changed.
 */
export function reduceChildren(
  state: ChildrenState,
  action: StoreAction,
  cascade: Cascade,
): ChildrenState {
  let next = reduceOwn(state, action);
  const { forgottenSessions, forgottenInstances } = cascade;
  if (forgottenInstances.size > 0) {
    next = withoutWhere(next, (c) => forgottenInstances.has(c.instance_id));
  }
  let gone: ReadonlySet<string> = forgottenSessions;
  while (gone.size > 0) {
    const dropped = new Set<string>();
    for (const c of next.values()) {
      if (c.parent_id !== undefined && gone.has(c.parent_id)) dropped.add(c.id);
    }
    next = withoutKeys(next, dropped);
    gone = dropped;
  }
  return next;
}
