/**
 * The way an element reads the store: it selects the part it renders, and
 * is updated only when that part changes (at most once per animation frame,
 * like every store notification).
 *
 * @module
 */
import { ContextConsumer } from "@lit/context";
import type { ReactiveController, ReactiveControllerHost } from "lit";
import type { FlockStore, Selector } from "../lib/store/flock_store.ts";
import { sameRecord } from "../lib/store/immutable.ts";
import { EMPTY_STATE } from "../lib/store/state.ts";
import { storeContext } from "./contexts.ts";

/**
 * A selection of the page's store (from `@lit/context`) for one element.
 *
 * The selector runs again before every render of the host (so it may read
 * the host's properties, e.g. `this.sessionId`) and once per frame in which
 * the store changed; the host is asked to update only when the result is not
 * `equals` to the last one. A selector must return the same objects while
 * its part of the state is unchanged: slices and entities of the state do
 * (structural sharing), derived lists do through the memoised selectors of
 * `lib/store/selectors.ts`. The default `equals` compares one level deep, so
 * a selector can return an object literal of such parts.
 *
 * @example
 * ```ts
 * #view = new StoreSelection(this, (s) => ({
 *   session: s.sessions.byId.get(this.sessionId),
 *   retry: s.sessions.retries.get(this.sessionId),
 * }));
 * render() { const { session, retry } = this.#view.value; … }
 * ```
 */
export class StoreSelection<T> implements ReactiveController {
  /** The selected value, current at every render of the host. */
  value: T;

  readonly #host: ReactiveControllerHost;
  readonly #selector: Selector<T>;
  readonly #equals: (a: T, b: T) => boolean;
  #store: FlockStore | undefined = undefined;
  #unwatch: (() => void) | undefined = undefined;

  /**
   * @param host The element.
   * @param selector Picks what it renders.
   * @param options `equals` tells an unchanged value (default: one level
   *   deep); `store` is the store itself, for the element that provides it
   *   (the others get it through `@lit/context`).
   */
  constructor(
    host: ReactiveControllerHost & HTMLElement,
    selector: Selector<T>,
    options: { equals?: (a: T, b: T) => boolean; store?: FlockStore } = {},
  ) {
    this.#host = host;
    this.#selector = selector;
    this.#equals = options.equals ?? sameRecord;
    this.value = selector(EMPTY_STATE);
    if (options.store) {
      this.#store = options.store;
      this.#refresh();
    } else {
      new ContextConsumer(host, {
        context: storeContext,
        callback: (store) => this.#attach(store),
      });
    }
    host.addController(this);
  }

  /** The store, once the provider answered (to dispatch actions). */
  get store(): FlockStore | undefined {
    return this.#store;
  }

  /** Watches the store again after a reconnect. */
  hostConnected(): void {
    if (this.#store && !this.#unwatch) this.#watch(this.#store);
  }

  /** Stops watching. */
  hostDisconnected(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
  }

  /** Selects again before each render (the host's properties may have changed). */
  hostUpdate(): void {
    this.#refresh();
  }

  #attach(store: FlockStore): void {
    if (store === this.#store) return;
    this.#unwatch?.();
    this.#store = store;
    this.#watch(store);
    this.#refresh();
    this.#host.requestUpdate();
  }

  #watch(store: FlockStore): void {
    this.#unwatch = store.watch(() => {
      if (this.#refresh()) this.#host.requestUpdate();
    });
  }

  /** Selects; returns whether the value changed. */
  #refresh(): boolean {
    const next = this.#selector(this.#store?.state ?? EMPTY_STATE);
    if (this.#equals(this.value, next)) return false;
    this.value = next;
    return true;
  }
}
