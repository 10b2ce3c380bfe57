import { html, LitElement, nothing } from "lit";
import { live } from "lit/directives/live.js";
import { ContextConsumer } from "@lit/context";
import { ApiError } from "../api/api_client.ts";
import { createSession, type NewSessionBody } from "../api/review_api.ts";
import { apiContext } from "../controllers/contexts.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { branchInput, refusalText } from "../lib/changes_view.ts";
import { dialogActions } from "../lib/dialog_actions.ts";
import { trapFocus } from "../lib/focus_trap.ts";

const FIELD =
  "mt-1 w-full rounded-md border border-gray-700 bg-gray-950 px-2.5 py-1.5 text-sm text-gray-100 outline-none focus:border-indigo-500";

/**
 * The modal that starts a session with options: a title, and "in its own
 * worktree" (a branch of the instance's repository, checked out apart so
 * parallel agents do not collide), with an optional branch name and base.
 * The server's refusal (a branch git refuses, a base that names no commit,
 * a directory outside git, an existing branch) is shown in the dialog.
 * Use `el.open(instanceId)`; on success it opens the new session.
 */
export class NewSessionDialog extends LitElement {
  static override properties = {
    _instanceId: { state: true },
    _worktree: { state: true },
    _error: { state: true },
    _submitting: { state: true },
  };

  declare _instanceId: string | null;
  declare _worktree: boolean;
  declare _error: string | null;
  declare _submitting: boolean;

  #api = new ContextConsumer(this, { context: apiContext });
  #view = new StoreSelection(
    this,
    (s) => s.instances.get(this._instanceId ?? ""),
  );

  constructor() {
    super();
    this._instanceId = null;
    this._worktree = true;
    this._error = null;
    this._submitting = false;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  /**
   * Opens the dialog for an instance.
   *
   * @param instanceId The instance the session runs in.
   */
  async open(instanceId: string): Promise<void> {
    this.querySelector("form")?.reset();
    this._instanceId = instanceId;
    this._error = null;
    this._worktree = true;
    await this.updateComplete;
    const dialog = this.querySelector("dialog");
    if (dialog && !dialog.open) dialog.showModal();
    this.querySelector<HTMLInputElement>("input[name=title]")?.focus();
  }

  #close(): void {
    this.querySelector("dialog")?.close();
    this._instanceId = null;
  }

  async #submit(form: HTMLFormElement): Promise<void> {
    const api = this.#api.value;
    const store = this.#view.store;
    const instanceId = this._instanceId;
    if (!api || !store || !instanceId || this._submitting) return;
    const data = new FormData(form);
    const text = (name: string) => String(data.get(name) ?? "").trim();
    const body: NewSessionBody = {};
    if (text("title") !== "") body.title = text("title");
    if (this._worktree) {
      const branch = branchInput(text("branch"));
      const base = text("base");
      body.worktree = branch === null
        ? true
        : base === ""
        ? { branch }
        : { branch, base };
    }
    this._submitting = true;
    this._error = null;
    try {
      const session = await createSession(api, instanceId, body);
      store.dispatch({ kind: "session-saved", session });
      this.#close();
      location.hash = `#/s/${encodeURIComponent(session.id)}`;
    } catch (error) {
      this._error = error instanceof ApiError
        ? refusalText("create the session", error)
        : `Cannot create the session: ${String(error)}`;
    } finally {
      this._submitting = false;
    }
  }

  #renderWorktreeFields() {
    if (!this._worktree) return nothing;
    return html`
      <div class="grid grid-cols-2 gap-3">
        <label class="block text-xs text-gray-400">Branch (optional)
          <input name="branch" class=${FIELD} autocomplete="off"
            placeholder="flock/…" />
        </label>
        <label class="block text-xs text-gray-400">Base (optional)
          <input name="base" class=${FIELD} autocomplete="off"
            placeholder="HEAD" />
        </label>
      </div>
      <p class="text-xs text-gray-400">
        A new branch, checked out in a directory of its own: the agent's
        edits stay apart from your checkout and other sessions until you
        merge them.
      </p>
    `;
  }

  override render() {
    const instance = this.#view.value;
    return html`
      <dialog
        aria-labelledby="new-session-title"
        class="m-auto w-[calc(100%-2rem)] max-w-md rounded-xl border border-gray-800 bg-gray-900 p-0 text-gray-100 shadow-2xl backdrop:bg-black/70"
        @cancel=${() => (this._instanceId = null)}
        @keydown=${(e: KeyboardEvent) =>
          trapFocus(e, e.currentTarget as HTMLElement)}
      >
        <form class="space-y-4 p-5" @submit=${(e: SubmitEvent) => {
          e.preventDefault();
          void this.#submit(e.currentTarget as HTMLFormElement);
        }}>
          <h2 id="new-session-title" class="text-base font-semibold">
            New session${instance
              ? html`
                in <span class="font-mono text-sm text-gray-300">${instance
                  .name || instance.working_directory}</span>
              `
              : nothing}
          </h2>
          <label class="block text-xs text-gray-400">Title (optional)
            <input name="title" class=${FIELD} autocomplete="off" />
          </label>
          <label class="flex items-center gap-2 text-sm text-gray-200">
            <input type="checkbox" name="worktree" class="accent-indigo-500"
              .checked=${live(this._worktree)}
              @change=${(
                e: Event,
              ) => (this._worktree = (e.currentTarget as HTMLInputElement)
                .checked)} />
            In its own worktree
          </label>
          ${this.#renderWorktreeFields()}
          ${this._error
            ? html`
              <p role="alert" data-new-session-error
                class="text-sm text-red-300">${this._error}</p>
            `
            : nothing}
          <div class="flex justify-end gap-2">
            ${dialogActions({
              submitLabel: "Create session",
              busyLabel: "Creating…",
              busy: this._submitting,
              onCancel: () => this.#close(),
              marker: "create-session",
            })}
          </div>
        </form>
      </dialog>
    `;
  }
}

customElements.define("new-session-dialog", NewSessionDialog);

declare global {
  interface HTMLElementTagNameMap {
    "new-session-dialog": NewSessionDialog;
  }
}
