import { html, LitElement } from "lit";
import { icon } from "../lib/icons.ts";

/**
 * "Update available" toast.
 *
 * @fires update-accept - The user wants the new version now.
 * @fires update-dismiss - The user dismissed the toast.
 */
export class UpdateToast extends LitElement {
  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override render() {
    return html`
      <div
        role="status"
        class="fixed bottom-4 left-1/2 z-50 flex w-[calc(100%-2rem)] max-w-md -translate-x-1/2 items-center gap-3 rounded-xl border border-indigo-500/40 bg-gray-900 px-4 py-3 text-sm text-gray-100 shadow-2xl shadow-black/50"
      >
        <span
          class="grid size-8 shrink-0 place-items-center rounded-full bg-indigo-500/15 text-indigo-300">${icon(
            "refresh",
          )}</span>
        <span class="flex-1">A new version of Flock is available.</span>
        <button
          type="button"
          class="rounded-md bg-indigo-500 px-3 py-1.5 font-medium text-white hover:bg-indigo-400 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-300"
          @click=${() => this.dispatchEvent(new Event("update-accept"))}
        >Reload</button>
        <button
          type="button"
          aria-label="Dismiss update notice"
          class="grid size-7 place-items-center rounded-md text-gray-400 hover:bg-gray-800 hover:text-gray-100"
          @click=${() => this.dispatchEvent(new Event("update-dismiss"))}
        >${icon("x")}</button>
      </div>
    `;
  }
}

customElements.define("update-toast", UpdateToast);

declare global {
  interface HTMLElementTagNameMap {
    "update-toast": UpdateToast;
  }
}
