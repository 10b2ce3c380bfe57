import { html, LitElement, nothing } from "lit";
import { streamContext } from "../controllers/contexts.ts";
import { ContextSubscription } from "../controllers/context_subscription.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { icon } from "../lib/icons.ts";
import { noteRender } from "../lib/render_probe.ts";
import "./home-board.ts";

/**
 * The home screen (no session open): once there are sessions, the board of
 * every session (`home-board`); before that, what Flock is and a button to
 * create an instance. Renders when the load state or the instance and
 * session counts change.
 *
 * @fires new-instance - the user asked to create an instance (bubbles).
 */
export class HomeView extends LitElement {
  #view = new StoreSelection(this, (s) => {
    let running = 0;
    for (const i of s.instances.values()) if (i.status === "running") running++;
    return {
      ready: s.load.ready,
      loadError: s.load.error,
      instances: s.instances.size,
      running,
      hasSessions: s.sessions.byId.size > 0,
    };
  });
  #stream = new ContextSubscription(this, streamContext);

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override updated(): void {
    noteRender("home-view", "");
  }

  #summary(): string {
    const { ready, loadError, instances, running } = this.#view.value;
    if (!ready) {
      return this.#stream.value?.status === "offline"
        ? "The Flock server cannot be reached. This page will reconnect on its own."
        : loadError ?? "Loading…";
    }
    if (instances === 0) {
      return "Run OpenCode agents side by side. Start by creating an instance for a project directory.";
    }
    return `${instances} instance${
      instances === 1 ? "" : "s"
    }, ${running} running. Pick a session, or start a new one with the + next to an instance.`;
  }

  #newInstanceButton(classes: string) {
    return html`
      <button
        type="button"
        class="inline-flex min-h-11 items-center gap-2 rounded-lg bg-indigo-500 px-4 text-sm font-medium text-white hover:bg-indigo-400 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-300 md:min-h-9 ${classes}"
        @click=${() =>
          this.dispatchEvent(
            new CustomEvent("new-instance", { bubbles: true }),
          )}
      >${icon("plus")} New instance</button>
    `;
  }

  override render() {
    const { ready, hasSessions } = this.#view.value;
    if (ready && hasSessions) {
      return html`
        <div class="h-full overflow-y-auto">
          <div class="mx-auto max-w-6xl px-4 py-6 md:px-8">
            <div class="mb-6 flex flex-wrap items-center gap-3">
              <div class="min-w-0 flex-1">
                <h1 class="text-xl font-semibold tracking-tight text-gray-100">Your agents</h1>
                <p class="text-sm text-gray-400">${this.#summary()}</p>
              </div>
              ${this.#newInstanceButton("")}
            </div>
            <home-board class="block"></home-board>
          </div>
        </div>
      `;
    }
    return html`
      <div class="grid h-full place-items-center overflow-y-auto p-6">
        <div class="max-w-md text-center">
          <img src="/icons/icon-192.png" alt="" class="mx-auto size-16 rounded-2xl shadow-lg shadow-indigo-950" />
          <h1 class="mt-5 text-2xl font-semibold tracking-tight text-gray-100">Flock</h1>
          <p class="mt-2 text-sm text-gray-400">${this.#summary()}</p>
          ${ready ? this.#newInstanceButton("mt-6") : nothing}
        </div>
      </div>
    `;
  }
}

customElements.define("home-view", HomeView);

declare global {
  interface HTMLElementTagNameMap {
    "home-view": HomeView;
  }
}
