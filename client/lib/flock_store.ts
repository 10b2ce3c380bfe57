/**
 * The page's state: instances, sessions, pending permissions and the loaded
 * conversations, kept current by REST snapshots plus the event stream.
 *
 * Events are applied to the model synchronously (so notifications never wait
 * for a frame), but listeners are told at most once per animation frame, so a
 * fast token stream costs one render per frame.
 *
 * @module
 */
import type {
  InstanceJson,
  PermissionJson,
  SessionJson,
  SessionStatus,
  StreamEvent,
} from "../../server/api_types.ts";
import type { ApiClient } from "../api/api_client.ts";
import {
  applyConversationEvent,
  type Conversation,
  type ConversationEvent,
  conversationFromHistory,
  eventSessionId,
  rebaseConversation,
} from "./conversation.ts";
import type { SessionStatusJson } from "./opencode_types.ts";

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

const MESSAGE_EVENTS = new Set([
  "message.updated",
  "message.removed",
  "message.part.updated",
  "message.part.delta",
  "message.part.removed",
  "session.error",
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
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
  readonly retries: Map<string, SessionStatusJson> = new Map();
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
  #buffer: StreamEvent[] | null = null;
  #refreshing: Promise<void> | null = null;
  #refreshAgain = false;
  /** Events for conversations whose history is being fetched. */
  readonly #conversationBuffers = new Map<string, ConversationEvent[]>();
  readonly #sessionRefetch = new Set<string>();

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
        const events = buffered.filter((e) =>
          MESSAGE_EVENTS.has(e.type) &&
          eventSessionId(e as ConversationEvent) === sessionId
        ) as ConversationEvent[];
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
          MESSAGE_EVENTS.has(event.type) &&
          rebased.has(eventSessionId(event as ConversationEvent) ?? "")
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
   * @param event A Flock or OpenCode event.
   */
  applyEvent(event: StreamEvent): void {
    if (this.#buffer) {
      if (event.type === "stream.reset") void this.refreshAll();
      else this.#buffer.push(event);
      return;
    }
    this.#apply(event, true);
  }

  #apply(event: StreamEvent, live: boolean): void {
    const p: Record<string, unknown> = event.properties;
    switch (event.type) {
      case "stream.reset":
        void this.refreshAll();
        return;
      case "stream.lagged":
        return; // the connection owner reconnects and refreshes
      case "instance.status": {
        if (!isRecord(p.instance)) return;
        const instance = p.instance as unknown as InstanceJson;
        const old = this.instances.get(instance.id);
        this.instances.set(instance.id, instance);
        if (instance.status === "running" && old?.status !== "running") {
          this.#refetchSessions(instance.id);
        }
        break;
      }
      case "instance.removed": {
        const id = "instance_id" in event ? event.instance_id : undefined;
        if (id) this.removeInstance(id);
        return;
      }
      case "session.created":
      case "session.updated": {
        if (!isRecord(p.info) || typeof p.info.id !== "string") return;
        const known = this.sessions.get(p.info.id);
        const instanceId = "instance_id" in event ? event.instance_id : "";
        if (known) {
          const title = p.info.title;
          if (typeof title === "string" && title !== known.title) {
            this.sessions.set(known.id, { ...known, title });
          } else return;
        } else if (instanceId && this.instances.has(instanceId)) {
          this.#refetchSessions(instanceId);
          return;
        } else return;
        break;
      }
      case "session.deleted": {
        const id = eventSessionId(event as ConversationEvent);
        if (id && this.sessions.has(id)) this.removeSession(id);
        return;
      }
      case "session.status": {
        const id = eventSessionId(event as ConversationEvent);
        if (!id || !isRecord(p.status)) return;
        const status = p.status as unknown as SessionStatusJson;
        if (status.type === "retry") this.retries.set(id, status);
        else this.retries.delete(id);
        this.#setSessionStatus(id, status.type, live);
        break;
      }
      case "session.idle": {
        const id = eventSessionId(event as ConversationEvent);
        if (!id) return;
        this.retries.delete(id);
        this.#setSessionStatus(id, "idle", live);
        break;
      }
      case "permission.asked": {
        if (typeof p.id !== "string") return;
        const instanceId = "instance_id" in event ? event.instance_id : "";
        const permission = {
          ...(p as unknown as PermissionJson),
          instance_id: instanceId,
        };
        const isNew = !this.permissions.has(permission.id);
        this.permissions.set(permission.id, permission);
        if (isNew && live) {
          this.#onSignal({ kind: "permission-asked", permission });
        }
        break;
      }
      case "permission.replied": {
        const id = typeof p.requestID === "string"
          ? p.requestID
          : typeof p.permissionID === "string"
          ? p.permissionID
          : undefined;
        if (!id || !this.permissions.delete(id)) return;
        break;
      }
      default: {
        if (!MESSAGE_EVENTS.has(event.type)) return;
        const id = eventSessionId(event as ConversationEvent);
        if (!id) return;
        const buffer = this.#conversationBuffers.get(id);
        if (buffer) {
          buffer.push(event as ConversationEvent);
          return;
        }
        const state = this.conversations.get(id);
        if (!state) return;
        const next = applyConversationEvent(
          state.conversation,
          event as ConversationEvent,
        );
        if (next === state.conversation) return;
        this.conversations.set(id, { ...state, conversation: next });
      }
    }
    this.changed();
  }

  #setSessionStatus(id: string, status: SessionStatus, live: boolean): void {
    const session = this.sessions.get(id);
    if (!session) return;
    const wasWorking = session.status === "busy" || session.status === "retry";
    if (session.status !== status) {
      this.sessions.set(id, { ...session, status });
    }
    if (live && wasWorking && status === "idle") {
      this.#onSignal({
        kind: "session-finished",
        session: this.sessions.get(id) ?? session,
      });
    }
  }

  #refetchSessions(instanceId: string): void {
    if (this.#sessionRefetch.has(instanceId)) return;
    this.#sessionRefetch.add(instanceId);
    queueMicrotask(async () => {
      try {
        const list = await this.#api.listSessions(instanceId);
        for (const s of list) this.upsertSession(s);
      } catch {
        // the instance may not serve sessions yet; the next event retries
      } finally {
        this.#sessionRefetch.delete(instanceId);
      }
      this.changed();
    });
  }
}
