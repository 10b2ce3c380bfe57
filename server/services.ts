/**
 * Flock's services, composed in one place: database → stores → event broker
 * → session tracker → `publish` (and its listeners) → supervisor → the
 * workflow runner. `runFlock` composes them with the real database and
 * OpenCode; tests that call `createApp` directly use
 * `server/testing/app_services.ts`. `createApp` takes them as given and
 * builds none itself.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { SupervisorApi } from "./api/api_context.ts";
import type { WireEvent } from "./contract/events.ts";
import { InstanceStore } from "./db/instance_store.ts";
import { RunStore } from "./db/run_store.ts";
import { SessionStore } from "./db/session_store.ts";
import { WorkflowStore } from "./db/workflow_store.ts";
import { EventBroker, type EventBrokerOptions } from "./events/event_broker.ts";
import { EventIdAllocator } from "./events/event_ids.ts";
import { SessionTracker } from "./events/session_tracker.ts";
import { log } from "./log.ts";
import { Supervisor, type SupervisorOptions } from "./opencode/supervisor.ts";
import { gitRepoInputs } from "./runs/repo_inputs.ts";
import { RunEngine, type RunEngineOptions } from "./runs/run_engine.ts";

/** What the HTTP app serves. */
export interface AppServices {
  instances: InstanceStore;
  sessions: SessionStore;
  /** The SSE fan-out. */
  broker: EventBroker;
  /** Keeps the sessions table in step with the events. */
  tracker: SessionTracker;
  /**
   * Publishes one Flock event: the tracker applies it, the broker fans it
   * out, then every listener gets it.
   */
  publish: (event: WireEvent) => void;
  /**
   * Adds a listener that gets every published event in-process, in order
   * (the workflow runner reacts to OpenCode's events this way). It must not
   * throw or block. Returns the function that removes it.
   */
  listen(listener: EventListener): () => void;
  /** Runs the OpenCode children. */
  supervisor: SupervisorApi;
  /** Installed workflows. */
  workflows: WorkflowStore;
  /** The workflow runner: runs, their actions and their recovery. */
  runs: RunEngine;
}

/** Gets every published event (see {@linkcode AppServices.listen}). */
export type EventListener = (event: WireEvent) => void;

/** What the runner takes beyond the composed services (tests, the bench). */
export type RunServicesOptions = Partial<
  Pick<
    RunEngineOptions,
    "clock" | "repo" | "onHandoff" | "newRunId" | "host"
  >
>;

/** The composed services of a running Flock. */
export interface Services extends AppServices {
  db: DatabaseSync;
  supervisor: Supervisor;
  /**
   * Stops the workflow runner, then every child (the open streams still
   * see their `stopped`) and the process helper, then ends every stream.
   * The database stays open (its owner closes it).
   */
  close(): Promise<void>;
}

/** Options for {@linkcode composeServices}. */
export interface ServicesOptions {
  /** An open, migrated database. */
  db: DatabaseSync;
  /** Broker tuning; ids default to blocks reserved in the database. */
  broker?: Partial<EventBrokerOptions>;
  /** Supervisor options beyond the stores and the event wiring. */
  supervisor: Omit<SupervisorOptions, "instances" | "publish" | "onResync">;
  /** Workflow runner options. */
  runs?: RunServicesOptions;
}

/** The services that exist before the supervisor and the runner. */
export type EventServices = Omit<
  AppServices,
  "supervisor" | "workflows" | "runs"
>;

/** The stores, tracker and `publish` over a database and a broker. */
export function composeEventServices(
  db: DatabaseSync,
  broker: EventBroker,
): EventServices {
  const instances = new InstanceStore(db);
  const sessions = new SessionStore(db);
  const tracker = new SessionTracker(sessions);
  const listeners = new Set<EventListener>();
  const publish = (event: WireEvent) => {
    tracker.apply(event);
    broker.publish(event);
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        log.error(`An event listener failed on ${event.type}:`, error);
      }
    }
  };
  const listen = (listener: EventListener) => {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  };
  return { instances, sessions, broker, tracker, publish, listen };
}

/**
 * The workflow stores and the runner over composed services and a
 * supervisor; the runner listens to every published event.
 */
export function composeRunServices(
  db: DatabaseSync,
  events: EventServices,
  supervisor: SupervisorApi,
  options: RunServicesOptions = {},
): { workflows: WorkflowStore; runs: RunEngine } {
  const workflows = new WorkflowStore(db);
  const runs = new RunEngine({
    runs: new RunStore(db, workflows),
    workflows,
    host: options.host ?? {
      sessions: (id) => supervisor.client(id),
      instance: (id) => events.instances.get(id),
      startInstance: (id) => supervisor.start(id),
    },
    publish: events.publish,
    repo: options.repo ?? gitRepoInputs(),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.onHandoff === undefined
      ? {}
      : { onHandoff: options.onHandoff }),
    ...(options.newRunId === undefined ? {} : { newRunId: options.newRunId }),
  });
  events.listen((event) => runs.onEvent(event));
  return { workflows, runs };
}

/** Composes every service over `options.db`. */
export function composeServices(options: ServicesOptions): Services {
  const { db } = options;
  // Event ids come from blocks reserved in the DB, so they grow across restarts.
  const broker = new EventBroker({
    ids: new EventIdAllocator(db),
    ...options.broker,
  });
  const events = composeEventServices(db, broker);
  const supervisor = new Supervisor({
    ...options.supervisor,
    instances: events.instances,
    publish: events.publish,
    // The snapshot becomes an `instance.sessions` event: the table and
    // every page replace the instance's sessions with it.
    onResync: (instanceId, snapshot) =>
      events.publish(events.tracker.resync(instanceId, snapshot)),
  });
  const { workflows, runs } = composeRunServices(
    db,
    events,
    supervisor,
    options.runs,
  );
  let closing: Promise<void> | undefined;
  return {
    db,
    ...events,
    supervisor,
    workflows,
    runs,
    close() {
      closing ??= (async () => {
        try {
          // The runner stops first: the children's shutdown (which aborts
          // busy sessions) must not read as failed attempts.
          await runs.close();
          await supervisor[Symbol.asyncDispose]();
        } finally {
          broker.close();
        }
      })();
      return closing;
    },
  };
}
