/**
 * What is going on in each instance, for hibernation, memory recycling and
 * the busy-aware health rule: busy sessions, pending permission requests and
 * questions (kept from the published events), leases (anything that must
 * keep an instance awake holds one: a workflow attempt, a proxied request in
 * flight) and the time of the last activity.
 *
 * Anyone may mark activity: {@linkcode ActivityRegistry.touch} for a moment
 * (a request), {@linkcode ActivityRegistry.hold} for a span (dispose the
 * lease when it ends). The end of any activity counts as activity too, so
 * an instance's idle time starts when its last session went idle, its last
 * question was answered or its last lease was let go.
 *
 * In memory: when Flock starts no child runs, and every (re)connect of a
 * child's events brings the sessions' statuses again (`instance.sessions`).
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { WireEvent } from "../contract/events.ts";
import { isFlockEvent } from "../contract/event_types.ts";
import type { ActivitySnapshot } from "./idle_rule.ts";

interface InstanceActivity {
  lastActiveAt: number;
  busy: Set<string>;
  permissions: Set<string>;
  questions: Set<string>;
  leases: number;
}

/** A hold on an instance's wakefulness; dispose it when the activity ends. */
export interface ActivityLease extends Disposable {
  readonly instanceId: string;
}

/** Options for {@linkcode ActivityRegistry}. */
export interface ActivityRegistryOptions {
  clock: Clock;
}

/** See the module documentation. */
export class ActivityRegistry {
  #clock: Clock;
  #instances = new Map<string, InstanceActivity>();
  /** The last status seen per instance (a transition is activity, a repeat is not). */
  #statuses = new Map<string, string>();
  #listeners = new Set<(instanceId: string) => void>();

  constructor(options: ActivityRegistryOptions) {
    this.#clock = options.clock;
  }

  #of(instanceId: string): InstanceActivity {
    let a = this.#instances.get(instanceId);
    if (!a) {
      a = {
        lastActiveAt: this.#clock.now(),
        busy: new Set(),
        permissions: new Set(),
        questions: new Set(),
        leases: 0,
      };
      this.#instances.set(instanceId, a);
    }
    return a;
  }

  /** Records activity now (a request to the instance). */
  touch(instanceId: string): void {
    this.#of(instanceId).lastActiveAt = this.#clock.now();
    this.#changed(instanceId);
  }

  /**
   * Keeps the instance awake until the lease is disposed (idempotent);
   * acquiring and releasing both count as activity.
   */
  hold(instanceId: string): ActivityLease {
    const a = this.#of(instanceId);
    a.leases++;
    this.touch(instanceId);
    let held = true;
    return {
      instanceId,
      [Symbol.dispose]: () => {
        if (!held) return;
        held = false;
        const now = this.#instances.get(instanceId);
        if (now !== a) return; // forgotten meanwhile
        a.leases--;
        this.touch(instanceId);
      },
    };
  }

  /** What is going on in the instance now. */
  snapshot(instanceId: string): ActivitySnapshot {
    const a = this.#of(instanceId);
    return {
      lastActiveAt: a.lastActiveAt,
      busySessions: a.busy.size,
      pendingPermissions: a.permissions.size,
      pendingQuestions: a.questions.size,
      leases: a.leases,
    };
  }

  /** Whether one of its sessions is busy (or retrying a model call). */
  isBusy(instanceId: string): boolean {
    return (this.#instances.get(instanceId)?.busy.size ?? 0) > 0;
  }

  /** Forgets an instance (deleted). */
  forget(instanceId: string): void {
    this.#instances.delete(instanceId);
  }

  /**
   * Calls `listener(instanceId)` after every change (for a monitor that
   * sleeps until something happens). Returns the unsubscribe function.
   */
  onChange(listener: (instanceId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Applies one published event. */
  observe(event: WireEvent): void {
    if (!isFlockEvent(event) || !("instance_id" in event)) return;
    const id = event.instance_id;
    switch (event.type) {
      case "session.status": {
        const { sessionID, status } = event.properties;
        this.#set(id, "busy", sessionID, status.type !== "idle");
        return;
      }
      case "session.idle":
        this.#set(id, "busy", event.properties.sessionID, false);
        return;
      case "session.deleted":
        this.#set(id, "busy", event.properties.info.id, false);
        return;
      case "permission.asked":
        this.#set(id, "permissions", event.properties.id, true);
        return;
      case "permission.replied":
        this.#set(id, "permissions", event.properties.requestID, false);
        return;
      case "question.asked":
        this.#set(id, "questions", event.properties.id, true);
        return;
      case "question.replied":
      case "question.rejected":
        this.#set(id, "questions", event.properties.requestID, false);
        return;
      case "instance.sessions": {
        const a = this.#of(id);
        a.busy = new Set(
          event.properties.sessions
            .filter((s) => s.status === "busy" || s.status === "retry")
            .map((s) => s.id),
        );
        this.touch(id);
        return;
      }
      case "instance.status": {
        // Only a change of status counts (an update of the memory figure
        // or a rename repeats it).
        const { status } = event.properties.instance;
        if (this.#statuses.get(id) === status) return;
        this.#statuses.set(id, status);
        if (status === "running" || status === "starting") {
          // A fresh child: nothing of the old one is pending any more.
          if (status === "starting") this.#clear(id);
          this.touch(id);
        } else if (status !== "stopping" && status !== "hibernating") {
          this.#clear(id);
        }
        return;
      }
      case "instance.removed":
        this.forget(id);
        this.#statuses.delete(id);
        return;
    }
  }

  #set(
    instanceId: string,
    set: "busy" | "permissions" | "questions",
    key: unknown,
    present: boolean,
  ): void {
    if (typeof key !== "string") return;
    const a = this.#of(instanceId);
    const had = a[set].has(key);
    if (had === present) return;
    if (present) a[set].add(key);
    else a[set].delete(key);
    this.touch(instanceId);
  }

  #clear(instanceId: string): void {
    const a = this.#instances.get(instanceId);
    if (!a) return;
    a.busy.clear();
    a.permissions.clear();
    a.questions.clear();
  }

  #changed(instanceId: string): void {
    for (const listener of [...this.#listeners]) listener(instanceId);
  }
}
