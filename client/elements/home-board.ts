import { html, LitElement, nothing, type TemplateResult } from "lit";
import { repeat } from "lit/directives/repeat.js";
import { StoreSelection } from "../controllers/store_selection.ts";
import { basename, relativeTime } from "../lib/format.ts";
import { noteRender } from "../lib/render_probe.ts";
import { type BoardEntry, boardOf } from "../lib/store/board.ts";
import "./permission-prompt.ts";

/** How each group looks. */
const GROUPS = [
  {
    key: "needsYou",
    id: "needs-you",
    title: "Needs you",
    empty: "Nothing is waiting for you.",
    accent: "text-amber-300",
    dot: "bg-amber-400",
  },
  {
    key: "working",
    id: "working",
    title: "Working",
    empty: "No agent is working.",
    accent: "text-sky-300",
    dot: "bg-sky-400 animate-pulse",
  },
  {
    key: "done",
    id: "done",
    title: "Done since you last looked",
    empty: "Nothing new.",
    accent: "text-emerald-300",
    dot: "bg-emerald-400",
  },
] as const;

/**
 * The home board: every session of every instance in groups (needs you,
 * working, done since you last looked, and the rest folded away; the rules
 * are in `lib/store/board.ts`). A "needs you" card carries its requests,
 * answerable in place. Renders when the sessions, the requests, the
 * instances or what the user has seen change, never for a conversation.
 */
export class HomeBoard extends LitElement {
  #view = new StoreSelection(this, (s) => ({
    board: boardOf(s),
    instances: s.instances,
    permissions: s.permissions,
  }));

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override updated(): void {
    noteRender("home-board", "");
  }

  #instanceName(id: string): string {
    const instance = this.#view.value.instances.get(id);
    return instance
      ? instance.name || basename(instance.working_directory)
      : "";
  }

  #renderItems(entry: BoardEntry): TemplateResult | typeof nothing {
    if (entry.items.length === 0) return nothing;
    const { permissions } = this.#view.value;
    return html`<ul class="mt-2 space-y-2">${
      repeat(entry.items, (i) => i.id, (item) => {
        const permission = item.kind === "permission"
          ? permissions.get(item.id)
          : undefined;
        return html`<li data-attention=${item.kind}>${
          permission
            ? html`
              <permission-prompt compact class="block"
                .permission=${permission}></permission-prompt>
            `
            : html`<p class="text-sm text-amber-100">${item.summary}</p>`
        }</li>`;
      })
    }</ul>`;
  }

  #renderEntry(entry: BoardEntry, now: number) {
    const session = entry.session;
    const title = session?.title || "Untitled session";
    const status = session?.status;
    return html`
      <li
        data-board-session=${entry.sessionId}
        class="rounded-xl border border-gray-800 bg-gray-900/60 p-3"
      >
        <a
          href="#/s/${encodeURIComponent(entry.sessionId)}"
          class="-m-1 flex min-h-11 items-center gap-2 rounded-lg p-1 hover:bg-gray-800/60 focus-visible:outline-2 focus-visible:outline-indigo-400"
        >
          <span class="min-w-0 flex-1">
            <span class="block truncate text-sm font-medium text-gray-100">${session
              ? title
              : "A subagent's session"}</span>
            <span class="block truncate text-xs text-gray-400">${this
              .#instanceName(entry.instanceId)}${session
              ? html`
                · <span>${status === "retry"
                  ? "retrying"
                  : status === "error"
                  ? "ended with an error"
                  : relativeTime(session.updated_at, now)}</span>
              `
              : nothing}</span>
          </span>
          ${entry.unread
            ? html`
              <span
                data-unread
                class="size-2.5 shrink-0 rounded-full bg-emerald-400"
                role="img"
                aria-label="Unread: finished since you last looked"
              ></span>
            `
            : nothing}
        </a>
        ${this.#renderItems(entry)}
      </li>
    `;
  }

  override render() {
    const { board } = this.#view.value;
    const now = Date.now();
    return html`
      <div class="grid gap-4 lg:grid-cols-3">
        ${GROUPS.map((g) => {
          const entries = board[g.key];
          return html`
            <section
              data-board-group=${g.id}
              aria-labelledby="board-${g.id}"
              class="min-w-0"
            >
              <h2
                id="board-${g.id}"
                class="mb-2 flex items-center gap-2 text-xs font-semibold uppercase tracking-wide ${g
                  .accent}"
              >
                <span class="size-2 rounded-full ${g.dot}"></span>
                ${g.title}
                <span class="ml-auto rounded-full bg-gray-800 px-1.5 text-gray-200" data-board-count>${entries
                  .length}</span>
              </h2>
              ${entries.length === 0
                ? html`
                  <p
                    class="rounded-xl border border-dashed border-gray-800 px-3 py-4 text-sm text-gray-400">${g
                      .empty}</p>
                `
                : html`<ul class="space-y-2">${
                  repeat(
                    entries,
                    (e) => e.sessionId,
                    (e) => this.#renderEntry(e, now),
                  )
                }</ul>`}
            </section>
          `;
        })}
      </div>
      ${board.rest.length
        ? html`
          <details data-board-group="rest" class="group mt-6">
            <summary
              class="flex min-h-11 cursor-pointer list-none items-center gap-2 text-xs font-semibold uppercase tracking-wide text-gray-400 hover:text-gray-200 [&::-webkit-details-marker]:hidden">
              Other sessions
              <span class="rounded-full bg-gray-800 px-1.5 text-gray-200" data-board-count>${board
                .rest.length}</span>
            </summary>
            <ul class="mt-2 grid gap-2 sm:grid-cols-2 lg:grid-cols-3">${repeat(
              board.rest,
              (e) => e.sessionId,
              (e) => this.#renderEntry(e, now),
            )}</ul>
          </details>
        `
        : nothing}
    `;
  }
}

customElements.define("home-board", HomeBoard);

declare global {
  interface HTMLElementTagNameMap {
    "home-board": HomeBoard;
  }
}
