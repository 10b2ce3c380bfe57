/**
 * REST loads for the driving slices: what an open session needs beside its
 * conversation (queue, marks, todos, subagents) and what its instance
 * offers (agents, models, commands). Each result is dispatched to the
 * store; later events keep it current. A failed load is left for the next
 * open (the page still works without it).
 *
 * @module
 */
import type { ApiClient } from "../api/api_client.ts";
import type { FlockStore } from "../lib/store/flock_store.ts";

/** The REST calls the loads use. */
export type DrivingApi = Pick<
  ApiClient,
  | "listQueue"
  | "listMarks"
  | "listTodos"
  | "listChildren"
  | "listAgents"
  | "listModels"
  | "listCommands"
  | "instanceUsage"
>;

/** The part of the store the loads use. */
export type DrivingStore = Pick<FlockStore, "dispatch" | "state">;

/**
 * Loads a session's queue, marks, todos and child sessions.
 *
 * @param api The REST client.
 * @param store The page's store.
 * @param sessionId The opened session.
 */
export async function loadSessionExtras(
  api: DrivingApi,
  store: DrivingStore,
  sessionId: string,
): Promise<void> {
  await Promise.all([
    api.listQueue(sessionId).then((queue) =>
      store.dispatch({ kind: "queue-loaded", sessionId, queue })
    ),
    api.listMarks(sessionId).then((marks) =>
      store.dispatch({ kind: "marks-loaded", sessionId, marks })
    ),
    api.listTodos(sessionId).then((todos) =>
      store.dispatch({ kind: "todos-loaded", sessionId, todos })
    ),
    api.listChildren(sessionId).then((children) =>
      store.dispatch({ kind: "children-loaded", children })
    ),
  ].map((p) => p.catch(() => undefined)));
}

const catalogLoads = new Map<string, Promise<void>>();

/**
 * Loads what a running instance offers, once per run (the store drops it
 * when the instance stops); concurrent callers share one load.
 *
 * @param api The REST client.
 * @param store The page's store.
 * @param instanceId The instance.
 */
export function loadCatalog(
  api: DrivingApi,
  store: DrivingStore,
  instanceId: string,
): Promise<void> {
  if (store.state.driving.catalogs.has(instanceId)) return Promise.resolve();
  if (store.state.instances.get(instanceId)?.status !== "running") {
    return Promise.resolve();
  }
  const running = catalogLoads.get(instanceId);
  if (running) return running;
  const load = Promise.all([
    api.listAgents(instanceId),
    api.listModels(instanceId),
    api.listCommands(instanceId),
  ]).then(([agents, models, commands]) =>
    store.dispatch({
      kind: "catalog-loaded",
      instanceId,
      catalog: { agents, models, commands },
    })
  ).catch(() => undefined).finally(() => catalogLoads.delete(instanceId));
  catalogLoads.set(instanceId, load);
  return load;
}

/**
 * Loads an instance's usage roll-up.
 *
 * @param api The REST client.
 * @param store The page's store.
 * @param instanceId The instance.
 */
export async function loadUsage(
  api: DrivingApi,
  store: DrivingStore,
  instanceId: string,
): Promise<void> {
  try {
    const usage = await api.instanceUsage(instanceId);
    store.dispatch({ kind: "usage-loaded", usage });
  } catch {
    // shown again on the next change
  }
}
