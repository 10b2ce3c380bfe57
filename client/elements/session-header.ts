import { html, LitElement, nothing, type PropertyValues } from "lit";
import { ContextConsumer } from "@lit/context";
import { apiContext } from "../controllers/contexts.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { basename } from "../lib/format.ts";
import { errorText } from "../lib/error_text.ts";
import { icon } from "../lib/icons.ts";
import { noteRender } from "../lib/render_probe.ts";
import { attentionBySession } from "../lib/store/board.ts";
import { NONE } from "../lib/store/selectors.ts";
import { isSessionWorking } from "../lib/status_style.ts";
import type { ConfirmDialog } from "./confirm-dialog.ts";
import "./confirm-dialog.ts";
import {
  deleteWorktreeSession,
  sessionsLeftIn,
} from "../controllers/session_delete.ts";

/**
 * The open session's header: title (click the pencil to rename), its
 * instance, what it is doing ("Needs you" while a request of it waits for
 * the user, else working / idle / error), and delete (after confirming).
 * Renders when the session, its instance or its requests change, never for
 * the conversation.
 */
export class SessionHeader extends LitElement {
  static override properties = {
    sessionId: { type: String, attribute: "session-id" },
    _renaming: { state: true },
    _error: { state: true },
  };

  /** The session to show. */
  declare sessionId: string;
  declare _renaming: boolean;
  declare _error: string | null;

  #view = new StoreSelection(this, (s) => {
    const session = s.sessions.byId.get(this.sessionId);
    return {
      session,
      instance: session ? s.instances.get(session.instance_id) : undefined,
      attention: attentionBySession(s).get(this.sessionId) ?? NONE,
    };
  });
  #api = new ContextConsumer(this, { context: apiContext });

  /** An error's message, instances named (not their ids). */
  #errorText(error: unknown): string {
    return errorText(error, this.#view.store?.state.instances ?? new Map());
  }

  constructor() {
    super();
    this.sessionId = "";
    this._renaming = false;
    this._error = null;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("sessionId")) {
      this._renaming = false;
      this._error = null;
    }
  }

  protected override updated(): void {
    noteRender("session-header", this.sessionId);
  }

  async #rename(title: string): Promise<void> {
    const api = this.#api.value;
    const store = this.#view.store;
    const session = this.#view.value.session;
    if (!this._renaming) return;
    this._renaming = false;
    if (!api || !store || !session || title === "" || title === session.title) {
      return;
    }
    try {
      const saved = await api.renameSession(session.id, title);
      store.dispatch({ kind: "session-saved", session: saved });
    } catch (error) {
      this._error = `Cannot rename: ${this.#errorText(error)}`;
    }
  }

  async #delete(): Promise<void> {
    const store = this.#view.store;
    const session = this.#view.value.session;
    const confirm = this.querySelector<ConfirmDialog>("confirm-dialog");
    if (!store || !session || !confirm) return;
    const ok = await confirm.ask({
      title: "Delete session?",
      message: `“${
        session.title || "Untitled"
      }” and its messages will be deleted. This cannot be undone.`,
      confirmLabel: "Delete",
      danger: true,
    });
    if (!ok) return;
    try {
      const api = this.#api.value;
      if (!api) return;
      const deleted = await deleteWorktreeSession(api, session.id, confirm);
      if (!deleted) return;
      store.dispatch({ kind: "session-deleted", sessionId: session.id });
      location.hash = "#/";
      for (const left of await sessionsLeftIn(api, session)) {
        store.dispatch({ kind: "session-saved", session: left });
      }
    } catch (error) {
      this._error = `Cannot delete: ${this.#errorText(error)}`;
    }
  }

  async #startRenaming(): Promise<void> {
    this._renaming = true;
    await this.updateComplete;
    const input = this.querySelector<HTMLInputElement>("header input");
    input?.focus();
    input?.select();
  }

  #renderTitle(title: string) {
    if (!this._renaming) {
      return html`
        <h1
          data-session-title
          class="truncate text-base font-semibold text-gray-100"
        >${title || "Untitled session"}</h1>
      `;
    }
    return html`
      <input
        class="w-full rounded-md border border-indigo-500 bg-gray-900 px-2 py-1 text-base font-semibold text-gray-100 outline-none"
        aria-label="Session title"
        .value=${title}
        @keydown=${(e: KeyboardEvent) => {
          const input = e.currentTarget as HTMLInputElement;
          if (e.key === "Enter") void this.#rename(input.value.trim());
          if (e.key === "Escape") {
            e.preventDefault(); // this Esc ends renaming, nothing else
            this._renaming = false;
          }
        }}
        @blur=${(e: FocusEvent) =>
          void this.#rename((e.currentTarget as HTMLInputElement).value.trim())}
      />
    `;
  }

  override render() {
    const { session, instance, attention } = this.#view.value;
    if (!session) return nothing;
    const needsYou = attention.length > 0;
    const working = isSessionWorking(session.status);
    const [state, label, look, dot] = needsYou
      ? [
        "needs-you",
        "Needs you",
        "bg-amber-500/15 text-amber-200",
        "animate-pulse bg-amber-400",
      ]
      : working
      ? [
        "working",
        "Working",
        "bg-sky-500/10 text-sky-300",
        "animate-pulse bg-sky-400",
      ]
      : session.status === "error"
      ? ["error", "Error", "bg-red-500/10 text-red-300", "bg-red-400"]
      : ["idle", "Idle", "bg-gray-800 text-gray-300", "bg-gray-400"];
    const iconButton =
      "grid size-11 place-items-center rounded-md text-gray-400 hover:bg-gray-800 hover:text-gray-100 focus-visible:outline-2 focus-visible:outline-indigo-400 md:size-8";
    return html`
      <header
        class="flex items-center gap-3 border-b border-gray-800/80 px-4 py-3 md:px-6"
      >
        <div class="min-w-0 flex-1">
          ${this.#renderTitle(session.title)}
          <p class="truncate text-xs text-gray-400">
            ${instance
              ? html`${instance.name || basename(instance.working_directory)} ·
              <span class="font-mono">${instance.working_directory}</span>`
              : nothing}
            ${session.branch
              ? html`
                · <span data-session-branch
                  title="In its own worktree: ${session.directory ?? ""}"
                  class="font-mono text-violet-300">${session
                    .branch}</span>${session
                      .base
                    ? html`
                      → <span class="font-mono">${session.base}</span>
                    `
                    : nothing}
              `
              : nothing}
          </p>
          ${this._error
            ? html`<p role="alert" class="mt-1 text-xs text-red-300">${this._error}</p>`
            : nothing}
        </div>
        <span
          data-session-status=${session.status}
          data-session-state=${state}
          role="status"
          class="inline-flex shrink-0 items-center gap-1.5 rounded-full px-2 py-0.5 text-xs ${look}"
        >
          <span class="size-1.5 rounded-full ${dot}"></span>
          ${label}
        </span>
        <button
          type="button"
          class=${iconButton}
          aria-label="Rename session"
          title="Rename"
          @click=${() => void this.#startRenaming()}
        >${icon("pencil")}</button>
        <button
          type="button"
          class="${iconButton} hover:text-red-300"
          aria-label="Delete session"
          title="Delete"
          @click=${() => void this.#delete()}
        >${icon("trash")}</button>
      </header>
      <confirm-dialog></confirm-dialog>
    `;
  }
}

customElements.define("session-header", SessionHeader);

declare global {
  interface HTMLElementTagNameMap {
    "session-header": SessionHeader;
  }
}
