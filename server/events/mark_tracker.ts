/**
 * Follows the published events to keep Flock's marks (`contract/marks.ts`)
 * and to tell the pages when an instance came back after a crash:
 *
 * - a tool part seen `pending` or `running` is recorded as live; once it is
 *   `completed` or `error` it is not (and a mark it had is removed);
 * - when an instance's child is gone (`instance.status` `stopped` or
 *   `error`), its live tool parts become `interrupted` marks: OpenCode
 *   would show them running forever;
 * - when a session goes from `retry` straight to idle (an abort while
 *   OpenCode retried the provider), its last assistant message is marked
 *   `aborted`: OpenCode ends it with no parts and no error;
 * - when an instance that failed is `running` again, `instance.recovered`
 *   says so, with what ended the previous run and where its log is.
 *
 * Each change of a session's marks is published as `marks.updated` with
 * the session's whole list.
 *
 * @module
 */
import { isFlockEvent } from "../contract/event_types.ts";
import type { WireEvent } from "../contract/events.ts";
import type { InstanceJson } from "../contract/instances.ts";
import type { MarkJson } from "../contract/marks.ts";
import type { LiveToolPart, MarkStore } from "../db/mark_store.ts";

/** Options for {@linkcode MarkTracker}. */
export interface MarkTrackerOptions {
  store: MarkStore;
  /** Publishes Flock's own events (`marks.updated`, `instance.recovered`). */
  publish: (event: WireEvent) => void;
  /** Now, for `instance.recovered`'s `at`. */
  now: () => number;
}

/** The first line of an instance's `last_error` (the rest is its output). */
function firstLine(text: string | null): string {
  return (text ?? "").split("\n")[0]?.trim() || "OpenCode ended unexpectedly";
}

/** See the module documentation. */
export class MarkTracker {
  #store: MarkStore;
  #publish: (event: WireEvent) => void;
  #now: () => number;
  /** Live tool parts by part id (mirrors the table, to skip repeat writes). */
  #live = new Map<string, LiveToolPart>();
  /** Each session's last status type, and its instance. */
  #status = new Map<string, { instanceId: string; type: string }>();
  /** Each session's latest assistant message. */
  #assistant = new Map<string, string>();
  /** Instances whose run failed: what ended it and what it interrupted. */
  #crashed = new Map<string, { reason: string; interrupted: number }>();

  constructor(options: MarkTrackerOptions) {
    this.#store = options.store;
    this.#publish = options.publish;
    this.#now = options.now;
    for (const part of this.#store.liveParts()) {
      this.#live.set(part.part_id, part);
    }
  }

  /**
   * Marks every tool part left live by a previous Flock (it died with its
   * children). Call once at start, before any instance runs.
   */
  interruptLeftovers(): number {
    const parts = [...this.#live.values()];
    if (parts.length === 0) return 0;
    this.#live.clear();
    return this.#store.interrupt(
      parts,
      "Flock stopped while this tool was running",
    ).length;
  }

  /** A session's marks. */
  marksOf(sessionId: string): MarkJson[] {
    return this.#store.marksOf(sessionId);
  }

  /** Applies one published event. */
  apply(event: WireEvent): void {
    if (!isFlockEvent(event)) return;
    switch (event.type) {
      case "message.part.updated": {
        const part = event.properties.part;
        if (part.type !== "tool") return;
        const live = part.state.status === "pending" ||
          part.state.status === "running";
        if (live) {
          if (this.#live.has(part.id)) return;
          const record: LiveToolPart = {
            part_id: part.id,
            session_id: part.sessionID,
            message_id: part.messageID,
            instance_id: event.instance_id,
            tool: part.tool,
          };
          this.#store.addLive(record);
          this.#live.set(part.id, record);
          return;
        }
        if (this.#live.delete(part.id)) this.#store.removeLive(part.id);
        const session = this.#store.removeMark(part.id);
        if (session) this.#changed(event.instance_id, session);
        return;
      }
      case "message.updated": {
        const info = event.properties.info;
        if (info.role === "assistant") {
          this.#assistant.set(info.sessionID, info.id);
        }
        return;
      }
      case "session.status":
        this.#setStatus(
          event.instance_id,
          event.properties.sessionID,
          event.properties.status,
        );
        return;
      case "session.idle":
        this.#setStatus(event.instance_id, event.properties.sessionID, {
          type: "idle",
        });
        return;
      case "session.deleted": {
        const id = event.properties.info.id;
        this.#store.forgetSession(id);
        this.#status.delete(id);
        this.#assistant.delete(id);
        for (const [partId, part] of this.#live) {
          if (part.session_id === id) this.#live.delete(partId);
        }
        return;
      }
      case "instance.status":
        this.#instanceStatus(event.properties.instance);
        return;
      case "instance.removed":
        this.#crashed.delete(event.instance_id);
        for (const [partId, part] of this.#live) {
          if (part.instance_id === event.instance_id) this.#live.delete(partId);
        }
        return;
      default:
        return;
    }
  }

  #setStatus(
    instanceId: string,
    sessionId: string,
    status: { type: string; message?: string },
  ): void {
    const before = this.#status.get(sessionId)?.type;
    this.#status.set(sessionId, { instanceId, type: status.type });
    if (before !== "retry" || status.type !== "idle") return;
    const messageId = this.#assistant.get(sessionId);
    if (!messageId) return;
    const mark = this.#store.markAborted(
      { session_id: sessionId, message_id: messageId, instance_id: instanceId },
      "Aborted while OpenCode was retrying the provider",
    );
    if (mark) this.#changed(instanceId, sessionId);
  }

  #instanceStatus(instance: InstanceJson): void {
    if (instance.status === "stopped" || instance.status === "error") {
      const interrupted = this.#interrupt(
        instance.id,
        instance.status === "error"
          ? `Interrupted: ${firstLine(instance.last_error)}`
          : "Interrupted: the instance was stopped",
      );
      if (instance.status === "error") {
        const crash = this.#crashed.get(instance.id);
        this.#crashed.set(instance.id, {
          reason: firstLine(instance.last_error),
          interrupted: (crash?.interrupted ?? 0) + interrupted,
        });
      } else {
        this.#crashed.delete(instance.id);
      }
      // Its sessions' statuses died with it (a resync says idle, without
      // status events): a later idle is no abort.
      for (const [session, status] of this.#status) {
        if (status.instanceId === instance.id) this.#status.delete(session);
      }
      return;
    }
    if (instance.status !== "running") return;
    const crash = this.#crashed.get(instance.id);
    if (!crash) return;
    this.#crashed.delete(instance.id);
    this.#publish({
      type: "instance.recovered",
      instance_id: instance.id,
      properties: {
        reason: crash.reason,
        restart_count: instance.restart_count,
        interrupted: crash.interrupted,
        logs: `/api/instances/${instance.id}/logs`,
        at: new Date(this.#now()).toISOString(),
      },
    });
  }

  /** Marks the instance's live tool parts interrupted; returns how many. */
  #interrupt(instanceId: string, reason: string): number {
    const parts = [...this.#live.values()].filter((p) =>
      p.instance_id === instanceId
    );
    if (parts.length === 0) return 0;
    for (const part of parts) this.#live.delete(part.part_id);
    const marks = this.#store.interrupt(parts, reason);
    for (const session of new Set(marks.map((m) => m.session_id))) {
      this.#changed(instanceId, session);
    }
    return marks.length;
  }

  #changed(instanceId: string, sessionId: string): void {
    this.#publish({
      type: "marks.updated",
      instance_id: instanceId,
      properties: { sessionID: sessionId, marks: this.marksOf(sessionId) },
    });
  }
}
