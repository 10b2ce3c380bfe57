/**
 * The fleet's monitors, composed once over the running services: the
 * hibernation monitor (puts idle local instances to sleep) and the memory
 * monitor (measures each child's tree and recycles one over the limit).
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { EventBroker } from "../events/event_broker.ts";
import type { InstanceStore } from "../db/instance_store.ts";
import type { Supervisor } from "../opencode/supervisor.ts";
import type { WireEvent } from "../contract/events.ts";
import type { ActivityRegistry } from "./activity.ts";
import { HibernationMonitor } from "./hibernation_monitor.ts";
import { MemoryMonitor } from "./memory_monitor.ts";
import { pendingWork } from "./pending_work.ts";

/** Someone read the instances: keep their memory figures fresh for a while. */
export interface MemoryDemand {
  wanted(): void;
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

/** What the monitors are built over. */
export interface FleetMonitorDeps {
  events: {
    instances: InstanceStore;
    activity: ActivityRegistry;
    publish(event: WireEvent): void;
    listen(listener: (event: WireEvent) => void): () => void;
  };
  broker: EventBroker;
  supervisor: Supervisor;
  clock: Clock;
  fleet: FleetOptions;
}

/** The started monitors; `close` stops both. */
export interface FleetMonitors {
  memory: MemoryDemand;
  close(): Promise<void>;
}

/** Builds and starts the hibernation and memory monitors. */
export function composeFleetMonitors(deps: FleetMonitorDeps): FleetMonitors {
  const { events, broker, supervisor, clock, fleet } = deps;
  const hibernation = new HibernationMonitor({
    instances: events.instances,
    activity: events.activity,
    clock,
    hibernate: (id) => supervisor.hibernate(id),
    pendingWork: (id) => pendingWork(supervisor.ownClient(id)),
  });
  const stopListening = events.listen((event) => hibernation.observe(event));
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
  return {
    memory,
    async close() {
      stopListening();
      await Promise.all([hibernation.close(), memory.close()]);
    },
  };
}
