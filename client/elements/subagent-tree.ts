import { html, LitElement, nothing } from "lit";
import { ContextConsumer } from "@lit/context";
import type { SessionJson } from "../../server/contract/sessions.ts";
import { apiContext } from "../controllers/contexts.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { isSessionWorking } from "../lib/status_style.ts";

/**
 * The subagents of a session as a tree: each child session (and its own
 * children) with its status, a link that opens it, and Stop while it works
 * (aborts that child alone).
 */
export class SubagentTree extends LitElement {
  static override properties = {
    sessionId: { type: String, attribute: "session-id" },
    _error: { state: true },
  };

  /** The parent session. */
  declare sessionId: string;
  declare _error: string | null;

  #view = new StoreSelection(this, (s) => s.children);
  #api = new ContextConsumer(this, { context: apiContext });

  constructor() {
    super();
    this.sessionId = "";
    this._error = null;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  #childrenOf(parentId: string): SessionJson[] {
    return [...this.#view.value.values()]
      .filter((c) => c.parent_id === parentId)
      .sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  async #abort(id: string): Promise<void> {
    try {
      await this.#api.value?.abortSession(id);
    } catch (error) {
      this._error = `Cannot stop the subagent: ${
        error instanceof Error ? error.message : String(error)
      }`;
    }
  }

  #renderNode(child: SessionJson, depth: number): unknown {
    const working = isSessionWorking(child.status);
    const below = depth < 5 ? this.#childrenOf(child.id) : [];
    return html`
      <li data-child-session-id=${child.id} data-child-status=${child.status}>
        <div class="flex min-h-11 items-center gap-2 md:min-h-8">
          <span class="size-2 shrink-0 rounded-full ${working
            ? "animate-pulse bg-sky-400"
            : child.status === "error"
            ? "bg-red-400"
            : "bg-gray-500"}"></span>
          <a
            href="#/s/${encodeURIComponent(child.id)}"
            class="min-w-0 flex-1 truncate text-indigo-200 hover:underline"
          >${child.title || child.id}</a>
          <span class="text-xs text-gray-400">${child.agent ?? ""} ${working
            ? "working"
            : child.status}</span>
          ${working
            ? html`
              <button
                type="button"
                data-abort-child
                class="min-h-11 rounded px-2 text-xs text-gray-200 ring-1 ring-gray-700 hover:bg-gray-800 md:min-h-0 md:py-0.5"
                aria-label="Stop subagent ${child.title}"
                @click=${() => void this.#abort(child.id)}
              >Stop</button>
            `
            : nothing}
        </div>
        ${below.length > 0
          ? html`<ul class="ml-3 border-l border-gray-800 pl-3">${
            below.map((c) => this.#renderNode(c, depth + 1))
          }</ul>`
          : nothing}
      </li>
    `;
  }

  override render() {
    const top = this.#childrenOf(this.sessionId);
    if (top.length === 0) return nothing;
    return html`
      <details open data-subagents
        class="rounded-lg border border-gray-800 bg-gray-900/60 px-3 py-2 text-sm">
        <summary class="min-h-11 cursor-pointer py-2.5 text-gray-300">Subagents (${top
          .length})</summary>
        <ul class="mt-1">${top.map((c) => this.#renderNode(c, 0))}</ul>
        ${this._error
          ? html`<p role="alert" class="text-xs text-red-300">${this._error}</p>`
          : nothing}
      </details>
    `;
  }
}

customElements.define("subagent-tree", SubagentTree);

declare global {
  interface HTMLElementTagNameMap {
    "subagent-tree": SubagentTree;
  }
}
