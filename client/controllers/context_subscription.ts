/**
 * A controller that takes an observable value from a `@lit/context` provider
 * and re-renders its host whenever that value reports a change (the event
 * stream's status). The store is read through `StoreSelection` instead,
 * which re-renders only when the selected part changed.
 *
 * @module
 */
import { type Context, ContextConsumer } from "@lit/context";
import type { ReactiveController, ReactiveControllerHost } from "lit";

/** Anything with a `subscribe(listener) => unsubscribe`. */
export interface Observable {
  subscribe(listener: () => void): () => void;
}

/**
 * Consumes `context` and keeps the host updated while it is connected.
 *
 * @example
 * ```ts
 * #stream = new ContextSubscription(this, streamContext);
 * render() { const status = this.#stream.value?.status; ... }
 * ```
 */
export class ContextSubscription<T extends Observable>
  implements ReactiveController {
  /** The provided value, once the provider answered. */
  value: T | undefined = undefined;

  readonly #host: ReactiveControllerHost;
  #unsubscribe: (() => void) | undefined = undefined;

  /**
   * @param host The element.
   * @param context The context to consume.
   */
  constructor(
    host: ReactiveControllerHost & HTMLElement,
    context: Context<unknown, T>,
  ) {
    this.#host = host;
    host.addController(this);
    new ContextConsumer(host, {
      context,
      subscribe: true,
      callback: (value) => this.#attach(value),
    });
  }

  /** Re-subscribes after a reconnect. */
  hostConnected(): void {
    if (this.value && !this.#unsubscribe) this.#attach(this.value);
  }

  /** Unsubscribes. */
  hostDisconnected(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  #attach(value: T): void {
    if (value === this.value && this.#unsubscribe) return;
    this.#unsubscribe?.();
    this.value = value;
    this.#unsubscribe = value.subscribe(() => this.#host.requestUpdate());
    this.#host.requestUpdate();
  }
}
