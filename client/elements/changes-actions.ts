import { html, LitElement, nothing, type PropertyValues } from "lit";
import { ContextConsumer } from "@lit/context";
import type { SessionJson } from "../../server/contract/sessions.ts";
import { ApiError } from "../api/api_client.ts";
import { commitAll, mergeSession, unrevertSession } from "../api/review_api.ts";
import { apiContext } from "../controllers/contexts.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { refusalText } from "../lib/changes_view.ts";

const BUTTON =
  "min-h-11 rounded-md px-3 py-1 text-xs font-medium ring-1 disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-indigo-400";

const MERGE_KIND: Record<string, string> = {
  "up-to-date": "already up to date",
  "fast-forward": "fast-forward",
  "merge-commit": "merge commit",
};

/**
 * What a person does with a session's changes: undo a revert, and for a
 * session in its own worktree commit everything (with a message) and merge
 * its branch into its base. Each action says what happened; a refusal
 * shows the server's status and reason, naming the files of a merge
 * conflict or of uncommitted changes.
 */
export class ChangesActions extends LitElement {
  static override properties = {
    sessionId: { type: String, attribute: "session-id" },
    _busy: { state: true },
    _feedback: { state: true },
    _error: { state: true },
  };

  /** The session acted on. */
  declare sessionId: string;
  declare _busy: string | null;
  declare _feedback: string | null;
  declare _error: string | null;

  #view = new StoreSelection(this, (s) => ({
    session: s.sessions.byId.get(this.sessionId),
    revertedTo: s.changes.get(this.sessionId)?.revertedTo ?? null,
  }));
  #api = new ContextConsumer(this, { context: apiContext });

  constructor() {
    super();
    this.sessionId = "";
    this._busy = null;
    this._feedback = null;
    this._error = null;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("sessionId")) {
      this._feedback = null;
      this._error = null;
    }
  }

  async #act(
    label: string,
    run: (session: SessionJson) => Promise<string>,
  ): Promise<void> {
    const session = this.#view.value.session;
    if (!session || this._busy) return;
    this._busy = label;
    this._feedback = null;
    this._error = null;
    try {
      this._feedback = await run(session);
    } catch (error) {
      this._error = error instanceof ApiError
        ? refusalText(label, error)
        : `Cannot ${label}: ${String(error)}`;
    } finally {
      this._busy = null;
    }
  }

  #commit(form: HTMLFormElement): Promise<void> {
    const input = form.querySelector<HTMLInputElement>("input[name=message]");
    const message = input?.value.trim() ?? "";
    return this.#act("commit", async (session) => {
      const api = this.#api.value;
      if (!api) throw new Error("no connection to Flock");
      if (message === "") throw new Error("write a commit message first");
      const result = await commitAll(api, session.id, message);
      if (input) input.value = "";
      const n = result.files.length;
      return `Committed ${n} file${n === 1 ? "" : "s"} (${
        result.commit.slice(0, 8)
      }) on ${session.branch}`;
    });
  }

  #merge(): Promise<void> {
    return this.#act("merge", async (session) => {
      const api = this.#api.value;
      if (!api) throw new Error("no connection to Flock");
      const result = await mergeSession(api, session.id);
      return `Merged ${result.branch} into ${result.base} (${
        MERGE_KIND[result.kind] ?? result.kind
      }, ${result.commit.slice(0, 8)})`;
    });
  }

  #unrevert(): Promise<void> {
    return this.#act("undo the revert", async (session) => {
      const api = this.#api.value;
      if (!api) throw new Error("no connection to Flock");
      await unrevertSession(api, session.id);
      this.#view.store?.dispatch({
        kind: "session-reverted",
        sessionId: session.id,
        messageId: null,
      });
      return "The revert is undone: the files are back.";
    });
  }

  #renderWorktree(session: SessionJson) {
    return html`
      <form class="flex min-w-0 flex-1 items-center gap-2"
        @submit=${(e: SubmitEvent) => {
          e.preventDefault();
          void this.#commit(e.currentTarget as HTMLFormElement);
        }}>
        <input name="message" aria-label="Commit summary"
          placeholder="Commit message"
          class="min-h-11 min-w-0 flex-1 rounded-md border border-gray-700 bg-gray-950 px-2 py-1 text-xs text-gray-100 outline-none focus:border-indigo-500" />
        <button type="submit" data-commit ?disabled=${this._busy !== null}
          class="${BUTTON} text-gray-200 ring-gray-700 hover:bg-gray-800">${this
              ._busy === "commit"
            ? "Committing…"
            : "Commit all"}</button>
      </form>
      <button type="button" data-merge ?disabled=${this._busy !== null}
        title="Merge ${session.branch} into ${session.base}"
        class="${BUTTON} bg-indigo-500 text-white ring-indigo-500 hover:bg-indigo-400"
        @click=${() => void this.#merge()}>${this._busy === "merge"
          ? "Merging…"
          : `Merge into ${session.base}`}</button>
    `;
  }

  override render() {
    const { session, revertedTo } = this.#view.value;
    if (!session) return nothing;
    const worktree = typeof session.branch === "string";
    if (!worktree && revertedTo === null && !this._feedback && !this._error) {
      return nothing;
    }
    return html`
      <div class="flex flex-wrap items-center gap-2">
        ${revertedTo !== null
          ? html`
            <button type="button" data-unrevert
              ?disabled=${this._busy !== null}
              class="${BUTTON} text-amber-200 ring-amber-500/50 hover:bg-amber-500/10"
              @click=${() => void this.#unrevert()}>Undo revert</button>
          `
          : nothing}
        ${worktree ? this.#renderWorktree(session) : nothing}
      </div>
      ${this._feedback
        ? html`
          <p role="status" data-action-feedback
            class="mt-1 text-xs text-emerald-300">${this._feedback}</p>
        `
        : nothing}
      ${this._error
        ? html`
          <p role="alert" data-action-error
            class="mt-1 break-words text-xs text-red-300">${this._error}</p>
        `
        : nothing}
    `;
  }
}

customElements.define("changes-actions", ChangesActions);

declare global {
  interface HTMLElementTagNameMap {
    "changes-actions": ChangesActions;
  }
}
