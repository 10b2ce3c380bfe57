import { html, LitElement, nothing, type PropertyValues } from "lit";
import { ContextConsumer } from "@lit/context";
import type { LogLineJson } from "../../server/contract/instances.ts";
import { apiContext } from "../controllers/contexts.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { basename } from "../lib/format.ts";
import { icon } from "../lib/icons.ts";
import { noteRender } from "../lib/render_probe.ts";
import { instanceDotClass, instanceStatusLabel } from "../lib/status_style.ts";

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const clock = (iso: string) => {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
};

/**
 * An instance's log: the last lines its OpenCode printed
 * (`GET /api/instances/{id}/logs`), stderr marked, with the instance's
 * status, restarts and last error above. Fetched when opened, when the
 * instance's status or restart count changes, and on Refresh.
 */
export class InstanceLog extends LitElement {
  static override properties = {
    instanceId: { type: String, attribute: "instance-id" },
    _lines: { state: true },
    _error: { state: true },
    _loading: { state: true },
  };

  /** The instance whose log to show. */
  declare instanceId: string;
  declare _lines: readonly LogLineJson[] | null;
  declare _error: string | null;
  declare _loading: boolean;

  #view = new StoreSelection(this, (s) => ({
    instance: s.instances.get(this.instanceId),
    ready: s.load.ready,
  }));
  #api = new ContextConsumer(this, { context: apiContext, subscribe: true });
  #request = 0;
  /** What the last fetch was for: instance, status and restart count. */
  #fetchedFor = "";

  constructor() {
    super();
    this.instanceId = "";
    this._lines = null;
    this._error = null;
    this._loading = false;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("instanceId")) {
      this._lines = null;
      this._error = null;
    }
  }

  protected override updated(): void {
    noteRender("instance-log", this.instanceId);
    const instance = this.#view.value.instance;
    const key = instance
      ? `${instance.id} ${instance.status} ${instance.restart_count}`
      : "";
    if (key !== "" && key !== this.#fetchedFor && this.#api.value) {
      this.#fetchedFor = key;
      void this.refresh();
    }
  }

  /** Fetches the log again. */
  async refresh(): Promise<void> {
    const api = this.#api.value;
    if (!api) return;
    const request = ++this.#request;
    const id = this.instanceId;
    this._loading = true;
    try {
      const lines = await api.instanceLogs(id);
      if (request !== this.#request) return;
      this._lines = lines;
      this._error = null;
      await this.updateComplete;
      const scroller = this.querySelector<HTMLElement>("[data-log-scroller]");
      if (scroller) scroller.scrollTop = scroller.scrollHeight;
    } catch (error) {
      if (request === this.#request) {
        this._error = `Cannot load the log: ${messageOf(error)}`;
      }
    } finally {
      if (request === this.#request) this._loading = false;
    }
  }

  #renderLines() {
    const lines = this._lines;
    if (lines === null) {
      return html`<p class="p-4 text-sm text-gray-400">Loading the log…</p>`;
    }
    if (lines.length === 0) {
      return html`<p class="p-4 text-sm text-gray-400">Nothing printed yet.</p>`;
    }
    return html`
      <ol
        data-log-lines
        class="min-w-max py-2 font-mono text-xs leading-5"
        aria-label="Log lines"
      >${lines.map((l) =>
        html`
          <li
            data-stream=${l.stream}
            class="flex gap-3 px-4 ${l.stream === "stderr"
              ? "bg-red-500/5 text-red-200"
              : "text-gray-200"}"
          ><span class="shrink-0 select-none text-gray-400">${clock(
            l.time,
          )}</span><span class="whitespace-pre">${l.line}</span></li>
        `
      )}</ol>
    `;
  }

  override render() {
    const { instance, ready } = this.#view.value;
    if (!instance) {
      return html`
        <div class="grid h-full place-items-center p-8 text-center">
          <div>
            <p class="text-gray-300">${ready
              ? "This instance does not exist (any more)."
              : "Loading…"}</p>
            <a href="#/"
              class="mt-3 inline-flex min-h-11 items-center text-sm text-indigo-300 hover:underline">Back to the overview</a>
          </div>
        </div>
      `;
    }
    const name = instance.name || basename(instance.working_directory);
    return html`
      <section class="flex h-full min-h-0 flex-col" aria-label="Log of ${name}">
        <header class="flex flex-wrap items-center gap-3 border-b border-gray-800/80 px-4 py-3 md:px-6">
          <a
            href="#/"
            class="grid size-11 place-items-center rounded-md text-gray-400 hover:bg-gray-800 hover:text-gray-100 md:size-8"
            aria-label="Back to the overview"
            title="Back"
          >${icon("chevron", "size-4 rotate-180")}</a>
          <div class="min-w-0 flex-1">
            <h1 class="truncate text-base font-semibold text-gray-100">Log of ${name}</h1>
            <p class="flex items-center gap-2 truncate text-xs text-gray-400">
              <span class="size-2 shrink-0 rounded-full ${instanceDotClass(
                instance.status,
              )}"></span>
              <span data-log-status=${instance.status}>${instanceStatusLabel(
                instance.status,
              )}</span>
              ${instance.restart_count > 0
                ? html`<span data-restart-count>· restarted ${instance.restart_count}× after a crash</span>`
                : nothing}
              ${instance.pid !== null
                ? html`<span class="font-mono">· pid ${instance.pid}</span>`
                : nothing}
            </p>
          </div>
          <button
            type="button"
            data-log-refresh
            class="inline-flex min-h-11 items-center gap-1.5 rounded-md px-3 text-sm text-gray-200 ring-1 ring-gray-700 hover:bg-gray-800 focus-visible:outline-2 focus-visible:outline-indigo-400 md:min-h-8"
            ?disabled=${this._loading}
            @click=${() => void this.refresh()}
          >${icon("refresh", "size-3.5")} Refresh</button>
        </header>
        ${instance.last_error
          ? html`
            <p
              role="note"
              data-log-last-error
              class="border-b border-gray-800/80 bg-red-500/10 px-4 py-2 text-sm text-red-200 md:px-6"
            >Last error: ${instance.last_error}</p>
          `
          : nothing}
        ${this._error
          ? html`<p role="alert" class="px-4 py-2 text-sm text-red-300 md:px-6">${this._error}</p>`
          : nothing}
        <div data-log-scroller class="min-h-0 flex-1 overflow-auto bg-black/30">
          ${this.#renderLines()}
        </div>
      </section>
    `;
  }
}

customElements.define("instance-log", InstanceLog);

declare global {
  interface HTMLElementTagNameMap {
    "instance-log": InstanceLog;
  }
}
