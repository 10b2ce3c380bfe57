/**
 * The page's single connection to `GET /api/events`.
 *
 * The browser's `EventSource` reconnects by itself and resumes with
 * `Last-Event-ID` (the server sends `id:` on every event and a `retry:`
 * hint). This controller only steps in when that cannot work:
 *
 * - the source is `CLOSED` (an HTTP error): reconnect with exponential backoff;
 * - `stream.lagged` (the server dropped us): reconnect at once;
 * - the browser comes back online: reconnect at once.
 *
 * A new `EventSource` has no `Last-Event-ID`, so a replacement source asks
 * for `?last_event_id=<last id seen>` (the server replays what was missed, or
 * sends `stream.reset`). When no id is known (the first connection) the new
 * source's open calls `onResync` and the owner loads its state over REST.
 * While the source is down a health probe tells
 * "reconnecting" (the server answers) from "offline" (it does not, or
 * `navigator.onLine` is false).
 *
 * @module
 */
import type { ReactiveController, ReactiveControllerHost } from "lit";
import { readFlockEvent } from "../../server/contract/event_guard.ts";
import type { WireEvent } from "../../server/contract/events.ts";
import { logError } from "../lib/log.ts";

/** What the connection badge shows. */
export type ConnectionStatus =
  | "connecting"
  | "connected"
  | "reconnecting"
  | "offline";

/** The part of `EventSource` the controller uses (so tests can fake it). */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((ev: Event) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
  addEventListener(type: string, listener: (event: MessageEvent) => void): void;
  close(): void;
}

/** The part of `window` the controller uses. */
export interface WindowLike {
  addEventListener(type: "online" | "offline", listener: () => void): void;
  removeEventListener(type: "online" | "offline", listener: () => void): void;
}

/** Options for {@linkcode EventStreamController}. */
export interface EventStreamOptions {
  /** The SSE URL, e.g. `/api/events`. */
  url: string;
  /** The event types to listen for (`event: <type>` lines). */
  types: readonly string[];
  /**
   * Called for every event, in order, once the contract's guard read it: a
   * known event, or one of a type the page does not know (to be ignored).
   * Malformed data is dropped here.
   */
  onEvent: (event: WireEvent) => void;
  /** Called when a new source opens: refetch state over REST. */
  onResync: () => void;
  /** Probed while disconnected to tell reconnecting from offline. */
  healthUrl?: string;
  /** Creates the source; defaults to `new EventSource(url)`. */
  createEventSource?: (url: string) => EventSourceLike;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** Defaults to `globalThis` (for `online`/`offline`). */
  window?: WindowLike;
  /** Defaults to `navigator.onLine` (true when unknown). */
  isOnline?: () => boolean;
  /** First manual-reconnect delay in ms (doubles up to `maxBackoffMs`). */
  backoffMs?: number;
  /** Longest manual-reconnect delay in ms. */
  maxBackoffMs?: number;
}

const CONNECTING = 0;
const CLOSED = 2;

/** Owns the one `EventSource` of the page; see the module docs. */
export class EventStreamController implements ReactiveController {
  /** The connection state shown by the badge. */
  status: ConnectionStatus = "connecting";
  /** The id of the last event received, if any. */
  lastEventId: string | null = null;

  readonly #host: ReactiveControllerHost;
  readonly #options: EventStreamOptions;
  readonly #listeners = new Set<(status: ConnectionStatus) => void>();
  #source: EventSourceLike | null = null;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #probe: AbortController | null = null;
  #attempt = 0;
  #connected = false;

  /**
   * @param host The element that owns the connection (e.g. `<flock-app>`).
   * @param options URL, event types and callbacks.
   */
  constructor(host: ReactiveControllerHost, options: EventStreamOptions) {
    this.#host = host;
    this.#options = options;
    host.addController(this);
  }

  /**
   * Observes status changes (for elements that got the controller through
   * context).
   *
   * @param listener Called with the new status.
   * @returns The unsubscribe function.
   */
  subscribe(listener: (status: ConnectionStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Opens the stream when the host connects. */
  hostConnected(): void {
    this.#window().addEventListener("online", this.#onOnline);
    this.#window().addEventListener("offline", this.#onOffline);
    this.#open();
  }

  /** Closes the stream and clears every timer and listener. */
  hostDisconnected(): void {
    this.#window().removeEventListener("online", this.#onOnline);
    this.#window().removeEventListener("offline", this.#onOffline);
    this.#teardown();
    this.#connected = false;
  }

  /** Drops the current source and opens a new one now (then resyncs). */
  reconnect(): void {
    this.#teardown();
    this.#connected = false;
    this.#setStatus(this.#isOnline() ? "reconnecting" : "offline");
    this.#open();
  }

  #window(): WindowLike {
    return this.#options.window ?? globalThis;
  }

  #isOnline(): boolean {
    if (this.#options.isOnline) return this.#options.isOnline();
    return typeof navigator === "undefined" ||
      (navigator as { onLine?: boolean }).onLine !== false;
  }

  #teardown(): void {
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#probe?.abort();
    this.#probe = null;
    const source = this.#source;
    this.#source = null;
    if (source) {
      source.onopen = null;
      source.onerror = null;
      source.close();
    }
  }

