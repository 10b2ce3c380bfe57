/**
 * Sends messages (prompts and `/` commands) to sessions, and queues the
 * ones that arrive while their session is busy: a queued message is sent,
 * in order, the moment its session goes idle (driven by the published
 * events, never polled). The queue is in SQLite, so it survives a Flock
 * restart; a send that fails stays in the queue as `failed` with its
 * error, holding back the ones after it until it is retried or cancelled.
 * Every change of a session's queue is published as `queue.updated`.
 *
 * When is a session ready for the next message? When Flock's table says
 * idle (or error), nothing of it is being handed over, and no message it
 * sent is still waiting to start: after a send, the session's next
 * `busy`/`retry` status (or a `session.error`, or a resync) must be seen
 * before an idle counts, so an idle that belonged to the previous reply
 * never releases the next message early.
 *
 * The model, variant and agent a message names are checked against what
 * the instance offers (here, before it is accepted); how a message is
 * handed over (with the session's remembered choice) is `dispatch.ts`.
 *
 * @module
 */
import { isFlockEvent } from "../contract/event_types.ts";
import type { WireEvent } from "../contract/events.ts";
import type { QueuedMessageJson } from "../contract/queue.ts";
import type { SessionJson } from "../contract/sessions.ts";
import type { QueueStore } from "../db/queue_store.ts";
import type { SessionStore } from "../db/session_store.ts";
import { log } from "../log.ts";
import { type Catalog, checkChoice, type Choice } from "../opencode/catalog.ts";
import { dispatchMessage } from "./dispatch.ts";
import type { CatalogCache } from "../opencode/catalog_cache.ts";
import type { OpenCodeClient } from "../opencode/opencode_client.ts";
import {
  InvalidChoiceError,
  QueuedMessageNotFoundError,
  QueuedMessageStateError,
} from "./queue_errors.ts";

/** What to send. */
export interface SendRequest {
  kind: "message" | "command";
  /** The prompt, or the command's arguments. */
  text: string;
  /** The command's name (`kind: "command"`). */
  command?: string | undefined;
  model?: string | undefined;
  agent?: string | undefined;
  variant?: string | undefined;
}

/** Options for {@linkcode MessageQueue}. */
export interface MessageQueueOptions {
  sessions: SessionStore;
  store: QueueStore;
  /** The REST client of a running instance (throws when it is not running). */
  client: (instanceId: string) => OpenCodeClient;
  /**
   * The client for a new message: waits for a starting instance and wakes
   * a hibernated one. Default `client`.
   */
  wake?: (instanceId: string) => Promise<OpenCodeClient>;
  catalog: CatalogCache;
  /** Publishes `queue.updated`. */
  publish: (event: WireEvent) => void;
  /** New queue ids. Default `q_` and 16 hex digits. */
  newId?: () => string;
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return "q_" +
    Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** See the module documentation. */
export class MessageQueue {
  #o: MessageQueueOptions;
  #newId: () => string;
  /** Sessions that were sent a message and have not started on it yet. */
  #awaiting = new Set<string>();
  /** Sessions a message is being handed to right now. */
  #inflight = new Set<string>();
  #busyWaiters = new Map<string, Set<() => void>>();
  #tasks = new Set<Promise<void>>();
  #closed = false;

  constructor(options: MessageQueueOptions) {
    this.#o = options;
    this.#newId = options.newId ?? randomId;
  }

  /**
   * At start: messages a previous Flock was handing over become `failed`
   * (they may or may not have reached OpenCode).
   */
  recoverAtStart(): void {
    this.#o.store.failInterrupted(
      "Flock stopped while sending this message; check the conversation before retrying it",
    );
  }

