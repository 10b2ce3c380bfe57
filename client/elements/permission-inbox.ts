import { html, LitElement, nothing } from "lit";
import { repeat } from "lit/directives/repeat.js";
import { storeContext } from "../controllers/contexts.ts";
import { ContextSubscription } from "../controllers/context_subscription.ts";
import { basename } from "../lib/format.ts";
import "./permission-prompt.ts";

/**
 * The sidebar's global "needs you" list: every pending permission request on
 * every instance, so a prompt in a session that is not open is never missed.
 */
export class PermissionInbox extends LitElement {
  #store = new ContextSubscription(this, storeContext);

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override render() {
    const store = this.#store.value;
    if (!store || store.permissions.size === 0) return nothing;
    const items = [...store.permissions.values()];
    return html`
      <section
        aria-labelledby="needs-you-title"
        class="mx-3 mb-3 rounded-xl border border-amber-500/30 bg-amber-500/5 p-2"
        data-needs-you
      >
        <h2
          id="needs-you-title"
          class="flex items-center gap-2 px-1 pb-2 text-xs font-semibold uppercase tracking-wide text-amber-300"
        >
              <span class="relative flex size-2">
                <span class="absolute inline-flex size-full animate-ping rounded-full bg-amber-400 opacity-70"></span>
                <span class="relative inline-flex size-2 rounded-full bg-amber-400"></span>
              </span>
              Needs you
              <span class="ml-auto rounded-full bg-amber-400/20 px-1.5 text-amber-200">${items
                .length}</span>
            </h2>
        <ul class="max-h-72 space-y-2 overflow-y-auto">
              ${repeat(items, (p) => p.id, (p) => {
                const session = store.sessions.get(p.sessionID);
                const instance = store.instances.get(p.instance_id);
                const where = [
                  instance
                    ? instance.name || basename(instance.working_directory)
                    : "",
                  session?.title || "",
                ].filter(Boolean).join(" · ");
                return html`
                  <li>
                    <permission-prompt
                      class="block"
                      compact
                      .permission=${p}
                      context=${where}
                    ></permission-prompt>
                    <a
                      href="#/s/${encodeURIComponent(p.sessionID)}"
                      class="mt-1 inline-block px-1 text-xs text-amber-200/80 hover:text-amber-100 hover:underline"
                    >Open session →</a>
                  </li>
                `;
              })}
            </ul>
      </section>
    `;
  }
}

customElements.define("permission-inbox", PermissionInbox);

declare global {
  interface HTMLElementTagNameMap {
    "permission-inbox": PermissionInbox;
  }
}
