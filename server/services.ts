/**
 * Flock's services, composed in one place: database → stores → event broker
 * → the observers of the published events (session tracker, activity,
 * pending requests, marks, search, message queue, then in-process
 * listeners) → `publish` → supervisor → the workflow runner (a listener)
 * and the hibernation and memory monitors. `runFlock`
 * composes them with the real database and OpenCode; tests that call
 * `createApp` directly use `server/testing/app_services.ts`. `createApp`
 * takes them as given and builds none itself.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { SupervisorApi } from "./api/api_context.ts";
import { type Clock, systemClock } from "./clock.ts";
import type {
  PublishEvent,
  PublishMeta,
  WireEvent,
} from "./contract/events.ts";
import { InstanceStore } from "./db/instance_store.ts";
import { MarkStore } from "./db/mark_store.ts";
import { QueueStore } from "./db/queue_store.ts";
import { SearchStore } from "./db/search_store.ts";
import { SessionStore } from "./db/session_store.ts";
import type { WorkflowStore } from "./db/workflow_store.ts";
import { EventBroker, type EventBrokerOptions } from "./events/event_broker.ts";
import { EventIdAllocator } from "./events/event_ids.ts";
import { MarkTracker } from "./events/mark_tracker.ts";
import { PendingIndex } from "./events/pending_index.ts";
import { rootEnricher } from "./events/root_enricher.ts";
import { Publisher } from "./events/publisher.ts";
import { SearchIndex } from "./events/search_index.ts";
import { SessionTracker } from "./events/session_tracker.ts";
import { ActivityRegistry } from "./fleet/activity.ts";
import {
  composeFleetMonitors,
  type FleetOptions,
  type MemoryDemand,
} from "./fleet/fleet_monitors.ts";
import { CatalogCache } from "./opencode/catalog_cache.ts";
import { SupervisorClosedError } from "./opencode/instance_errors.ts";
import type { OpenCodeClient } from "./opencode/opencode_client.ts";
import { Supervisor, type SupervisorOptions } from "./opencode/supervisor.ts";
import { log } from "./log.ts";
import { MessageQueue } from "./queue/message_queue.ts";
import type { RunEngine } from "./runs/run_engine.ts";
import type { RunReview } from "./runs/run_review.ts";
import {
  composeRunServices,
  type RunServicesOptions,
} from "./runs/run_services.ts";
import type { SessionWorktrees } from "./worktrees/session_worktrees.ts";
import {
  composeWorktrees,
  withWorktreeSessions,
  type WorktreeServicesOptions,
} from "./worktrees/worktree_services.ts";

/** What the HTTP app serves. */
export interface AppServices {
  instances: InstanceStore;
  sessions: SessionStore;
  /** The SSE fan-out. */
  broker: EventBroker;
  /** Keeps the sessions table in step with the events. */
  tracker: SessionTracker;
  /**
   * What goes on in each instance (busy sessions, pending requests,
   * leases). Anything that must keep an instance awake holds a lease:
   * `activity.hold(instanceId)`; `touch` marks a moment.
   */
  activity: ActivityRegistry;
  /** Memory figures on demand. */
  memory: MemoryDemand;
  /** Every pending permission request and question, from the events. */
  pending: PendingIndex;
  /** Interrupted tool calls, replies aborted while retrying, recoveries. */
  marks: MarkTracker;
  /** Full-text search over titles and message text, fed by the events. */
  search: SearchIndex;
  /** Sends messages, and queues those for busy sessions. */
  queue: MessageQueue;
  /** What each running instance offers (agents, models, commands). */
  catalog: CatalogCache;
  /**
   * Publishes one Flock event: the observers (tracker first, listeners
   * last) apply it, then the broker fans it out (sending `meta.json` when
   * given instead of serialising it). Observers and listeners get the
   * event's meta (`meta.directory` is the directory OpenCode reported for
   * an upstream event, e.g. a worktree's).
   */
  publish: PublishEvent;
  /**
   * Adds a listener that gets every published event in-process, in order,
   * with its {@linkcode PublishMeta} (the workflow runner reacts to
   * OpenCode's events this way). It must not throw or block. Returns the
   * function that removes it.
   */
  listen(listener: EventListener): () => void;
  /** Runs the OpenCode children. */
  supervisor: SupervisorApi;
  /** Installed workflows. */
  workflows: WorkflowStore;
  /** The workflow runner: runs, their actions and their recovery. */
  runs: RunEngine;
  /** Runs' own worktrees: their diff, merge and removal. */
  runReview: RunReview;
  /** Sessions' own worktrees: diff, merge, commit, removal. */
  worktrees: SessionWorktrees;
}

