/**
 * The page's store: it holds the state ({@linkcode FlockState}), applies
 * events from the stream and REST snapshots to it through the pure reducer
 * (`reducer.ts`), and tells subscribers about changes at most once per
 * animation frame, each only when the part it selected changed.
 *
 * Sessions follow the events alone (the contract's `sessionChangeOf`): a
 * session created anywhere appears from its `session.created`, and
 * `instance.sessions` (sent after Flock reconnects to a child) replaces an
 * instance's list. Nothing is refetched for an event. An event whose type the
 * page does not know is ignored.
 *
 * Snapshots and events: while a full refresh is in flight, events are
 * buffered and replayed on top of the snapshot; deltas the snapshot already
 * contains are dropped (`rebaseConversation`). The same holds per
 * conversation while its history loads.
 *
 * @module
 */
import { isFlockEvent } from "../../../server/contract/event_types.ts";
import type { WireEvent } from "../../../server/contract/events.ts";
import { sessionIdOf } from "../../../server/contract/session_id_of.ts";
import type { SessionJson } from "../../../server/contract/sessions.ts";
import type { ApiClient } from "../../api/api_client.ts";
import {
  type Conversation,
  type ConversationEvent,
  conversationFromHistory,
  isConversationEvent,
  rebaseConversation,
} from "../conversation.ts";
import { noteAction, noteEvent } from "../render_probe.ts";
import type { StoreAction } from "./actions.ts";
import { sameRecord } from "./immutable.ts";
import { reduce } from "./reducer.ts";
import {
  applyRunEvent,
  isRunEvent,
  type RunEvent,
  runIdOf,
} from "./run_updates.ts";
import type { RunsSnapshot } from "./runs.ts";
import { signalsOf, type StoreSignal } from "./signals.ts";
import { EMPTY_STATE, type FlockState } from "./state.ts";

export type { StoreSignal } from "./signals.ts";

/** The part of the REST client the store needs. */
export type StoreApi = Pick<
  ApiClient,
  | "listInstances"
  | "listSessions"
  | "listPermissions"
  | "listMessages"
  | "listWorkflows"
  | "listRuns"
  | "getRun"
  | "listQuestions"
>;

/** Options for {@linkcode FlockStore}. */
export interface FlockStoreOptions {
  api: StoreApi;
  /** Schedules the change notification; defaults to `requestAnimationFrame`. */
  schedule?: (callback: () => void) => void;
  /** Called synchronously for notification-worthy live events. */
  onSignal?: (signal: StoreSignal) => void;
}

/** Picks what an element renders from the state. */
export type Selector<T> = (state: FlockState) => T;

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

/** Holds the state, applies events and snapshots, notifies per frame. */
export class FlockStore {
  readonly #api: StoreApi;
  readonly #schedule: (callback: () => void) => void;
  readonly #onSignal: (signal: StoreSignal) => void;
  readonly #watchers = new Set<(state: FlockState) => void>();
  #state: FlockState = EMPTY_STATE;
  #scheduled = false;
  /** Events received during a full refresh, or null when not refreshing. */
  #buffer: WireEvent[] | null = null;
  #refreshing: Promise<void> | null = null;
  #refreshAgain = false;
  /** Events for conversations whose history is being fetched. */
  readonly #conversationBuffers = new Map<string, ConversationEvent[]>();
  /** Events for runs whose JSON is being fetched. */
  readonly #runBuffers = new Map<string, RunEvent[]>();

  /** @param options The API and scheduling hooks. */
  constructor(options: FlockStoreOptions) {
    this.#api = options.api;
    this.#schedule = options.schedule ?? defaultSchedule;
    this.#onSignal = options.onSignal ?? (() => {});
  }

  /** The current state (immutable; replaced on every change). */
  get state(): FlockState {
    return this.#state;
  }

  /**
   * Applies an action now; subscribers hear of it at the next frame.
   *
   * @param action What happened (e.g. a REST answer this page received).
   */
  dispatch(action: StoreAction): void {
    const before = this.#state;
    const after = reduce(before, action);
    if (after === before) return;
    if (action.kind !== "event") noteAction(action.kind);
    this.#state = after;
    for (const signal of signalsOf(before, after, action)) {
      this.#onSignal(signal);
    }
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#schedule(() => {
      this.#scheduled = false;
      const state = this.#state;
      for (const watcher of [...this.#watchers]) watcher(state);
    });
  }

