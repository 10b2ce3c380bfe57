import { html, LitElement, nothing } from "lit";
import { streamContext } from "../controllers/contexts.ts";
import { ContextSubscription } from "../controllers/context_subscription.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { icon } from "../lib/icons.ts";
import { noteRender } from "../lib/render_probe.ts";

/**
 * The home screen (no session open): what Flock is, how many instances run,
 * and a button to create one. Renders when the load state or the instance
 * counts change.
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
    }, ${running} running. Pick a session in the sidebar, or start a new one with the + next to an instance.`;
  }

  override render() {
    return html`
      <div class="grid h-full place-items-center overflow-y-auto p-6">
        <div class="max-w-md text-center">
          <img src="/icons/icon-192.png" alt="" class="mx-auto size-16 rounded-2xl shadow-lg shadow-indigo-950" />
          <h1 class="mt-5 text-2xl font-semibold tracking-tight text-gray-100">Flock</h1>
          <p class="mt-2 text-sm text-gray-400">${this.#summary()}</p>
          ${this.#view.value.ready
            ? html`
              <button
                type="button"
                class="mt-6 inline-flex items-center gap-2 rounded-lg bg-indigo-500 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-400 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-300"
                @click=${() =>
                  this.dispatchEvent(
                    new CustomEvent("new-instance", { bubbles: true }),
                  )}
              >${icon("plus")} New instance</button>
            `
            : nothing}
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