  /**
   * Sends a message now if the session is ready, else queues it.
   *
   * @returns it with `status` `sent` or `queued`.
   * @throws {InvalidChoiceError} for a model, variant, agent or command
   * the instance does not offer.
   * @throws {InstanceNotRunningError} when the instance is not running.
   */
  async submit(
    session: SessionJson,
    request: SendRequest,
  ): Promise<QueuedMessageJson> {
    const client = this.#o.wake
      ? await this.#o.wake(session.instance_id)
      : this.#o.client(session.instance_id);
    const catalog = await this.#o.catalog.get(client);
    const named: Choice = {
      model: request.model,
      variant: request.variant,
      agent: request.agent,
    };
    const problem = checkChoice(catalog, named);
    if (problem) throw new InvalidChoiceError(problem.field, problem.message);
    if (request.kind === "command") {
      const commands = catalog.commands.map((c) => c.name);
      if (!commands.includes(request.command ?? "")) {
        throw new InvalidChoiceError(
          "command",
          `the instance has no command "${request.command}" (${
            commands.join(", ") || "none"
          })`,
        );
      }
    }
    const item = {
      id: this.#newId(),
      session_id: session.id,
      instance_id: session.instance_id,
      kind: request.kind,
      text: request.text,
      command: request.command ?? null,
      model: request.model ?? null,
      agent: request.agent ?? null,
      variant: request.variant ?? null,
    };
    if (
      this.#ready(session.id) && this.#o.store.list(session.id).length === 0
    ) {
      this.#inflight.add(session.id);
      this.#awaiting.add(session.id);
      const now = new Date().toISOString();
      try {
        await this.#dispatch(client, catalog, {
          ...item,
          status: "sending",
          error: null,
          created_at: now,
          updated_at: now,
        });
      } catch (error) {
        this.#awaiting.delete(session.id);
        throw error;
      } finally {
        this.#inflight.delete(session.id);
      }
      return {
        ...item,
        status: "sent",
        error: null,
        created_at: now,
        updated_at: new Date().toISOString(),
      };
    }
    const queued = this.#o.store.add(item);
    this.#changed(session.instance_id, session.id);
    this.#drain(session.id);
    return queued;
  }

  /** A session's queue, in sending order. */
  list(sessionId: string): QueuedMessageJson[] {
    return this.#o.store.list(sessionId);
  }

  /**
   * Cancels a queued (or failed) message.
   *
   * @throws {QueuedMessageNotFoundError}
   * @throws {QueuedMessageStateError} while it is being sent.
   */
  cancel(sessionId: string, id: string): QueuedMessageJson {
    const item = this.#find(sessionId, id);
    if (item.status === "sending") {
      throw new QueuedMessageStateError(
        `Cannot cancel queued message ${id} as it is being sent right now`,
      );
    }
    this.#o.store.remove(id);
    this.#changed(item.instance_id, sessionId);
    this.#drain(sessionId);
    return item;
  }

  /**
   * Puts a failed message back in the queue (sent when the session is idle).
   *
   * @throws {QueuedMessageNotFoundError}
   * @throws {QueuedMessageStateError} unless it failed.
   */
  retry(sessionId: string, id: string): QueuedMessageJson {
    const item = this.#find(sessionId, id);
    if (item.status !== "failed") {
      throw new QueuedMessageStateError(
        `Cannot retry queued message ${id} as it is ${item.status}, not failed`,
      );
    }
    const updated = this.#o.store.setStatus(id, "queued") ?? item;
    this.#changed(item.instance_id, sessionId);
    this.#drain(sessionId);
    return this.#o.store.get(id) ?? updated;
  }

  /** Applies one published event (after the session table did). */
  apply(event: WireEvent): void {
    if (!isFlockEvent(event) || this.#closed) return;
    switch (event.type) {
      case "session.status": {
        const id = event.properties.sessionID;
        if (event.properties.status.type === "idle") {
          this.#drain(id);
          return;
        }
        this.#awaiting.delete(id);
        const waiters = this.#busyWaiters.get(id);
        this.#busyWaiters.delete(id);
        for (const wake of waiters ?? []) wake();
        return;
      }
      case "session.error":
        if (event.properties.sessionID) {
          this.#awaiting.delete(event.properties.sessionID);
        }
        return;
      case "session.idle":
        this.#drain(event.properties.sessionID);
        return;
      case "instance.sessions": {
        const { sessions, children = [] } = event.properties;
        for (const s of [...sessions, ...children]) this.#awaiting.delete(s.id);
        for (const id of this.#o.store.sessionsOf(event.instance_id)) {
          this.#drain(id);
        }
        return;
      }
      case "session.deleted": {
        const id = event.properties.info.id;
        this.#o.store.forgetSession(id);
        this.#awaiting.delete(id);
        return;
      }
      default:
        return;
    }
  }

  /** Stops sending and waits for the sends in flight. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const waiters of this.#busyWaiters.values()) {
      for (const wake of waiters) wake();
    }
    this.#busyWaiters.clear();
    await Promise.allSettled([...this.#tasks]);
  }

  #find(sessionId: string, id: string): QueuedMessageJson {
    const item = this.#o.store.get(id);
    if (!item || item.session_id !== sessionId) {
      throw new QueuedMessageNotFoundError(sessionId, id);
    }
    return item;
  }

  /** Whether the session can take a message now. */
  #ready(sessionId: string): boolean {
    if (this.#closed) return false;
    if (this.#awaiting.has(sessionId) || this.#inflight.has(sessionId)) {
      return false;
    }
    const status = this.#o.sessions.get(sessionId)?.status;
    return status === "idle" || status === "error";
  }

  /**
   * Sends the head of the session's queue if it is ready for it and its
   * instance runs (a message waits while its instance is stopped, stopping
   * or restarting; the next (re)connect's resync sends it).
   */
  #drain(sessionId: string): void {
    if (!this.#ready(sessionId)) return;
    const head = this.#o.store.list(sessionId)[0];
    if (!head || head.status !== "queued") return;
    let client: OpenCodeClient;
    try {
      client = this.#o.client(head.instance_id);
    } catch {
      return;
    }
    const sending = this.#o.store.setStatus(head.id, "sending") ?? head;
    this.#inflight.add(sessionId);
    this.#awaiting.add(sessionId);
    this.#changed(head.instance_id, sessionId);
    const task = (async () => {
      try {
        const catalog = await this.#o.catalog.get(client);
        await this.#dispatch(client, catalog, sending);
        this.#o.store.remove(head.id);
      } catch (error) {
        this.#awaiting.delete(sessionId);
        log.warn(`Cannot send queued message ${head.id}:`, error);
        this.#o.store.setStatus(head.id, "failed", errorMessage(error));
      } finally {
        this.#inflight.delete(sessionId);
      }
      this.#changed(head.instance_id, sessionId);
    })();
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }

  /** Hands one message to OpenCode; resolves once OpenCode has it. */
  #dispatch(
    client: OpenCodeClient,
    catalog: Catalog,
    item: QueuedMessageJson,
  ): Promise<void> {
    return dispatchMessage(client, catalog, item, {
      session: this.#o.sessions.get(item.session_id) ?? {},
      whenBusy: () => this.#whenBusy(item.session_id),
    });
  }

  /** Resolves at the session's next busy (or retry) status. */
  #whenBusy(sessionId: string): { promise: Promise<void>; cancel: () => void } {
    const { promise, resolve } = Promise.withResolvers<void>();
    let set = this.#busyWaiters.get(sessionId);
    if (!set) this.#busyWaiters.set(sessionId, set = new Set());
    const waiters = set;
    waiters.add(resolve);
    return { promise, cancel: () => waiters.delete(resolve) };
  }

  #changed(instanceId: string, sessionId: string): void {
    this.#o.publish({
      type: "queue.updated",
      instance_id: instanceId,
      properties: { sessionID: sessionId, queue: this.list(sessionId) },
    });
  }
}
