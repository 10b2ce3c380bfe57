/**
 * The permissions slice: pending permission requests by id, of every
 * instance and session (a sub-agent's too, though its session is not listed).
 * `instance.pending` (sent after Flock reconnects to a child, so after every
 * restart) replaces the instance's requests: a dead request disappears.
 *
 * @module
 */
import type { PermissionJson } from "../../../server/contract/permissions.ts";
import type { StoreAction } from "./actions.ts";
import { mapOf, withEntry, withoutKeys, withoutWhere } from "./immutable.ts";
import type { Cascade } from "./reducer.ts";

/** Pending permission requests by id. */
export type PermissionsState = ReadonlyMap<string, PermissionJson>;

/**
 * The instance's requests replaced by `current` (what its OpenCode holds
 * now, after a reconnect or a restart): dead ones go, the others stay
 * identical.
 */
function replaceInstance(
  state: PermissionsState,
  instanceId: string,
  current: readonly PermissionJson[],
): PermissionsState {
  const others = [...state.values()].filter((p) =>
    p.instance_id !== instanceId
  );
  return mapOf(
    [...others, ...current.map((p) => ({ ...p, instance_id: instanceId }))],
    (p) => p.id,
    state,
  );
}

function reduceOwn(
  state: PermissionsState,
  action: StoreAction,
): PermissionsState {
  switch (action.kind) {
    case "snapshot-loaded":
      return mapOf(action.snapshot.permissions, (p) => p.id, state);
    case "permission-answered":
      return withoutKeys(state, [action.permissionId]);
    case "event": {
      const event = action.event;
      switch (event.type) {
        case "permission.asked":
          return withEntry(state, event.properties.id, {
            ...event.properties,
            instance_id: event.instance_id,
          });
        case "permission.replied":
          return withoutKeys(state, [event.properties.requestID]);
        case "instance.pending":
          return replaceInstance(
            state,
            event.instance_id,
            event.properties.permissions,
          );
        default:
          return state;
      }
    }
    default:
      return state;
  }
}

/**
 * Applies an action to the permissions; requests of sessions that left the
 * list, or of instances that are gone, go with them.
 *
 * @returns `state` itself when nothing changed.
 */
export function reducePermissions(
  state: PermissionsState,
  action: StoreAction,
  cascade: Cascade,
): PermissionsState {
  const next = reduceOwn(state, action);
  const { forgottenSessions, forgottenInstances } = cascade;
  return forgottenSessions.size === 0 && forgottenInstances.size === 0
    ? next
    : withoutWhere(next, (p) =>
      forgottenSessions.has(p.sessionID) ||
      forgottenInstances.has(p.instance_id));
}
