/**
 * Boot reconciliation: settles the rows a dead Flock left unsettled, after
 * killing what is left of their local processes (see `Reaper.reconcile`: a
 * pid that now belongs to another program is never signalled). A stop in
 * progress ends `stopped`; an instance that was starting, running or
 * hibernating ends `hibernated`, so the next request wakes it (the state a
 * clean shutdown leaves too). Remote instances have no process to kill.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { InstanceJson } from "../contract/instances.ts";
import { log } from "../log.ts";
import type { InstanceRegistry } from "./instance_registry.ts";
import type { Reaper } from "./reaper.ts";

/** What {@linkcode reconcileRows} needs. */
export interface ReconcileDeps {
  registry: InstanceRegistry;
  reaper: Reaper;
  clock: Clock;
}

/** See the module documentation. */
export async function reconcileRows(deps: ReconcileDeps): Promise<void> {
  const { registry, reaper, clock } = deps;
  const store = registry.store;
  const rows = store.listUnsettled().filter((row) => !registry.has(row.id));
  await Promise.all(rows.map(async (row) => {
    if (row.kind === "local") await reaper.reconcile(row);
    let updated: InstanceJson | undefined;
    try {
      updated = store.update(
        row.id,
        row.status === "stopping"
          ? { status: "stopped", pid: null, port: null, hibernated_at: null }
          : {
            status: "hibernated",
            pid: null,
            port: null,
            hibernated_at: new Date(clock.now()).toISOString(),
          },
      );
    } catch (error) {
      log.error(`Reconcile: cannot settle instance ${row.id}:`, error);
    }
    if (updated) registry.emit(updated);
  }));
}
