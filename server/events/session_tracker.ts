/**
 * Keeps the `sessions` table in step with the events Flock publishes. What
 * each event changes is decided by the contract's `sessionChangeOf` (the
 * page's store uses the same function), so the table and every page agree.
 * A session created anywhere (Flock's API, OpenCode's TUI, another client
 * of the child) is recorded from its `session.created` event alone.
 *
 * After every (re)connect to a child's event stream, {@linkcode
 * SessionTracker.resync} turns OpenCode's session list and statuses into an
 * `instance.sessions` event; publishing it replaces the instance's rows
 * (sessions deleted while nobody listened disappear). GET handlers only
 * read the table.
 *
 * It never throws: a change that cannot be applied is logged and skipped.
 *
 * @module
 */
import type { InstanceSessionsEvent, WireEvent } from "../contract/events.ts";
import {
  type SessionChange,
  sessionChangeOf,
} from "../contract/session_changes.ts";
import { sessionRowOf, sessionStatusOf } from "../contract/session_row.ts";
import type { SessionJson, SessionStatus } from "../contract/sessions.ts";
import type { SessionStore } from "../db/session_store.ts";
import { log } from "../log.ts";
import type { ResyncSnapshot } from "../opencode/upstream_events.ts";

/** Applies published events to the session table. */
export class SessionTracker {
  #sessions: SessionStore;

  constructor(sessions: SessionStore) {
    this.#sessions = sessions;
  }

  /** Applies one published event. Never throws. */
  apply(event: WireEvent): void {
    const change = sessionChangeOf(event);
    if (!change) return;
    try {
      this.#apply(change);
    } catch (error) {
      log.warn(`Cannot apply ${event.type} to the sessions:`, error);
    }
  }

  /**
   * The `instance.sessions` event for a child's snapshot: every root
   * session it lists, with its status. A session in the status map is
   * busy/retry; one absent from it is idle, except that a recorded `error`
   * stays (the events that said so were seen; OpenCode has no error state).
   * Publish the result; applying it replaces the instance's rows.
   */
  resync(instanceId: string, snapshot: ResyncSnapshot): InstanceSessionsEvent {
    const known = new Map<string, SessionStatus>();
    try {
      for (const row of this.#sessions.listByInstance(instanceId)) {
        known.set(row.id, row.status);
      }
    } catch (error) {
      log.warn(`Cannot read the sessions of ${instanceId}:`, error);
    }
    const sessions: SessionJson[] = [];
    for (const session of snapshot.sessions) {
      const reported = snapshot.statuses[session.id];
      const status: SessionStatus = reported
        ? sessionStatusOf(reported)
        : known.get(session.id) === "error"
        ? "error"
        : "idle";
      const row = sessionRowOf(instanceId, session, status);
      if (row) sessions.push(row);
    }
    return {
      type: "instance.sessions",
      instance_id: instanceId,
      properties: { sessions },
    };
  }

  #apply(change: SessionChange): void {
    switch (change.kind) {
      case "upsert": {
        const existing = this.#sessions.get(change.session.id);
        if (existing && existing.instance_id !== change.instanceId) return;
        const row = sessionRowOf(
          change.instanceId,
          change.session,
          existing?.status ?? "idle",
        );
        if (row) this.#sessions.upsert(row);
        return;
      }
      case "delete":
        this.#sessions.delete(change.sessionId);
        return;
      case "status":
        this.#sessions.setStatus(change.sessionId, change.status);
        return;
      case "settle":
        this.#sessions.settleInstance(change.instanceId);
        return;
      case "replace":
        this.#sessions.replaceForInstance(change.instanceId, change.sessions);
        return;
      case "forget":
        return; // the rows went with the instance's row
    }
  }
}
