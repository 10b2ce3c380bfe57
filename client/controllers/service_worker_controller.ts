/**
 * Registers the Workbox service worker and surfaces updates: when a new
 * version is installed and waiting, `updateAvailable` turns true (the host
 * shows a toast); `applyUpdate()` tells it to skip waiting and reloads once it
 * controls the page. The SW never skips waiting on its own, so a running page
 * is never swapped under the user.
 *
 * @module
 */
import type { ReactiveController, ReactiveControllerHost } from "lit";
import { Workbox } from "workbox-window";
import { logError } from "../lib/log.ts";

const UPDATE_CHECK_MS = 60 * 60 * 1000;

/** Owns the SW registration of the page. */
export class ServiceWorkerController implements ReactiveController {
  /** A new version is waiting. */
  updateAvailable = false;

  readonly #host: ReactiveControllerHost;
  readonly #url: string;
  #workbox: Workbox | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;

  /**
   * @param host The app element.
   * @param url The service worker script URL.
   */
  constructor(host: ReactiveControllerHost, url = "/sw.js") {
    this.#host = host;
    this.#url = url;
    host.addController(this);
  }

  /** Registers the service worker (once per page). */
  hostConnected(): void {
    if (this.#workbox || !("serviceWorker" in navigator)) return;
    const workbox = new Workbox(this.#url);
    this.#workbox = workbox;
    workbox.addEventListener("waiting", this.#onWaiting);
    workbox.register().catch((error: unknown) => {
      logError("Cannot register the service worker", error);
    });
    this.#timer = setInterval(() => {
      void workbox.update().catch(() => {});
    }, UPDATE_CHECK_MS);
  }

  /** Stops checking for updates and drops the listeners. */
  hostDisconnected(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#workbox?.removeEventListener("waiting", this.#onWaiting);
    this.#workbox?.removeEventListener("controlling", this.#onControlling);
    this.#workbox = null;
  }

  /** Activates the waiting version, then reloads the page. */
  applyUpdate(): void {
    const workbox = this.#workbox;
    if (!workbox) return;
    workbox.addEventListener("controlling", this.#onControlling);
    workbox.messageSkipWaiting();
  }

  /** Hides the toast until the next update. */
  dismiss(): void {
    this.updateAvailable = false;
    this.#host.requestUpdate();
  }

  #onWaiting = (): void => {
    this.updateAvailable = true;
    this.#host.requestUpdate();
  };

  #onControlling = (): void => {
    location.reload();
  };
}
