import { html, LitElement, nothing } from "lit";
import { StoreSelection } from "../controllers/store_selection.ts";

const MARK: Record<string, string> = {
  completed: "✓",
  in_progress: "▸",
  cancelled: "✕",
};

/**
 * The session's todo list (OpenCode's `todowrite`), kept live by
 * `todo.updated`: each item with its status, the done count in the summary.
 */
export class TodoPanel extends LitElement {
  static override properties = {
    sessionId: { type: String, attribute: "session-id" },
  };

  /** The session whose list to show. */
  declare sessionId: string;

  #view = new StoreSelection(
    this,
    (s) => s.driving.todos.get(this.sessionId),
  );

  constructor() {
    super();
    this.sessionId = "";
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override render() {
    const todos = this.#view.value;
    if (!todos || todos.length === 0) return nothing;
    const done = todos.filter((t) => t.status === "completed").length;
    return html`
      <details open data-todos
        class="rounded-lg border border-gray-800 bg-gray-900/60 px-3 py-2 text-sm">
        <summary class="min-h-11 cursor-pointer py-2.5 text-gray-300">
          Todo <span class="text-gray-400" data-todo-count>${done}/${todos
            .length} done</span>
        </summary>
        <ul class="mt-1.5 flex flex-col gap-1">
          ${todos.map((t) =>
            html`
              <li data-todo-status=${t.status} class="flex gap-2 ${t.status ===
                    "completed" || t.status === "cancelled"
                ? "text-gray-400 line-through"
                : t.status === "in_progress"
                ? "text-sky-200"
                : "text-gray-200"}">
                <span aria-hidden="true" class="w-3 shrink-0">${MARK[
                  t
                    .status
                ] ?? "○"}</span>
                <span class="min-w-0 flex-1">${t.content}</span>
                ${t.priority === "high"
                  ? html`<span class="text-xs text-amber-300">high</span>`
                  : nothing}
              </li>
            `
          )}
        </ul>
      </details>
    `;
  }
}

customElements.define("todo-panel", TodoPanel);

declare global {
  interface HTMLElementTagNameMap {
    "todo-panel": TodoPanel;
  }
}
