import { html, LitElement, nothing } from "lit";
import { ContextProvider } from "@lit/context";
import { FLOCK_EVENT_TYPES } from "../../server/contract/event_types.ts";
import { ApiClient } from "../api/api_client.ts";
import {
  apiContext,
  storeContext,
  streamContext,
} from "../controllers/contexts.ts";
import { EventStreamController } from "../controllers/event_stream_controller.ts";
import { SeenController } from "../controllers/seen_controller.ts";
import { ServiceWorkerController } from "../controllers/service_worker_controller.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { basename } from "../lib/format.ts";
import { icon } from "../lib/icons.ts";
import { logError } from "../lib/log.ts";
import { readNotifyOptIn, shouldNotify } from "../lib/notifier.ts";
import { noteRender } from "../lib/render_probe.ts";
import { formatRoute, parseRoute, type Route } from "../lib/routing.ts";
import { needsYouCount } from "../lib/store/board.ts";
import { FlockStore, type StoreSignal } from "../lib/store/flock_store.ts";
import { blockedRuns } from "../lib/store/run_board.ts";
import type { FlockState } from "../lib/store/state.ts";
import type { NewInstanceDialog } from "./new-instance-dialog.ts";
import "./connection-badge.ts";
import "./home-view.ts";
import "./instance-list.ts";
import "./instance-log.ts";
import "./memory-total.ts";
import "./new-instance-dialog.ts";
import "./notify-toggle.ts";
import "./permission-inbox.ts";
import "./run-view.ts";
import "./search-view.ts";
import "./session-view.ts";
import "./update-toast.ts";
import "./workflow-board.ts";

/** What the shell shows from the store. */
interface ShellView {
  /** Requests waiting for the user, on every instance. */
  needsYou: number;
  /** The open session's title. */
  title: string | undefined;
  /** The open session's instance, by name. */
  instanceName: string | undefined;
  /** Runs blocked on a person. */
  blockedRuns: number;
}

/**
 * The application shell. Owns the page's single store, REST client and
 * event stream (shared with every element through `@lit/context`), the
 * service worker, routing (`#/s/<sessionId>`, `#/i/<instanceId>/logs`),
 * what the user has seen (`SeenController`) and system notifications.
 * From the store it renders only the open session's title and instance and
 * the count of requests that need the user (also in the tab's title:
 * "(2) Flock"), so a streaming reply never renders it.
 */
export class FlockApp extends LitElement {
  static override properties = {
    _route: { state: true },
    _sidebarOpen: { state: true },
  };

  declare _route: Route;
  declare _sidebarOpen: boolean;

  readonly api: ApiClient;
  readonly store: FlockStore;
  readonly stream: EventStreamController;
  readonly #sw: ServiceWorkerController;
  readonly #seen: SeenController;
  /** What the shell shows from the store. */
  readonly #view: StoreSelection<ShellView>;

