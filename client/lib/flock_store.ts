/**
 * The page's state: instances, sessions, pending permissions and the loaded
 * conversations, kept current by REST snapshots plus the event stream.
 *
 * Sessions follow the events alone (the contract's `sessionChangeOf`, the
 * same rules as the server's table): a session created anywhere appears
 * from its `session.created`, and `instance.sessions` (sent after Flock
 * reconnects to a child) replaces an instance's list. Nothing is refetched
 * for an event. An event whose type the page does not know is ignored.
 *
 * Events are applied to the model synchronously (so notifications never wait
 * for a frame), but listeners are told at most once per animation frame, so a
 * fast token stream costs one render per frame.
 *
 * @module
 */
import { isFlockEvent } from "../../server/contract/event_types.ts";
import type { FlockEvent, WireEvent } from "../../server/contract/events.ts";
import type { InstanceJson } from "../../server/contract/instances.ts";
import type { OpenCodeRetryStatus } from "../../server/contract/opencode.ts";
import type { PermissionJson } from "../../server/contract/permissions.ts";
import {
  type SessionChange,
  sessionChangeOf,
} from "../../server/contract/session_changes.ts";
import { sessionIdOf } from "../../server/contract/session_id_of.ts";
import { sessionRowOf } from "../../server/contract/session_row.ts";
import type {
  SessionJson,
  SessionStatus,
} from "../../server/contract/sessions.ts";
import type { ApiClient } from "../api/api_client.ts";
import {
  applyConversationEvent,
  type Conversation,
  type ConversationEvent,
  conversationFromHistory,
  isConversationEvent,
  rebaseConversation,
} from "./conversation.ts";

/** The part of the REST client the store needs. */
export type StoreApi = Pick<
  ApiClient,
  "listInstances" | "listSessions" | "listPermissions" | "listMessages"
>;

/** Something the user may want a notification about. */
export type StoreSignal =
  | { kind: "session-finished"; session: SessionJson }
  | { kind: "permission-asked"; permission: PermissionJson };

/** Options for {@linkcode FlockStore}. */
export interface FlockStoreOptions {
  api: StoreApi;
  /** Schedules the change notification; defaults to `requestAnimationFrame`. */
  schedule?: (callback: () => void) => void;
  /** Called synchronously for notification-worthy events. */
  onSignal?: (signal: StoreSignal) => void;
}

/** A loaded (or loading) conversation. */
export interface ConversationState {
  conversation: Conversation;
  loading: boolean;
  error: string | null;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function defaultSchedule(callback: () => void): void {
  if (typeof requestAnimationFrame === "function") {
    requestAnimationFrame(() => callback());
  } else {
    setTimeout(callback, 0);
  }
}

/** Applies events and REST snapshots; notifies subscribers once per frame. */
export class FlockStore {
  /** Instances by id. */
  readonly instances: Map<string, InstanceJson> = new Map();
  /** Sessions by id (across all instances). */
  readonly sessions: Map<string, SessionJson> = new Map();
  /** The last retry details per session in `retry` status. */
  readonly retries: Map<string, OpenCodeRetryStatus> = new Map();
  /** Pending permissions by id. */
  readonly permissions: Map<string, PermissionJson> = new Map();
  /** Loaded conversations by session id. */
  readonly conversations: Map<string, ConversationState> = new Map();
  /** True once the first full snapshot arrived. */
  ready = false;
  /** The error of the last full refresh, or null. */
  loadError: string | null = null;
  /** Increases on every change. */
  version = 0;

  readonly #api: StoreApi;
  readonly #schedule: (callback: () => void) => void;
  readonly #onSignal: (signal: StoreSignal) => void;
  readonly #listeners = new Set<() => void>();
  #scheduled = false;
  /** Events received during a full refresh, or null when not refreshing. */
  #buffer: WireEvent[] | null = null;
  #refreshing: Promise<void> | null = null;
  #refreshAgain = false;
  /** Events for conversations whose history is being fetched. */
  readonly #conversationBuffers = new Map<string, ConversationEvent[]>();

  /** @param options The API and scheduling hooks. */
  constructor(options: FlockStoreOptions) {
    this.#api = options.api;
    this.#schedule = options.schedule ?? defaultSchedule;
    this.#onSignal = options.onSignal ?? (() => {});
  }

  /**
   * Registers a change listener.
   *
   * @param listener Called (batched) after changes.
   * @returns The unsubscribe function.
   */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Marks the state changed and schedules one notification. */
  changed(): void {
    this.version++;
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#schedule(() => {
      this.#scheduled = false;
      for (const listener of [...this.#listeners]) listener();
    });
  }

  /**
   * The sessions of an instance, newest first.
   *
   * @param instanceId The instance.
   * @returns Its known sessions.
   */
  sessionsOf(instanceId: string): SessionJson[] {
    return [...this.sessions.values()]
      .filter((s) => s.instance_id === instanceId)
      .sort((a, b) =>
        a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0
      );
  }

