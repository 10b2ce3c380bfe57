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
 * Subagents' child sessions are recorded beside the list (with their
 * `parent_id`, by the contract's `childSessionChangeOf`), so a child's
 * requests roll up to its top-level session ({@linkcode SessionTracker.rootOf}).
 *
 * It never throws: a change that cannot be applied is logged and skipped.
 *
 * @module
 */
import { isFlockEvent } from "../contract/event_types.ts";
import type { InstanceSessionsEvent, WireEvent } from "../contract/events.ts";
import {
  type ChildSessionChange,
  childSessionChangeOf,
  type SessionChange,
  sessionChangeOf,
} from "../contract/session_changes.ts";
import {
  isRootSession,
  sessionRecordOf,
  sessionRowOf,
  sessionStatusOf,
} from "../contract/session_row.ts";
import type { SessionJson, SessionStatus } from "../contract/sessions.ts";
import type { SessionStore } from "../db/session_store.ts";
import { log } from "../log.ts";
import type { ResyncSnapshot } from "../opencode/upstream_events.ts";

/** Applies published events to the session table. */
export class SessionTracker {
  #sessions: SessionStore;
  /** Child session → its top-level session, for the children seen so far. */
  #roots = new Map<string, string>();

  constructor(sessions: SessionStore) {
    this.#sessions = sessions;
  }

  /**
   * The top-level session of a subagent's child session Flock has seen
   * since it started, or undefined for any other session (cheap: for
   * every event).
   */
  rootIfChild(sessionId: string): string | undefined {
    return this.#roots.get(sessionId);
  }

  /** Applies one published event. Never throws. */
  apply(event: WireEvent): void {
    const change = sessionChangeOf(event);
    const child = childSessionChangeOf(event);
    if (!change && !child) return;
    try {
      if (change) this.#apply(change, event);
      if (child) this.#applyChild(child);
    } catch (error) {
      log.warn(`Cannot apply ${event.type} to the sessions:`, error);
    }
  }

  /**
   * The top-level session a session belongs to: itself, or the root of its
   * recorded parents (a subagent's child session).
   */
  rootOf(sessionId: string): string {
    try {
      return this.#sessions.rootOf(sessionId);
    } catch (error) {
      log.warn(`Cannot find the root of session ${sessionId}:`, error);
      return sessionId;
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
    const worktrees = new Map<string, Pick<SessionJson, "branch" | "base">>();
    // Rows made after the list was asked for (a session created meanwhile
    // can be missing from it): kept, not dropped as deleted.
    const listed = new Set(snapshot.sessions.map((s) => s.id));
    const newer = (row: SessionJson) =>
      snapshot.askedAt !== undefined && !listed.has(row.id) &&
      Date.parse(row.created_at) >= snapshot.askedAt;
    const keptRoots: SessionJson[] = [];
    const keptChildren: SessionJson[] = [];
    try {
      for (const row of this.#sessions.listByInstance(instanceId)) {
        if (newer(row)) keptRoots.push(row);
        known.set(row.id, row.status);
        if (row.branch) {
          worktrees.set(row.id, { branch: row.branch, base: row.base ?? null });
        }
      }
    } catch (error) {
      log.warn(`Cannot read the sessions of ${instanceId}:`, error);
    }
    try {
      for (const row of this.#sessions.listChildrenByInstance(instanceId)) {
        if (newer(row)) keptChildren.push(row);
        known.set(row.id, row.status);
      }
    } catch (error) {
      log.warn(`Cannot read the child sessions of ${instanceId}:`, error);
    }
    const sessions: SessionJson[] = [];
    const children: SessionJson[] = [];
    for (const session of snapshot.sessions) {
      const reported = snapshot.statuses[session.id];
      const status: SessionStatus = reported
        ? sessionStatusOf(reported)
        : known.get(session.id) === "error"
        ? "error"
        : "idle";
      if (isRootSession(session)) {
        const row = sessionRowOf(instanceId, session, status);
        // A worktree's branch and base are Flock's, not OpenCode's.
        if (row) sessions.push({ ...row, ...worktrees.get(row.id) });
      } else {
        const row = sessionRecordOf(instanceId, session, status);
        if (row) children.push(row);
      }
    }
    sessions.push(...keptRoots);
    children.push(...keptChildren);
    return {
      type: "instance.sessions",
      instance_id: instanceId,
      properties: { sessions, children },
    };
  }

  #applyChild(change: ChildSessionChange): void {
    switch (change.kind) {
      case "upsert": {
        const existing = this.#sessions.get(change.session.id);
        if (existing && existing.instance_id !== change.instanceId) return;
        const row = sessionRecordOf(
          change.instanceId,
          change.session,
          existing?.status ?? "idle",
        );
        if (row) {
          this.#sessions.upsert(row);
          this.#roots.set(row.id, this.#sessions.rootOf(row.id));
        }
        return;
      }
      case "delete":
        this.#sessions.delete(change.sessionId);
        this.#roots.delete(change.sessionId);
        return;
    }
  }

  #apply(change: SessionChange, event: WireEvent): void {
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
        this.#roots.delete(change.sessionId);
        return;
      case "status":
        this.#sessions.setStatus(change.sessionId, change.status);
        return;
      case "settle":
        this.#sessions.settleInstance(change.instanceId);
        return;
      case "replace": {
        const children = isFlockEvent(event) &&
            event.type === "instance.sessions"
          ? event.properties.children
          : undefined;
        this.#sessions.replaceForInstance(
          change.instanceId,
          change.sessions,
          children,
        );
        for (const child of children ?? []) {
          this.#roots.set(child.id, this.#sessions.rootOf(child.id));
        }
        return;
      }
      case "forget":
        return; // the rows went with the instance's row
    }
  }
}
