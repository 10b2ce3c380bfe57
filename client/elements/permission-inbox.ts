import { html, LitElement, nothing } from "lit";
import { repeat } from "lit/directives/repeat.js";
import { StoreSelection } from "../controllers/store_selection.ts";
import { basename } from "../lib/format.ts";
import { noteRender } from "../lib/render_probe.ts";
import "./permission-prompt.ts";

/**
 * The sidebar's global "needs you" list: every pending permission request on
 * every instance, so a prompt in a session that is not open is never missed.
 * Renders when the requests, the sessions or the instances change.
 */
export class PermissionInbox extends LitElement {
  #view = new StoreSelection(this, (s) => ({
    permissions: s.permissions,
    sessions: s.sessions.byId,
    instances: s.instances,
  }));

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override updated(): void {
    noteRender("permission-inbox", "");
  }

  override render() {
    const { permissions, sessions, instances } = this.#view.value;
    if (permissions.size === 0) return nothing;
    const items = [...permissions.values()];
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
                const session = sessions.get(p.sessionID);
                const instance = instances.get(p.instance_id);
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
