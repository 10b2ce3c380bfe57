/**
 * Flock's services, composed in one place: database → stores → event broker
 * → session tracker and activity registry → `publish` → supervisor →
 * hibernation and memory monitors. `runFlock` composes them with the real
 * database and OpenCode; tests that call `createApp` directly use
 * `server/testing/app_services.ts`. `createApp` takes them as given and
 * builds none itself.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { SupervisorApi } from "./api/api_context.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { WireEvent } from "./contract/events.ts";
import { InstanceStore } from "./db/instance_store.ts";
import { SessionStore } from "./db/session_store.ts";
import { EventBroker, type EventBrokerOptions } from "./events/event_broker.ts";
import { EventIdAllocator } from "./events/event_ids.ts";
import { SessionTracker } from "./events/session_tracker.ts";
import { ActivityRegistry } from "./fleet/activity.ts";
import { HibernationMonitor } from "./fleet/hibernation_monitor.ts";
import { MemoryMonitor } from "./fleet/memory_monitor.ts";
import { pendingWork } from "./fleet/pending_work.ts";
import { Supervisor, type SupervisorOptions } from "./opencode/supervisor.ts";

/** Someone read the instances: keep their memory figures fresh for a while. */
export interface MemoryDemand {
  wanted(): void;
}

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
   * leases). Anything that must keep an instance awake (a workflow attempt)
   * holds a lease: `activity.hold(instanceId)`; `touch` marks a moment.
   */
  activity: ActivityRegistry;
  /** Publishes one Flock event: the tracker and the activity registry apply it, then the broker fans it out. */
  publish: (event: WireEvent) => void;
  /** Runs the OpenCode children. */
  supervisor: SupervisorApi;
  /** Memory figures on demand. */
  memory: MemoryDemand;
}

/** The composed services of a running Flock. */
export interface Services extends AppServices {
  db: DatabaseSync;
  supervisor: Supervisor;
  /**
   * Stops the monitors, every child (the open streams still see their
   * `hibernated`/`stopped`) and the process helper, then ends every
   * stream. The database stays open (its owner closes it).
   */
  close(): Promise<void>;
}

/** How instances sleep and how much memory they may use. */
export interface FleetOptions {
  /** `--idle-timeout`, in seconds. Default 900. */
  idleTimeoutS?: number;
  /** `--max-instance-memory`, in bytes; null (default) for none. */
  maxInstanceMemoryBytes?: number | null;
  /** Between memory refreshes, in ms. Default 5000. */
  memoryIntervalMs?: number;
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
  fleet?: FleetOptions;
  /** Time for the monitors and the supervisor. Default the system clock. */
  clock?: Clock;
}

/** The stores, tracker, activity registry and `publish` over a database and a broker. */
export function composeEventServices(
  db: DatabaseSync,
  broker: EventBroker,
  options: { idleTimeoutS?: number; clock?: Clock } = {},
): Omit<AppServices, "supervisor" | "memory"> & {
  /** Also told about every published event (the monitors). */
  observers: Array<(event: WireEvent) => void>;
} {
  const instances = new InstanceStore(db, {
    ...(options.idleTimeoutS === undefined
      ? {}
      : { defaultIdleTimeoutS: options.idleTimeoutS }),
  });
  const sessions = new SessionStore(db);
  const tracker = new SessionTracker(sessions);
  const activity = new ActivityRegistry({
    clock: options.clock ?? systemClock,
  });
  const observers: Array<(event: WireEvent) => void> = [];
  const publish = (event: WireEvent) => {
    tracker.apply(event);
    activity.observe(event);
    for (const observe of observers) observe(event);
    broker.publish(event);
  };
  return { instances, sessions, broker, tracker, activity, publish, observers };
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
  const { observers, ...events } = composeEventServices(db, broker, {
    clock,
    ...(fleet.idleTimeoutS === undefined
      ? {}
      : { idleTimeoutS: fleet.idleTimeoutS }),
  });
  const supervisor = new Supervisor({
    clock,
    ...options.supervisor,
    instances: events.instances,
    publish: events.publish,
    activity: events.activity,
    // The snapshot becomes an `instance.sessions` event: the table and
    // every page replace the instance's sessions with it.
    onResync: (instanceId, snapshot) =>
      events.publish(events.tracker.resync(instanceId, snapshot)),
  });
  const hibernation = new HibernationMonitor({
    instances: events.instances,
    activity: events.activity,
    clock,
    hibernate: (id) => supervisor.hibernate(id),
    pendingWork: (id) => pendingWork(supervisor.ownClient(id)),
  });
  observers.push((event) => hibernation.observe(event));
  const memory = new MemoryMonitor({
    instances: events.instances,
    pids: () => supervisor.localPids(),
    processes: supervisor.processes,
    publish: (instance) =>
      events.publish({
        type: "instance.status",
        instance_id: instance.id,
        properties: { instance },
      }),
    activity: events.activity,
    clock,
    watched: () => broker.subscriberCount > 0,
    ceilingBytes: fleet.maxInstanceMemoryBytes ?? null,
    recycle: async (id, why) => {
      supervisor.note(id, why);
      await supervisor.restart(id);
    },
    ...(fleet.memoryIntervalMs === undefined
      ? {}
      : { intervalMs: fleet.memoryIntervalMs }),
  });
  hibernation.start();
  memory.start();
  let closing: Promise<void> | undefined;
  return {
    db,
    ...events,
    supervisor,
    memory,
    close() {
      closing ??= (async () => {
        try {
          await Promise.all([hibernation.close(), memory.close()]);
          await supervisor[Symbol.asyncDispose]();
        } finally {
          broker.close();
        }
      })();
      return closing;
    },
  };
}
