import { html, LitElement, nothing } from "lit";
import { apiContext, streamContext } from "../controllers/contexts.ts";
import { ContextConsumer } from "@lit/context";
import {
  loadCatalog,
  loadSessionExtras,
} from "../controllers/driving_loader.ts";
import { anySession } from "../lib/store/driving_selectors.ts";
import { ContextSubscription } from "../controllers/context_subscription.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { noteRender } from "../lib/render_probe.ts";
import type { ConversationLog } from "./conversation-log.ts";
// The changes panel (and diff2html behind it) is a chunk of its own, fetched
// at once but kept out of the first paint; the element upgrades on arrival.
void import("./changes-panel.ts");
import "./conversation-log.ts";
import "./session-composer.ts";
import "./session-header.ts";
import "./question-list.ts";
import "./queue-list.ts";
import "./recovery-notice.ts";
import "./session-stats.ts";
import "./subagent-tree.ts";
import "./todo-panel.ts";

/**
 * The open session: `session-header`, `conversation-log` and
 * `session-composer`, each rendering on its own, with the driving panels
 * (stats, todos, subagents, questions, the follow-up queue, a crash
 * notice). This element only decides whether the session exists (a listed
 * one, or a subagent's child session, which gets no composer), and loads
 * its conversation and extras once.
 */
export class SessionView extends LitElement {
  static override properties = {
    sessionId: { type: String, attribute: "session-id" },
  };

  /** The session to show. */
  declare sessionId: string;

  #view = new StoreSelection(this, (s) => ({
    exists: anySession(s, this.sessionId) !== undefined,
    parent: s.children.get(this.sessionId)?.parent_id,
    instanceId: anySession(s, this.sessionId)?.instance_id,
    instanceStatus: s.instances.get(
      anySession(s, this.sessionId)?.instance_id ?? "",
    )?.status,
    ready: s.load.ready,
    loadError: s.load.error,
  }));
  #stream = new ContextSubscription(this, streamContext);
  #api = new ContextConsumer(this, { context: apiContext });
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
      const api = this.#api.value;
      if (api) void loadSessionExtras(api, store, this.sessionId);
    }
    const { instanceId, instanceStatus } = this.#view.value;
    const api = this.#api.value;
    if (store && api && instanceId && instanceStatus === "running") {
      void loadCatalog(api, store, instanceId);
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
            ? html`<p class="mt-2 text-sm text-gray-400">
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

  #renderPanels() {
    const { parent, instanceId } = this.#view.value;
    return html`
      <div class="flex flex-col gap-2 px-4 md:px-6 [&>*:not(:empty)]:mt-2">
        ${parent !== undefined
          ? html`<p data-subagent-of class="text-xs text-gray-400">
            Subagent session of
            <a class="text-indigo-300 hover:underline"
              href="#/s/${encodeURIComponent(parent)}">its parent</a>
          </p>`
          : nothing}
        <session-stats class="block empty:hidden" session-id=${this
          .sessionId}></session-stats>
        <recovery-notice class="block empty:hidden" instance-id=${instanceId ??
          ""}></recovery-notice>
        <todo-panel class="block empty:hidden" session-id=${this
          .sessionId}></todo-panel>
        <subagent-tree class="block empty:hidden" session-id=${this
          .sessionId}></subagent-tree>
        <changes-panel class="block empty:hidden" session-id=${this
          .sessionId}></changes-panel>
      </div>
    `;
  }

  override render() {
    if (!this.#view.value.exists) return this.#renderMissing();
    const { parent } = this.#view.value;
    return html`
      <div
        class="flex h-full min-h-0 flex-col"
        @message-sent=${() =>
          this.querySelector<ConversationLog>("conversation-log")
            ?.scrollToEnd()}
      >
        <session-header class="block" session-id=${this
          .sessionId}></session-header>
        ${this.#renderPanels()}
        <conversation-log class="block min-h-0 flex-1"
          session-id=${this
            .sessionId}></conversation-log>
        <question-list class="block" session-id=${this
          .sessionId}></question-list>
        <queue-list class="mx-auto block w-full max-w-3xl px-4 md:px-6" session-id=${this
          .sessionId}></queue-list>
        ${parent === undefined
          ? html`<session-composer class="block" session-id=${this.sessionId}></session-composer>`
          : nothing}
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
