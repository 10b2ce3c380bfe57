import { html, LitElement, nothing } from "lit";
import { streamContext } from "../controllers/contexts.ts";
import { ContextSubscription } from "../controllers/context_subscription.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { noteRender } from "../lib/render_probe.ts";
import type { ConversationLog } from "./conversation-log.ts";
import "./conversation-log.ts";
import "./session-composer.ts";
import "./session-header.ts";

/**
 * The open session: `session-header`, `conversation-log` and
 * `session-composer`, each rendering on its own. This element only decides
 * whether the session exists (or is still loading), and loads its
 * conversation once.
 */
export class SessionView extends LitElement {
  static override properties = {
    sessionId: { type: String, attribute: "session-id" },
  };

  /** The session to show. */
  declare sessionId: string;

  #view = new StoreSelection(this, (s) => ({
    exists: s.sessions.byId.has(this.sessionId),
    ready: s.load.ready,
    loadError: s.load.error,
  }));
  #stream = new ContextSubscription(this, streamContext);
  #loadRequested = "";

  constructor() {
    super();
    this.sessionId = "";
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override updated(): void {
    noteRender("session-view", this.sessionId);
    const { ready, exists } = this.#view.value;
    const store = this.#view.store;
    if (store && ready && exists && this.#loadRequested !== this.sessionId) {
      this.#loadRequested = this.sessionId;
      void store.loadConversation(this.sessionId);
    }
  }

  #renderMissing() {
    const { ready, loadError } = this.#view.value;
    const offline = this.#stream.value?.status === "offline";
    return html`
      <div class="grid h-full place-items-center p-8 text-center">
        <div class="max-w-sm">
          <p class="text-gray-300">${ready
            ? "This session does not exist (any more)."
            : offline
            ? "Flock is offline"
            : loadError ?? "Loading…"}</p>
          ${!ready && offline
            ? html`<p class="mt-2 text-sm text-gray-500">
              The Flock server cannot be reached. This page reconnects by
              itself and shows the session when it is back.
            </p>`
            : nothing}
          ${ready
            ? html`
              <a href="#/"
                class="mt-3 inline-block text-sm text-indigo-300 hover:underline">Back to the overview</a>
            `
            : nothing}
        </div>
      </div>
    `;
  }

  override render() {
    if (!this.#view.value.exists) return this.#renderMissing();
    return html`
      <div
        class="flex h-full min-h-0 flex-col"
        @message-sent=${() =>
          this.querySelector<ConversationLog>("conversation-log")
            ?.scrollToEnd()}
      >
        <session-header class="block" session-id=${this
          .sessionId}></session-header>
        <conversation-log class="block min-h-0 flex-1"
          session-id=${this
            .sessionId}></conversation-log>
        <session-composer class="block" session-id=${this
          .sessionId}></session-composer>
      </div>
    `;
  }
}

customElements.define("session-view", SessionView);

declare global {
  interface HTMLElementTagNameMap {
    "session-view": SessionView;
  }
}