  #open(): void {
    const create = this.#options.createEventSource ??
      ((url: string) => new EventSource(url));
    // a replacement source resumes where the last one stopped
    const resumeFrom = this.#connected ? null : this.lastEventId;
    let url = this.#options.url;
    if (resumeFrom !== null) {
      url += `${url.includes("?") ? "&" : "?"}last_event_id=${
        encodeURIComponent(resumeFrom)
      }`;
    }
    const source = create(url);
    this.#source = source;
    source.onopen = () => {
      if (this.#source !== source) return;
      this.#attempt = 0;
      this.#probe?.abort();
      this.#probe = null;
      const resync = !this.#connected && resumeFrom === null;
      this.#connected = true;
      this.#setStatus("connected");
      if (resync) this.#options.onResync();
    };
    source.onerror = () => {
      if (this.#source !== source) return;
      if (source.readyState === CLOSED) {
        this.#scheduleReconnect();
      } else if (source.readyState === CONNECTING) {
        // the browser retries by itself and resumes with Last-Event-ID
        if (this.status === "connected") this.#setStatus("reconnecting");
      }
      this.#checkReachable();
    };
    const handler = (message: MessageEvent) => {
      if (this.#source !== source) return;
      if (message.lastEventId) this.lastEventId = message.lastEventId;
      let data: unknown;
      try {
        data = JSON.parse(String(message.data));
      } catch {
        return; // not JSON: nothing we understand
      }
      const reading = readFlockEvent(data);
      if (reading.kind === "invalid") {
        logError(`Ignoring a malformed ${message.type} event`, reading.reason);
        return;
      }
      const event = reading.event;
      if (event.type === "stream.lagged") {
        this.#options.onEvent(event);
        this.reconnect();
        return;
      }
      this.#options.onEvent(event);
    };
    for (const type of this.#options.types) {
      source.addEventListener(type, handler);
    }
  }

  /** Marks the source as dead so the next open resyncs, then retries later. */
  #scheduleReconnect(): void {
    this.#connected = false;
    const source = this.#source;
    this.#source = null;
    if (source) {
      source.onopen = null;
      source.onerror = null;
      source.close();
    }
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    const base = this.#options.backoffMs ?? 1000;
    const max = this.#options.maxBackoffMs ?? 30_000;
    const delay = Math.min(max, base * 2 ** this.#attempt) *
      (0.75 + Math.random() * 0.5);
    this.#attempt++;
    if (this.status !== "offline") this.#setStatus("reconnecting");
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#open();
    }, delay);
  }

  /** Probes the server: unreachable (or browser offline) means "offline". */
  #checkReachable(): void {
    if (!this.#isOnline()) {
      this.#setStatus("offline");
      return;
    }
    if (this.#probe) return;
    const probe = new AbortController();
    this.#probe = probe;
    const timeout = setTimeout(() => probe.abort(), 4000);
    const doFetch = this.#options.fetch ??
      ((input: string, init?: RequestInit) => fetch(input, init));
    doFetch(this.#options.healthUrl ?? "/api/health", {
      cache: "no-store",
      signal: probe.signal,
    })
      .then(
        (res) => {
          void res.body?.cancel();
          return true;
        },
        () => false,
      )
      .then((reachable) => {
        clearTimeout(timeout);
        if (this.#probe !== probe) return;
        this.#probe = null;
        if (this.status === "connected") return;
        if (!reachable) this.#setStatus("offline");
        else if (this.status === "offline") this.#setStatus("reconnecting");
      });
  }

  #onOnline = (): void => {
    if (this.status !== "connected") this.reconnect();
  };

  #onOffline = (): void => {
    this.#setStatus("offline");
  };

  #setStatus(status: ConnectionStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.#host.requestUpdate();
    for (const listener of [...this.#listeners]) listener(status);
  }
}