  constructor() {
    super();
    this._route = parseRoute(location.hash);
    this._sidebarOpen = false;
    this.api = new ApiClient();
    this.store = new FlockStore({
      api: this.api,
      onSignal: (signal) => this.#notify(signal),
    });
    this.stream = new EventStreamController(this, {
      url: "/api/events",
      types: FLOCK_EVENT_TYPES,
      onEvent: (event) => this.store.applyEvent(event),
      onResync: () => void this.store.refreshAll(),
    });
    this.#sw = new ServiceWorkerController(this);
    this.#seen = new SeenController(this, {
      store: this.store,
      openSessionId: () =>
        this._route.kind === "session" ? this._route.sessionId : undefined,
    });
    this.#view = new StoreSelection(this, (s) => this.#select(s), {
      store: this.store,
    });
    new ContextProvider(this, {
      context: storeContext,
      initialValue: this.store,
    });
    new ContextProvider(this, {
      context: streamContext,
      initialValue: this.stream,
    });
    new ContextProvider(this, { context: apiContext, initialValue: this.api });
  }

  #select(s: FlockState): ShellView {
    const route = this._route;
    const session = route.kind === "session"
      ? s.sessions.byId.get(route.sessionId)
      : undefined;
    const instance = session ? s.instances.get(session.instance_id) : undefined;
    return {
      needsYou: needsYouCount(s),
      title: session?.title,
      blockedRuns: blockedRuns(s.runs.summaries).length,
      instanceName: instance
        ? instance.name || basename(instance.working_directory)
        : undefined,
    };
  }

  protected override createRenderRoot(): HTMLElement {
    // drop the static loading placeholder from index.html
    this.replaceChildren();
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    addEventListener("hashchange", this.#onHashChange);
    addEventListener("keydown", this.#onKeydown);
    this.#wide = matchMedia("(min-width: 768px)");
    this.#wide.addEventListener("change", this.#onBreakpoint);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    removeEventListener("hashchange", this.#onHashChange);
    removeEventListener("keydown", this.#onKeydown);
    this.#wide?.removeEventListener("change", this.#onBreakpoint);
    this.#wide = null;
  }

  #onHashChange = (): void => {
    this._route = parseRoute(location.hash);
    this._sidebarOpen = false;
    this.#seen.markOpenSeen();
  };

  /** Matches the desktop layout (sidebar always shown). */
  #wide: MediaQueryList | null = null;

  #onBreakpoint = (): void => {
    this._sidebarOpen = false;
    this.requestUpdate();
  };

  #onKeydown = (event: KeyboardEvent): void => {
    if (event.key === "Escape" && this._sidebarOpen && this.#isNarrow()) {
      event.preventDefault(); // this Esc closes the sidebar, nothing else
      this._sidebarOpen = false;
    }
  };

  #notify(signal: StoreSignal): void {
    const supported = typeof Notification !== "undefined";
    if (
      !shouldNotify({
        enabled: readNotifyOptIn(localStorage),
        permission: supported ? Notification.permission : "unsupported",
        hidden: document.hidden,
      })
    ) return;
    const sessionId = signal.kind === "session-finished"
      ? signal.session.id
      : signal.permission.sessionID;
    const title = this.store.state.sessions.byId.get(sessionId)?.title ||
      "A session";
    const [heading, body] = signal.kind === "session-finished"
      ? ["Session finished", `${title} is done.`]
      : [
        "Permission needed",
        `${title} wants to run ${signal.permission.permission}: ${
          String(
            signal.permission.metadata.command ??
              signal.permission.patterns.join(", "),
          )
        }`,
      ];
    const options: NotificationOptions = {
      body,
      tag: `flock-${signal.kind}-${sessionId}`,
      icon: "/icons/icon-192.png",
    };
    try {
      const notification = new Notification(heading, options);
      notification.onclick = () => {
        focus();
        location.hash = formatRoute({ kind: "session", sessionId });
        notification.close();
      };
    } catch {
      // some platforms only allow notifications from the service worker
      navigator.serviceWorker?.ready
        .then((registration) => registration.showNotification(heading, options))
        .catch((error: unknown) => logError("Cannot notify", error));
    }
  }

  #openNewInstance(): void {
    this._sidebarOpen = false;
    void this.querySelector<NewInstanceDialog>("new-instance-dialog")?.show();
  }

  #renderSidebar() {
    const open = this._sidebarOpen;
    const selected = this._route.kind === "session"
      ? this._route.sessionId
      : "";
    return html`
      <aside
        id="sidebar"
        aria-label="Instances and sessions"
        class="fixed inset-y-0 left-0 z-40 flex w-72 max-w-[85vw] flex-col border-r border-gray-800 bg-gray-950 transition-transform duration-200 md:static md:z-auto md:max-w-none md:translate-x-0 ${open
          ? "translate-x-0 shadow-2xl shadow-black"
          : "-translate-x-full"}"
        ?inert=${!open && this.#isNarrow()}
      >
        <div class="flex items-center gap-2 px-4 pt-4 pb-3">
          <img src="/icons/icon-192.png" alt="" class="size-7 rounded-lg" />
          <span
            class="text-[15px] font-semibold tracking-tight text-gray-100">Flock</span>
          <connection-badge class="ml-1"></connection-badge>
          <span class="flex-1"></span>
          <notify-toggle class="shrink-0"></notify-toggle>
          <button
            type="button"
            class="grid size-11 shrink-0 place-items-center rounded-md text-gray-400 hover:bg-gray-800 hover:text-gray-100 md:hidden"
            aria-label="Close sidebar"
            @click=${() => (this._sidebarOpen = false)}
          >${icon("x")}</button>
        </div>
        <div class="px-3 pb-3">
          <button
            type="button"
            data-new-instance
            class="flex min-h-11 w-full items-center justify-center gap-2 rounded-lg bg-indigo-500 px-3 py-2 text-sm font-medium text-white shadow-sm shadow-indigo-950 hover:bg-indigo-400 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-300"
            @click=${() => this.#openNewInstance()}
          >${icon("plus")} New instance</button>
        </div>
        <div class="px-3 pb-3">
          <a
            href="#/w"
            data-workflows-link
            aria-current=${this._route.kind === "board" ||
                this._route.kind === "run"
              ? "page"
              : "false"}
            class="flex min-h-11 items-center gap-2 rounded-lg px-3 text-sm text-gray-300 ring-1 ring-gray-800 hover:bg-gray-900 aria-[current=page]:bg-gray-800 aria-[current=page]:text-gray-100"
          >Workflows${this.#view.value.blockedRuns > 0
            ? html`
              <span
                class="ml-auto rounded-full bg-amber-400 px-2 py-0.5 text-xs font-bold text-gray-950"
                aria-label="${this.#view.value.blockedRuns} run(s) need you"
              >${this.#view.value.blockedRuns}</span>
            `
            : nothing}</a>
        </div>
        <div class="px-3 pb-3">
          <a href="#/search" data-search-link
            aria-current=${this._route.kind === "search" ? "page" : "false"}
            class="flex min-h-11 items-center gap-2 rounded-lg px-3 text-sm text-gray-300 ring-1 ring-gray-800 hover:bg-gray-900 aria-[current=page]:bg-gray-800 aria-[current=page]:text-gray-100"
          >Search</a>
        </div>
        <permission-inbox></permission-inbox>
        <nav class="min-h-0 flex-1 overflow-y-auto px-2 pb-4" aria-label="Instances">
          <h2
            class="flex items-baseline justify-between gap-2 px-2 pb-1 text-[11px] font-semibold uppercase tracking-wider text-gray-400"
          >Instances <memory-total></memory-total></h2>
          <instance-list selected-session-id=${selected}></instance-list>
        </nav>
      </aside>
          ${open
            ? html`
              <button
                type="button"
                class="fixed inset-0 z-30 bg-black/60 md:hidden"
                aria-label="Close sidebar"
                tabindex="-1"
                @click=${() => (this._sidebarOpen = false)}
              ></button>
            `
            : nothing}
    `;
  }

  #isNarrow(): boolean {
    return this.#wide !== null && !this.#wide.matches;
  }

  protected override updated(): void {
    noteRender("flock-app", "");
    const { title, needsYou } = this.#view.value;
    const name = title ? `${title} · Flock` : "Flock";
    const next = needsYou > 0 ? `(${needsYou}) ${name}` : name;
    if (document.title !== next) document.title = next;
  }

  override render() {
    const route = this._route;
    const { needsYou, instanceName } = this.#view.value;
    return html`<div class="flex h-dvh overflow-hidden bg-gray-950 text-gray-100">
      ${this.#renderSidebar()}
      <main class="flex min-w-0 flex-1 flex-col" id="main">
        <div class="flex items-center gap-2 border-b border-gray-800 px-3 py-2 md:hidden">
          <button
            type="button"
            class="grid size-11 place-items-center rounded-md text-gray-300 hover:bg-gray-800"
            aria-label="Open sidebar"
            aria-controls="sidebar"
            aria-expanded=${this._sidebarOpen ? "true" : "false"}
            @click=${() => (this._sidebarOpen = true)}
          >${icon("menu", "size-5")}</button>
          <span class="min-w-0 flex-1 truncate text-sm font-medium text-gray-300">${
      instanceName ?? "Flock"
    }</span>
          ${
      needsYou
        ? html`
          <button
            type="button"
            class="grid min-h-11 min-w-11 place-items-center"
            aria-label="${needsYou} request(s) need you"
            @click=${() => (this._sidebarOpen = true)}
          ><span class="rounded-full bg-amber-400 px-2 py-0.5 text-xs font-bold text-gray-950">${needsYou}</span></button>
        `
        : nothing
    }
          <connection-badge></connection-badge>
        </div>
        <div class="min-h-0 flex-1">
          ${
      route.kind === "session"
        ? html`<session-view session-id=${route.sessionId}></session-view>`
        : route.kind === "logs"
        ? html`<instance-log class="block h-full" instance-id=${route.instanceId}></instance-log>`
        : route.kind === "board"
        ? html`<workflow-board class="block h-full" workflow-id=${
          route
            .workflowId ?? ""
        }></workflow-board>`
        : route.kind === "run"
        ? html`<run-view class="block h-full" run-id=${route.runId}></run-view>`
        : route.kind === "search"
        ? html`<search-view class="block h-full" .query=${route.query}></search-view>`
        : html`
          <home-view
            class="block h-full"
            @new-instance=${() => this.#openNewInstance()}
          ></home-view>
        `
    }
        </div>
      </main>
    </div>
    <new-instance-dialog></new-instance-dialog>
    ${
      this.#sw.updateAvailable
        ? html`
          <update-toast
            @update-accept=${() => this.#sw.applyUpdate()}
            @update-dismiss=${() => this.#sw.dismiss()}
          ></update-toast>
        `
        : nothing
    }`;
  }
}

customElements.define("flock-app", FlockApp);

declare global {
  interface HTMLElementTagNameMap {
    "flock-app": FlockApp;
  }
}
