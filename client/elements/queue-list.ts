import { html, LitElement, nothing } from "lit";
import { ContextConsumer } from "@lit/context";
import type { QueuedMessageJson } from "../../server/contract/queue.ts";
import { apiContext, storeContext } from "../controllers/contexts.ts";
import { StoreSelection } from "../controllers/store_selection.ts";

const LABEL: Record<QueuedMessageJson["status"], string> = {
  sent: "Sent",
  queued: "Queued",
  sending: "Sending…",
  failed: "Failed",
};

/**
 * The follow-ups waiting for the session to go idle, in sending order:
 * each with its state, Cancel (queued or failed) and Retry (failed, with
 * OpenCode's error). Kept live by `queue.updated`.
 */
export class QueueList extends LitElement {
  static override properties = {
    sessionId: { type: String, attribute: "session-id" },
    _error: { state: true },
  };

  /** The session whose queue to show. */
  declare sessionId: string;
  declare _error: string | null;

  #view = new StoreSelection(
    this,
    (s) => s.driving.queues.get(this.sessionId),
  );
  #api = new ContextConsumer(this, { context: apiContext });
  #store = new ContextConsumer(this, { context: storeContext });

  constructor() {
    super();
    this.sessionId = "";
    this._error = null;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  async #act(
    what: string,
    call: (sessionId: string, qid: string) => Promise<QueuedMessageJson>,
    qid: string,
  ): Promise<void> {
    const sessionId = this.sessionId;
    this._error = null;
    try {
      await call(sessionId, qid);
      const queue = await this.#api.value?.listQueue(sessionId);
      if (queue) {
        this.#store.value?.dispatch({ kind: "queue-loaded", sessionId, queue });
      }
    } catch (error) {
      this._error = `Cannot ${what}: ${
        error instanceof Error ? error.message : String(error)
      }`;
    }
  }

  override render() {
    const queue = this.#view.value;
    if (!queue || queue.length === 0) return nothing;
    const api = this.#api.value;
    const small =
      "min-h-11 rounded px-2 text-xs ring-1 hover:bg-gray-800 md:min-h-0 md:py-0.5";
    return html`
      <div class="mb-2" data-queue>
        <p class="mb-1 text-xs text-gray-400">Follow-ups, sent in order when the agent is idle</p>
        <ol class="flex flex-col gap-1">
          ${queue.map((m) =>
            html`
              <li
                data-queued-id=${m.id}
                data-queue-status=${m.status}
                class="flex items-start gap-2 rounded-md border px-2 py-1.5 text-sm ${m
                    .status === "failed"
                  ? "border-red-500/40 bg-red-500/5"
                  : "border-gray-800 bg-gray-900"}"
              >
                <span class="mt-0.5 w-16 shrink-0 text-xs ${m.status ===
                    "failed"
                  ? "text-red-300"
                  : "text-gray-400"}">${LABEL[m.status]}</span>
                <span class="min-w-0 flex-1 break-words text-gray-200">${m
                    .kind === "command"
                  ? `/${m.command} ${m.text}`
                  : m.text}${m.error
                  ? html`<span class="block text-xs text-red-300">${m.error}</span>`
                  : nothing}</span>
                ${m.status === "failed" && api
                  ? html`
                    <button type="button" data-retry class="${small} text-gray-100 ring-gray-600"
                      @click=${() =>
                        void this.#act(
                          "retry",
                          (s, q) => api.retryQueued(s, q),
                          m.id,
                        )}>Retry</button>
                  `
                  : nothing}
                ${m.status !== "sending" && api
                  ? html`
                    <button type="button" data-cancel
                      class="${small} text-gray-300 ring-gray-700"
                      aria-label="Cancel follow-up: ${m.text}"
                      @click=${() =>
                        void this.#act(
                          "cancel",
                          (s, q) => api.cancelQueued(s, q),
                          m.id,
                        )}>Cancel</button>
                  `
                  : nothing}
              </li>
            `
          )}
        </ol>
        ${this._error
          ? html`<p role="alert" class="mt-1 text-xs text-red-300">${this._error}</p>`
          : nothing}
      </div>
    `;
  }
}

customElements.define("queue-list", QueueList);

declare global {
  interface HTMLElementTagNameMap {
    "queue-list": QueueList;
  }
}