export { composeRunServices, type RunServicesOptions };

/** Gets every published event (see {@linkcode AppServices.listen}). */
export type EventListener = (
  event: WireEvent,
  meta: PublishMeta | undefined,
) => void;

/** The composed services of a running Flock. */
export interface Services extends AppServices {
  db: DatabaseSync;
  supervisor: Supervisor;
  /**
   * Stops the workflow runner and the monitors, then every child (the open
   * streams still see their `hibernated`/`stopped`), the process helper
   * and the queue's sends, then ends every stream. The database stays open (its owner closes it).
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
  supervisor: Omit<
    SupervisorOptions,
    "instances" | "publish" | "onResync" | "activity"
  >;
  /** Hibernation and memory limits. */
  fleet?: FleetOptions;
  /** Time for the monitors and the supervisor. Default the system clock. */
  clock?: Clock;
  /** Workflow runner options. */
  runs?: RunServicesOptions;
  /** Where sessions' worktrees go (and the git runner). */
  worktrees: WorktreeServicesOptions;
}

/** The services that exist before the supervisor and the runner. */
export type EventServices = Omit<
  AppServices,
  "supervisor" | "workflows" | "runs" | "runReview" | "memory"
>;

/** Options for {@linkcode composeEventServices}. */
export interface EventServicesOptions {
  /** The REST client of a running instance (the supervisor's `client`). */
  client: (instanceId: string) => OpenCodeClient;
  /** The client for a new message, waking a hibernated instance. */
  wake?: (instanceId: string) => Promise<OpenCodeClient>;
  /** Time. Default the system clock. */
  clock?: Clock;
  /** `--idle-timeout` of instances without their own, in seconds. */
  idleTimeoutS?: number;
  /** Where sessions' worktrees go (and the git runner). */
  worktrees: WorktreeServicesOptions;
}

/**
 * The stores, the observers and `publish` over a database and a broker.
 * Also settles what a previous Flock left half done: tool calls it saw
 * running are marked interrupted, messages it was sending are failed.
 */
export function composeEventServices(
  db: DatabaseSync,
  broker: EventBroker,
  options: EventServicesOptions,
): EventServices {
  const clock = options.clock ?? systemClock;
  const instances = new InstanceStore(db, {
    ...(options.idleTimeoutS === undefined
      ? {}
      : { defaultIdleTimeoutS: options.idleTimeoutS }),
  });
  const sessions = new SessionStore(db);
  const tracker = new SessionTracker(sessions);
  const activity = new ActivityRegistry({ clock });
  const publisher = new Publisher(broker, rootEnricher(tracker));
  const publish: PublishEvent = (event, meta) => publisher.publish(event, meta);
  const pending = new PendingIndex((id) => tracker.rootOf(id));
  const marks = new MarkTracker({
    store: new MarkStore(db),
    publish,
    now: () => clock.now(),
  });
  const search = new SearchIndex({
    store: new SearchStore(db),
    sessions,
    instances,
  });
  const catalog = new CatalogCache(clock);
  const queue = new MessageQueue({
    sessions,
    store: new QueueStore(db),
    client: options.client,
    ...(options.wake ? { wake: options.wake } : {}),
    catalog,
    publish,
  });
  marks.interruptLeftovers();
  queue.recoverAtStart();
  publisher.observe("session tracker", (e) => tracker.apply(e));
  publisher.observe("activity", (e) => activity.observe(e));
  publisher.observe("pending index", (e) => pending.apply(e));
  publisher.observe("mark tracker", (e) => marks.apply(e));
  publisher.observe("search index", (e) => search.apply(e));
  publisher.observe("message queue", (e) => queue.apply(e));
  // The runner and other in-process listeners come last.
  const listeners = new Set<EventListener>();
  publisher.observe("listeners", (event, meta) => {
    for (const listener of listeners) {
      try {
        listener(event, meta);
      } catch (error) {
        log.error(`An event listener failed on ${event.type}:`, error);
      }
    }
  });
  const listen = (listener: EventListener) => {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  };
  return {
    instances,
    sessions,
    broker,
    tracker,
    activity,
    pending,
    marks,
    search,
    queue,
    catalog,
    publish,
    listen,
    worktrees: composeWorktrees(
      db,
      { instances, sessions, publish, listen },
      options.worktrees,
    ),
  };
}

