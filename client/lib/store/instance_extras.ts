/**
 * Per-instance state beside the instance list: what its OpenCode offers
 * (agents, models, commands: loaded when a composer needs them, dropped
 * when the instance stops, since a new run may offer others), its usage
 * roll-up (`GET …/usage`), and the notice of a crash it recovered from
 * (`instance.recovered`, until dismissed).
 *
 * @module
 */
import type {
  AgentJson,
  CommandJson,
  ModelsJson,
  UsageJson,
} from "../../../server/contract/catalog.ts";
import type { InstanceRecoveredEvent } from "../../../server/contract/events.ts";
import type { StoreAction } from "./actions.ts";
import { withEntry, withoutKeys } from "./immutable.ts";
import type { Cascade } from "./reducer.ts";

/** What an instance's OpenCode offers. */
export interface CatalogJson {
  readonly agents: readonly AgentJson[];
  readonly models: ModelsJson;
  readonly commands: readonly CommandJson[];
}

/** Catalogs by instance id. */
export type CatalogsState = ReadonlyMap<string, CatalogJson>;
/** Usage roll-ups by instance id. */
export type UsageState = ReadonlyMap<string, UsageJson>;
/** What `instance.recovered` said. */
export type RecoveryJson = InstanceRecoveredEvent["properties"];
/** Crash notices not yet dismissed, by instance id. */
export type RecoveriesState = ReadonlyMap<string, RecoveryJson>;

function stoppedInstance(action: StoreAction): string | undefined {
  if (action.kind !== "event") return undefined;
  const event = action.event;
  if (event.type === "instance.removed") return event.instance_id;
  return event.type === "instance.status" &&
      event.properties.instance.status !== "running"
    ? event.instance_id
    : undefined;
}

/**
 * Applies an action to the catalogs.
 *
 * @returns `state` itself when nothing changed.
 */
export function reduceCatalogs(
  state: CatalogsState,
  action: StoreAction,
  cascade: Cascade,
): CatalogsState {
  let next = state;
  if (action.kind === "catalog-loaded") {
    next = withEntry(state, action.instanceId, action.catalog);
  }
  const stopped = stoppedInstance(action);
  if (stopped) next = withoutKeys(next, [stopped]);
  return withoutKeys(next, cascade.forgottenInstances);
}

/**
 * Applies an action to the usage roll-ups.
 *
 * @returns `state` itself when nothing changed.
 */
export function reduceUsage(
  state: UsageState,
  action: StoreAction,
  cascade: Cascade,
): UsageState {
  let next = state;
  if (action.kind === "usage-loaded") {
    const old = state.get(action.usage.instance_id);
    const same = old !== undefined &&
      JSON.stringify(old) === JSON.stringify(action.usage);
    if (!same) next = withEntry(state, action.usage.instance_id, action.usage);
  }
  return withoutKeys(next, cascade.forgottenInstances);
}

/**
 * Applies an action to the crash notices.
 *
 * @returns `state` itself when nothing changed.
 */
export function reduceRecoveries(
  state: RecoveriesState,
  action: StoreAction,
  cascade: Cascade,
): RecoveriesState {
  let next = state;
  if (action.kind === "event" && action.event.type === "instance.recovered") {
    next = withEntry(state, action.event.instance_id, action.event.properties);
  } else if (action.kind === "recovery-dismissed") {
    next = withoutKeys(state, [action.instanceId]);
  }
  return withoutKeys(next, cascade.forgottenInstances);
}
