/**
 * Flock's services, composed in one place: database → stores → event broker
 * → session tracker → `publish` → supervisor. `runFlock` composes them with
 * the real database and OpenCode; tests that call `createApp` directly use
 * `server/testing/app_services.ts`. `createApp` takes them as given and
 * builds none itself.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { SupervisorApi } from "./api/api_context.ts";
import type { WireEvent } from "./contract/events.ts";
import { InstanceStore } from "./db/instance_store.ts";
import { SessionStore } from "./db/session_store.ts";
import { EventBroker, type EventBrokerOptions } from "./events/event_broker.ts";
import { EventIdAllocator } from "./events/event_ids.ts";
import { SessionTracker } from "./events/session_tracker.ts";
import { Supervisor, type SupervisorOptions } from "./opencode/supervisor.ts";

/** What the HTTP app serves. */
export interface AppServices {
  instances: InstanceStore;
  sessions: SessionStore;
  /** The SSE fan-out. */
  broker: EventBroker;
  /** Keeps the sessions table in step with the events. */
  tracker: SessionTracker;
  /** Publishes one Flock event: the tracker applies it, then the broker fans it out. */
  publish: (event: WireEvent) => void;
  /** Runs the OpenCode children. */
  supervisor: SupervisorApi;
}

/** The composed services of a running Flock. */
export interface Services extends AppServices {
  db: DatabaseSync;
  supervisor: Supervisor;
  /**
   * Stops every child (the open streams still see their `stopped`) and
   * the process helper, then ends every stream. The database stays open
   * (its owner closes it).
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
}

/** The stores, tracker and `publish` over a database and a broker. */
export function composeEventServices(
  db: DatabaseSync,
  broker: EventBroker,
): Omit<AppServices, "supervisor"> {
  const instances = new InstanceStore(db);
  const sessions = new SessionStore(db);
  const tracker = new SessionTracker(sessions);
  const publish = (event: WireEvent) => {
    tracker.apply(event);
    broker.publish(event);
  };
  return { instances, sessions, broker, tracker, publish };
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
  let closing: Promise<void> | undefined;
  return {
    db,
    ...events,
    supervisor,
    close() {
      closing ??= (async () => {
        try {
          await supervisor[Symbol.asyncDispose]();
        } finally {
          broker.close();
        }
      })();
      return closing;
    },
  };
}