/** Composes every service over `options.db`. */
export function composeServices(options: ServicesOptions): Services {
  const { db } = options;
  const clock = options.clock ?? options.supervisor.clock ?? systemClock;
  const fleet = options.fleet ?? {};
  // Event ids come from blocks reserved in the DB, so they grow across restarts.
  const broker = new EventBroker({
    ids: new EventIdAllocator(db),
    ...options.broker,
  });
  // The observers need the supervisor's clients; it needs their publish.
  const late: { supervisor?: Supervisor } = {};
  const events = composeEventServices(db, broker, {
    client: (instanceId) => {
      if (!late.supervisor) throw new SupervisorClosedError();
      return late.supervisor.client(instanceId);
    },
    wake: (instanceId) => {
      if (!late.supervisor) throw new SupervisorClosedError();
      return late.supervisor.ensureClient(instanceId);
    },
    clock,
    ...(fleet.idleTimeoutS === undefined
      ? {}
      : { idleTimeoutS: fleet.idleTimeoutS }),
    worktrees: options.worktrees,
  });
  const supervisor = late.supervisor = new Supervisor({
    clock,
    ...options.supervisor,
    instances: events.instances,
    publish: events.publish,
    activity: events.activity,
    // The snapshot becomes `instance.sessions` (the table and every page
    // replace the instance's sessions with it), then `instance.pending`
    // (its pending requests, so dead ones disappear after a restart).
    // The instance's worktrees are listed too (OpenCode answers per
    // directory); if one cannot be, the resync is skipped (nothing dropped).
    onResync: async (instanceId, ownSnapshot) => {
      const worktreeDirs = [
        ...events.worktrees.listByInstance(instanceId).map((w) => w.path),
        ...runs.worktreeDirectories(instanceId),
      ];
      const snapshot = worktreeDirs.length === 0
        ? ownSnapshot
        : await withWorktreeSessions(
          ownSnapshot,
          worktreeDirs,
          supervisor.client(instanceId),
        );
      events.publish(events.tracker.resync(instanceId, snapshot));
      const { permissions, questions } = snapshot;
      if (permissions && questions) {
        events.publish(
          events.pending.snapshot(instanceId, permissions, questions),
        );
      }
    },
  });
  const { workflows, runs, runReview } = composeRunServices(
    db,
    events,
    supervisor,
    options.runs,
    options.worktrees,
  );
  const monitors = composeFleetMonitors({
    events,
    broker,
    supervisor,
    clock,
    fleet,
  });
  let closing: Promise<void> | undefined;
  return {
    db,
    ...events,
    supervisor,
    workflows,
    runs,
    runReview,
    memory: monitors.memory,
    close() {
      closing ??= (async () => {
        try {
          // The runner stops first: the children's shutdown (which aborts
          // busy sessions) must not read as failed attempts.
          await Promise.all([runs.close(), monitors.close()]);
          await supervisor[Symbol.asyncDispose]();
          await events.queue.close();
        } finally {
          broker.close();
        }
      })();
      return closing;
    },
  };
}
