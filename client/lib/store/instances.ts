/**
 * The instances slice: instances by id.
 *
 * @module
 */
import type { InstanceJson } from "../../../server/contract/instances.ts";
import type { StoreAction } from "./actions.ts";
import { mapOf, withEntry, withoutKeys } from "./immutable.ts";

/** Instances by id. */
export type InstancesState = ReadonlyMap<string, InstanceJson>;

/**
 * Applies an action to the instances.
 *
 * @returns `state` itself when nothing changed.
 */
export function reduceInstances(
  state: InstancesState,
  action: StoreAction,
): InstancesState {
  switch (action.kind) {
    case "snapshot-loaded":
      return mapOf(action.snapshot.instances, (i) => i.id, state);
    case "instance-saved":
      return withEntry(state, action.instance.id, action.instance);
    case "instance-deleted":
      return withoutKeys(state, [action.instanceId]);
    case "event": {
      const event = action.event;
      if (event.type === "instance.status") {
        const instance = event.properties.instance;
        return withEntry(state, instance.id, instance);
      }
      if (event.type === "instance.removed") {
        return withoutKeys(state, [event.instance_id]);
      }
      return state;
    }
    default:
      return state;
  }
}