  /**
   * Calls `watcher` with the state once per frame in which it changed.
   *
   * @returns The unsubscribe function.
   */
  watch(watcher: (state: FlockState) => void): () => void {
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  /**
   * Calls `listener` once per frame in which `selector`'s result changed.
   *
   * @param selector Picks a part of the state; it must return the same
   *   object (or an `equals` one) while that part is unchanged.
   * @param listener Gets the new value.
   * @param equals Compares two values; by default one level deep
   *   (`sameRecord`), so a selector may return a fresh object or array of
   *   unchanged parts.
   * @returns The unsubscribe function.
   */
  select<T>(
    selector: Selector<T>,
    listener: (value: T) => void,
    equals: (a: T, b: T) => boolean = sameRecord,
  ): () => void {
    let last = selector(this.#state);
    return this.watch((state) => {
      const next = selector(state);
      if (equals(last, next)) return;
      last = next;
      listener(next);
    });
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
    const open = [...this.#state.conversations.keys()];
    try {
      const [instances, permissions, questions, runs] = await Promise.all([
        this.#api.listInstances(),
        this.#api.listPermissions(),
        this.#api.listQuestions(),
        this.#listRuns(),
      ]);
      const lists = await Promise.all(
        instances.map((i) =>
          this.#api.listSessions(i.id, { children: true }).catch(() => null)
        ),
      );
      const histories = await Promise.all(
        open.map((id) => this.#api.listMessages(id).catch(() => null)),
      );
      const buffered = this.#buffer;
      this.#buffer = null;
      const sessions = new Map<string, SessionJson[] | null>();
      const children = new Map<string, SessionJson[] | null>();
      instances.forEach((instance, i) => {
        const list = lists[i] ?? null;
        sessions.set(instance.id, list?.filter((s) => !s.parent_id) ?? null);
        children.set(instance.id, list?.filter((s) => s.parent_id) ?? null);
      });
      const conversations = new Map<string, Conversation>();
      open.forEach((sessionId, i) => {
        const history = histories[i];
        if (!history) return;
        const events = buffered.filter(isFlockEvent).filter(isConversationEvent)
          .filter((e) => sessionIdOf(e) === sessionId);
        conversations.set(
          sessionId,
          rebaseConversation(conversationFromHistory(history), events),
        );
      });
      this.dispatch({
        kind: "snapshot-loaded",
        snapshot: {
          instances,
          permissions,
          questions,
          sessions,
          children,
          conversations,
          runs,
        },
      });
      for (const event of buffered) {
        if (
          isFlockEvent(event) && isConversationEvent(event) &&
          conversations.has(sessionIdOf(event) ?? "")
        ) continue;
        this.#apply(event, false);
      }
    } catch (error) {
      const buffered = this.#buffer ?? [];
      this.#buffer = null;
      for (const event of buffered) this.#apply(event, false);
      this.dispatch({ kind: "snapshot-failed", error: errorMessage(error) });
    }
  }

  /** Workflows and runs, or null when they did not load (what is known is kept). */
  async #listRuns(): Promise<RunsSnapshot | null> {
    try {
      const [workflows, runs] = await Promise.all([
        this.#api.listWorkflows(),
        this.#api.listRuns(),
      ]);
      return { workflows, runs };
    } catch {
      return null;
    }
  }

  /**
   * Loads a run's full JSON (its page); later events keep it current.
   *
   * @param runId The run to open.
   * @param force Reload even if already loaded.
   */
  async loadRun(runId: string, force = false): Promise<void> {
    if (this.#runBuffers.has(runId)) return;
    const existing = this.#state.runs.details.get(runId);
    if (existing?.run && !existing.error && !force) return;
    this.#runBuffers.set(runId, []);
    this.dispatch({ kind: "run-loading", runId });
    try {
      let run = await this.#api.getRun(runId);
      for (const event of this.#runBuffers.get(runId) ?? []) {
        run = applyRunEvent(run, event);
      }
      this.dispatch({ kind: "run-loaded", run });
    } catch (error) {
      this.dispatch({ kind: "run-failed", runId, error: errorMessage(error) });
    } finally {
      this.#runBuffers.delete(runId);
    }
  }

  /**
   * Loads a session's history once; later events keep it current.
   *
   * @param sessionId The session to open.
   * @param force Reload even if already loaded.
   */
  async loadConversation(sessionId: string, force = false): Promise<void> {
    if (this.#conversationBuffers.has(sessionId)) return;
    const existing = this.#state.conversations.get(sessionId);
    if (existing && !existing.error && !force) return;
    this.#conversationBuffers.set(sessionId, []);
    this.dispatch({ kind: "conversation-loading", sessionId });
    try {
      const history = await this.#api.listMessages(sessionId);
      const buffered = this.#conversationBuffers.get(sessionId) ?? [];
      this.dispatch({
        kind: "conversation-loaded",
        sessionId,
        conversation: rebaseConversation(
          conversationFromHistory(history),
          buffered,
        ),
      });
    } catch (error) {
      this.dispatch({
        kind: "conversation-failed",
        sessionId,
        error: errorMessage(error),
      });
    } finally {
      this.#conversationBuffers.delete(sessionId);
    }
  }

  /**
   * Applies one event from the stream.
   *
   * @param event A Flock event, or one of a type this page does not know
   *   (ignored).
   */
  applyEvent(event: WireEvent): void {
    noteEvent(event);
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
    if (event.type === "stream.reset") {
      void this.refreshAll();
      return;
    }
    if (isConversationEvent(event)) {
      // a conversation whose history is loading gets it on top (rebased)
      this.#conversationBuffers.get(sessionIdOf(event) ?? "")?.push(event);
    }
    if (isRunEvent(event)) this.#runBuffers.get(runIdOf(event))?.push(event);
    this.dispatch({ kind: "event", event, live });
  }
}
