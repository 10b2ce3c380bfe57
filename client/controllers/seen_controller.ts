/**
 * Remembers what the user has looked at: restores the seen slice from the
 * browser's storage when the page starts, writes it back when it changes,
 * and marks the open session seen (at its current `updated_at`) whenever it
 * changes while the page is visible. A session that finishes while its tab
 * is hidden is therefore unread until the user comes back to it.
 *
 * @module
 */
import type { ReactiveController, ReactiveControllerHost } from "lit";
import { readSeen, writeSeen } from "../lib/seen_storage.ts";
import type { FlockStore } from "../lib/store/flock_store.ts";

/** Options for {@linkcode SeenController}. */
export interface SeenControllerOptions {
  store: FlockStore;
  /** The open session's id, or undefined on other routes. */
  openSessionId: () => string | undefined;
  /** Defaults to `localStorage`. */
  storage?: Pick<Storage, "getItem" | "setItem">;
  /** The current time (ISO); defaults to the browser's clock. */
  now?: () => string;
}

/** See the module docs. */
export class SeenController implements ReactiveController {
  readonly #options: SeenControllerOptions;
  readonly #storage: Pick<Storage, "getItem" | "setItem">;
  #unwatch: (() => void) | undefined;

  /**
   * @param host The element that owns the store (`<flock-app>`).
   * @param options The store, the open session, storage and clock.
   */
  constructor(host: ReactiveControllerHost, options: SeenControllerOptions) {
    this.#options = options;
    this.#storage = options.storage ?? localStorage;
    const now = options.now ?? (() => new Date().toISOString());
    options.store.dispatch({
      kind: "seen-restored",
      seen: readSeen(this.#storage, now()),
    });
    host.addController(this);
  }

  /** Starts watching the store and the page's visibility. */
  hostConnected(): void {
    const store = this.#options.store;
    let seen = store.state.seen;
    this.#unwatch = store.watch((state) => {
      if (state.seen !== seen) {
        seen = state.seen;
        writeSeen(this.#storage, seen);
      }
      this.markOpenSeen();
    });
    document.addEventListener("visibilitychange", this.#onVisibility);
    this.markOpenSeen();
  }

  /** Stops watching. */
  hostDisconnected(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
    document.removeEventListener("visibilitychange", this.#onVisibility);
  }

  /**
   * Marks the open session seen now (when the page is visible). Call it
   * when the route changes.
   */
  markOpenSeen(): void {
    if (document.visibilityState === "hidden") return;
    const id = this.#options.openSessionId();
    if (id === undefined) return;
    const store = this.#options.store;
    const session = store.state.sessions.byId.get(id);
    const last = store.state.seen.bySession.get(id);
    if (!session || (last !== undefined && last >= session.updated_at)) return;
    store.dispatch({
      kind: "session-seen",
      sessionId: id,
      updatedAt: session.updated_at,
    });
  }

  #onVisibility = (): void => this.markOpenSeen();
}