  /**
   * The pending permissions of a session.
   *
   * @param sessionId The session.
   * @returns Its pending permissions.
   */
  permissionsOf(sessionId: string): PermissionJson[] {
    return [...this.permissions.values()].filter((p) =>
      p.sessionID === sessionId
    );
  }

  /** Inserts or replaces an instance (e.g. from a REST response). */
  upsertInstance(instance: InstanceJson): void {
    this.instances.set(instance.id, instance);
    this.changed();
  }

  /** Inserts or replaces a session (e.g. from a REST response). */
  upsertSession(session: SessionJson): void {
    const old = this.sessions.get(session.id);
    // a response can be older than the events already seen: keep their status
    this.sessions.set(
      session.id,
      old ? { ...session, status: old.status } : session,
    );
    this.changed();
  }

  /** Forgets a session and its conversation. */
  removeSession(sessionId: string): void {
    this.sessions.delete(sessionId);
    this.conversations.delete(sessionId);
    this.retries.delete(sessionId);
    for (const [id, p] of this.permissions) {
      if (p.sessionID === sessionId) this.permissions.delete(id);
    }
    this.changed();
  }

  /** Forgets an instance and everything under it. */
  removeInstance(instanceId: string): void {
    this.instances.delete(instanceId);
    for (const s of this.sessionsOf(instanceId)) this.removeSession(s.id);
    for (const [id, p] of this.permissions) {
      if (p.instance_id === instanceId) this.permissions.delete(id);
    }
    this.changed();
  }

  /** Forgets a permission (answered here). */
  removePermission(permissionId: string): void {
    if (this.permissions.delete(permissionId)) this.changed();
  }

