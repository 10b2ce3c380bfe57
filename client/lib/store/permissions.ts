/**
 * The permissions slice: pending permission requests by id, of every
 * instance and session (a sub-agent's too, though its session is not listed).
 *
 * @module
 */
import type { PermissionJson } from "../../../server/contract/permissions.ts";
import type { StoreAction } from "./actions.ts";
import { mapOf, withEntry, withoutKeys, withoutWhere } from "./immutable.ts";
import type { Cascade } from "./reducer.ts";

/** Pending permission requests by id. */
export type PermissionsState = ReadonlyMap<string, PermissionJson>;

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