  /**
   * Refetches everything over REST (first load, `stream.reset`, reconnect
   * after an HTTP error). Events that arrive meanwhile are buffered and
   * replayed on top of the snapshot.
   */
  refreshAll(): Promise<void> {
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      do {
        this.#refreshAgain = false;
        await this.#refreshOnce();
      } while (this.#refreshAgain);
    })().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  /** Resolves when no full refresh is running. */
  async settled(): Promise<void> {
    while (this.#refreshing) await this.#refreshing;
  }

  async #refreshOnce(): Promise<void> {
    this.#buffer = [];
    const loaded = [...this.conversations.keys()];
    try {
      const [instances, permissions] = await Promise.all([
        this.#api.listInstances(),
        this.#api.listPermissions(),
      ]);
      const sessionLists = await Promise.all(
        instances.map((i) => this.#api.listSessions(i.id).catch(() => null)),
      );
      const histories = await Promise.all(
        loaded.map((id) => this.#api.listMessages(id).catch(() => null)),
      );
      this.instances.clear();
      for (const i of instances) this.instances.set(i.id, i);
      const oldSessions = new Map(this.sessions);
      this.sessions.clear();
      instances.forEach((instance, index) => {
        const list = sessionLists[index];
        if (list) {
          for (const s of list) this.sessions.set(s.id, s);
        } else {
          // keep what we knew about an instance whose sessions did not load
          for (const s of oldSessions.values()) {
            if (s.instance_id === instance.id) this.sessions.set(s.id, s);
          }
        }
      });
      for (const id of this.retries.keys()) {
        if (this.sessions.get(id)?.status !== "retry") this.retries.delete(id);
      }
      this.permissions.clear();
      for (const p of permissions) this.permissions.set(p.id, p);
      const buffered = this.#buffer;
      this.#buffer = null;
      const rebased = new Set<string>();
      loaded.forEach((sessionId, index) => {
        const history = histories[index];
        if (!this.sessions.has(sessionId)) {
          this.conversations.delete(sessionId);
          return;
        }
        if (!history) return;
        const events = buffered.filter(isFlockEvent).filter(isConversationEvent)
          .filter((e) => sessionIdOf(e) === sessionId);
        this.conversations.set(sessionId, {
          conversation: rebaseConversation(
            conversationFromHistory(history),
            events,
          ),
          loading: false,
          error: null,
        });
        rebased.add(sessionId);
      });
      for (const event of buffered) {
        if (
          isFlockEvent(event) && isConversationEvent(event) &&
          rebased.has(sessionIdOf(event) ?? "")
        ) continue;
        this.#apply(event, false);
      }
      this.ready = true;
      this.loadError = null;
    } catch (error) {
      const buffered = this.#buffer ?? [];
      this.#buffer = null;
      for (const event of buffered) this.#apply(event, false);
      this.loadError = errorMessage(error);
    }
    this.changed();
  }

  /**
   * Loads a session's history once; later events keep it current.
   *
   * @param sessionId The session to open.
   * @param force Reload even if already loaded.
   */
  async loadConversation(sessionId: string, force = false): Promise<void> {
    if (this.#conversationBuffers.has(sessionId)) return;
    const existing = this.conversations.get(sessionId);
    if (existing && !existing.error && !force) return;
    this.#conversationBuffers.set(sessionId, []);
    this.conversations.set(sessionId, {
      conversation: existing?.conversation ??
        { messages: [], errors: [] },
      loading: true,
      error: null,
    });
    this.changed();
    try {
      const history = await this.#api.listMessages(sessionId);
      const buffered = this.#conversationBuffers.get(sessionId) ?? [];
      this.conversations.set(sessionId, {
        conversation: rebaseConversation(
          conversationFromHistory(history),
          buffered,
        ),
        loading: false,
        error: null,
      });
    } catch (error) {
      this.conversations.set(sessionId, {
        conversation: existing?.conversation ?? { messages: [], errors: [] },
        loading: false,
        error: errorMessage(error),
      });
    } finally {
      this.#conversationBuffers.delete(sessionId);
    }
    this.changed();
  }

  /**
   * Applies one event from the stream.
   *
   * @param event A Flock event, or one of a type this page does not know
   *   (ignored).
   */
  applyEvent(event: WireEvent): void {
    if (this.#buffer) {
      if (event.type === "stream.reset") void this.refreshAll();
      else this.#buffer.push(event);
      return;
    }
    this.#apply(event, true);
  }

  #apply(event: WireEvent, live: boolean): void {
    // A type this page does not know (a newer OpenCode or Flock): ignored.
    if (!isFlockEvent(event)) return;
    const change = sessionChangeOf(event);
    let changed = change ? this.#applySessionChange(change, live) : false;
    if (this.#applyOther(event, live)) changed = true;
    if (changed) this.changed();
  }

  /** Applies what an event does besides changing the session list. */
  #applyOther(event: FlockEvent, live: boolean): boolean {
    switch (event.type) {
      case "stream.reset":
        void this.refreshAll();
        return false;
      case "instance.status": {
        const instance = event.properties.instance;
        this.instances.set(instance.id, instance);
        return true;
      }
      case "instance.removed":
        this.removeInstance(event.instance_id);
        return false;
      case "session.status": {
        const { sessionID, status } = event.properties;
        if (status.type === "retry") this.retries.set(sessionID, status);
        else this.retries.delete(sessionID);
        return true;
      }
      case "session.idle":
        return this.retries.delete(event.properties.sessionID);
      case "permission.asked": {
        const permission: PermissionJson = {
          ...event.properties,
          instance_id: event.instance_id,
        };
        const isNew = !this.permissions.has(permission.id);
        this.permissions.set(permission.id, permission);
        if (isNew && live) {
          this.#onSignal({ kind: "permission-asked", permission });
        }
        return true;
      }
      case "permission.replied":
        return this.permissions.delete(event.properties.requestID);
      default:
        return isConversationEvent(event) && this.#applyConversation(event);
    }
  }

  #applyConversation(event: ConversationEvent): boolean {
    const id = sessionIdOf(event);
    if (!id) return false;
    const buffer = this.#conversationBuffers.get(id);
    if (buffer) {
      buffer.push(event);
      return false;
    }
    const state = this.conversations.get(id);
    if (!state) return false;
    const next = applyConversationEvent(state.conversation, event);
    if (next === state.conversation) return false;
    this.conversations.set(id, { ...state, conversation: next });
    return true;
  }

  /** Applies a change to the session list (the rules the server's table follows). */
  #applySessionChange(change: SessionChange, live: boolean): boolean {
    switch (change.kind) {
      case "upsert": {
        const known = this.sessions.get(change.session.id);
        if (known && known.instance_id !== change.instanceId) return false;
        const row = sessionRowOf(
          change.instanceId,
          change.session,
          known?.status ?? "idle",
        );
        if (!row) return false;
        this.sessions.set(row.id, row);
        return true;
      }
      case "delete":
        if (!this.sessions.has(change.sessionId)) return false;
        this.removeSession(change.sessionId);
        return false; // removeSession notified
      case "status":
        return this.#setSessionStatus(change.sessionId, change.status, live);
      case "settle": {
        let changed = false;
        for (const s of this.sessionsOf(change.instanceId)) {
          if (s.status === "busy" || s.status === "retry") {
            this.sessions.set(s.id, { ...s, status: "idle" });
            this.retries.delete(s.id);
            changed = true;
          }
        }
        return changed;
      }
      case "replace": {
        const keep = new Set(change.sessions.map((s) => s.id));
        for (const s of this.sessionsOf(change.instanceId)) {
          if (!keep.has(s.id)) this.removeSession(s.id);
        }
        for (const s of change.sessions) {
          this.sessions.set(s.id, s);
          if (s.status !== "retry") this.retries.delete(s.id);
        }
        return true;
      }
      case "forget":
        return false; // instance.removed forgets the instance and its sessions
    }
  }

  #setSessionStatus(id: string, status: SessionStatus, live: boolean): boolean {
    const session = this.sessions.get(id);
    if (!session) return false;
    // an error is followed by idle: the reply is over then
    const wasWorking = session.status === "busy" ||
      session.status === "retry" || session.status === "error";
    if (session.status !== status) {
      this.sessions.set(id, { ...session, status });
    }
    if (live && wasWorking && status === "idle") {
      this.#onSignal({
        kind: "session-finished",
        session: this.sessions.get(id) ?? session,
      });
    }
    return session.status !== status;
  }
}
