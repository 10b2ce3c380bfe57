import { html, LitElement, nothing, type PropertyValues } from "lit";
import { ContextConsumer } from "@lit/context";
import { ApiError } from "../api/api_client.ts";
import { apiContext } from "../controllers/contexts.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { requestComposerFocus } from "../lib/composer_focus.ts";
import { errorText } from "../lib/error_text.ts";
import { dialogActions } from "../lib/dialog_actions.ts";
import { dialogHeader } from "../lib/dialog_header.ts";
import { trapFocus } from "../lib/focus_trap.ts";
import { icon } from "../lib/icons.ts";
import { instanceDotClass } from "../lib/status_style.ts";
import type { DirectoryPicker } from "./directory-picker.ts";
import "./directory-picker.ts";
import "./remote-attach-form.ts";

const progressText = (status: string, remote: boolean) =>
  status === "starting"
    ? (remote ? "Connecting to the server…" : "Starting OpenCode…")
    : status === "running"
    ? "Running."
    : status === "error"
    ? `The instance failed to ${remote ? "connect" : "start"}.`
    : `The instance is ${status}.`;

/**
 * The modal that creates an instance: a working directory (typed, or picked
 * with a browser backed by `GET /api/directories`, which follows the typed
 * path and marks git repositories), an optional name, inline server
 * validation errors, then the new instance's start-up progress; or a remote
 * server attached by URL (`remote-attach-form`). Once the instance runs, a
 * first session is made and opened with its message box focused, and the
 * dialog closes.
 *
 * @fires instance-created - `detail` is the new instance id.
 */
export class NewInstanceDialog extends LitElement {
  static override properties = {
    _path: { state: true },
    _name: { state: true },
    _error: { state: true },
    _submitting: { state: true },
    _createdId: { state: true },
    _remote: { state: true },
  };

  declare _path: string;
  declare _name: string;
  declare _error: string | null;
  declare _submitting: boolean;
  declare _createdId: string | null;
  /** Attaching a remote server rather than creating a local instance. */
  declare _remote: boolean;

  #api = new ContextConsumer(this, { context: apiContext });
  #created = new StoreSelection(
    this,
    (s) => this._createdId ? s.instances.get(this._createdId) : undefined,
  );
  /** The created instance whose first session was asked for. */
  #sessionFor: string | null = null;

  /** An error's message, instances named (not their ids). */
  #errorText(error: unknown): string {
    return errorText(error, this.#created.store?.state.instances ?? new Map());
  }

  constructor() {
    super();
    this._path = "";
    this._name = "";
    this._error = null;
    this._submitting = false;
    this._createdId = null;
    this._remote = false;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  /** Opens the dialog with a fresh form, browsing the home directory. */
  async show(): Promise<void> {
    this._path = "";
    this._name = "";
    this._error = null;
    this._submitting = false;
    this._createdId = null;
    this._remote = false;
    this.#sessionFor = null;
    await this.updateComplete;
    const dialog = this.querySelector("dialog");
    if (dialog && !dialog.open) dialog.showModal();
    this.querySelector<HTMLInputElement>("#new-instance-dir")?.focus();
    void this.#picker()?.browse(undefined, true);
  }

  #picker(): DirectoryPicker | null {
    return this.querySelector("directory-picker");
  }

  /** Closes the dialog (a starting instance keeps starting). */
  close(): void {
    this.querySelector("dialog")?.close();
  }

  protected override updated(_changed: PropertyValues<this>): void {
    // once the created instance is up: its first session, then close
    const instance = this.#created.value;
    if (
      instance?.status === "running" && this.querySelector("dialog")?.open &&
      this.#sessionFor !== instance.id
    ) {
      this.#sessionFor = instance.id;
      void this.#openFirstSession(instance.id);
    }
  }

  async #openFirstSession(instanceId: string): Promise<void> {
    const api = this.#api.value;
    const store = this.#created.store;
    if (!api || !store) return;
    try {
      const session = await api.createSession(instanceId);
      store.dispatch({ kind: "session-saved", session });
      this.close();
      requestComposerFocus(session.id);
      location.hash = `#/s/${encodeURIComponent(session.id)}`;
    } catch (error) {
      this._error = `The instance runs, but a session could not be made: ${
        this.#errorText(error)
      }`;
    }
  }

  async #submit(event: Event): Promise<void> {
    event.preventDefault();
    const api = this.#api.value;
    const store = this.#created.store;
    const path = this._path.trim();
    if (!api || !store || this._submitting) return;
    if (path === "") {
      this._error = "Choose a working directory.";
      return;
    }
    this._submitting = true;
    this._error = null;
    try {
      const name = this._name.trim();
      const instance = await api.createInstance(
        name ? { working_directory: path, name } : { working_directory: path },
      );
      store.dispatch({ kind: "instance-saved", instance });
      this._createdId = instance.id;
      this.dispatchEvent(
        new CustomEvent("instance-created", { detail: instance.id }),
      );
    } catch (error) {
      this._error = error instanceof ApiError && error.status === 0
        ? "Cannot reach the Flock server."
        : this.#errorText(error);
    } finally {
      this._submitting = false;
    }
  }

  async #retry(id: string): Promise<void> {
    try {
      const instance = await this.#api.value?.restartInstance(id);
      if (instance) {
        this.#created.store?.dispatch({ kind: "instance-saved", instance });
      }
    } catch (error) {
      this._error = this.#errorText(error);
    }
  }

  #renderForm() {
    const input =
      "w-full rounded-md border border-gray-700 bg-gray-950 px-3 py-2 text-sm text-gray-100 placeholder:text-gray-400 focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500";
    return html`
      <form @submit=${(e: Event) => void this.#submit(e)} novalidate>
        <div class="space-y-4 px-5 py-4">
              <div>
                <label for="new-instance-dir" class="mb-1 block text-sm font-medium text-gray-300">Working directory</label>
                <div class="flex gap-2">
                  <input
                    id="new-instance-dir"
                    name="working_directory"
                    class="${input} font-mono"
                    placeholder="/home/me/project"
                    autocomplete="off"
                    spellcheck="false"
                    aria-invalid=${this._error ? "true" : "false"}
                    aria-describedby=${this._error
                      ? "new-instance-error"
                      : nothing}
                    .value=${this._path}
                    @input=${(e: Event) => {
                      this._path = (e.currentTarget as HTMLInputElement).value;
                      this.#picker()?.follow(this._path);
                    }}
                  />
                  <button
                    type="button"
                    class="shrink-0 rounded-md px-3 text-sm text-gray-300 ring-1 ring-gray-700 hover:bg-gray-800 focus-visible:outline-2 focus-visible:outline-indigo-400"
                    aria-label="Browse the typed path"
                    @click=${() =>
                      void this.#picker()?.browse(
                        this._path.trim() || undefined,
                        false,
                      )}
                  >Browse</button>
                </div>
                <directory-picker
                  @path-picked=${(
                    e: CustomEvent<string>,
                  ) => (this._path = e.detail)}
                ></directory-picker>
              </div>
              <div>
                <label for="new-instance-name" class="mb-1 block text-sm font-medium text-gray-300">
                  Name <span class="font-normal text-gray-400">(optional)</span>
                </label>
                <input
                  id="new-instance-name"
                  name="name"
                  class=${input}
                  placeholder="Defaults to the folder name"
                  autocomplete="off"
                  .value=${this._name}
                  @input=${(
                    e: Event,
                  ) => (this._name =
                    (e.currentTarget as HTMLInputElement).value)}
                />
              </div>
              ${this._error
                ? html`
                  <p
                    id="new-instance-error"
                    role="alert"
                    class="flex items-start gap-2 rounded-md border border-red-500/40 bg-red-500/10 px-3 py-2 text-sm text-red-200"
                  >${icon("alert", "mt-0.5 size-4 shrink-0")}<span>${this
                    ._error}</span></p>
                `
                : nothing}
            </div>
        <div class="flex justify-end gap-2 border-t border-gray-800 px-5 py-3">
          ${dialogActions({
            submitLabel: "Create instance",
            busyLabel: "Creating…",
            busy: this._submitting,
            onCancel: () => this.close(),
          })}
        </div>
      </form>
    `;
  }

  #renderProgress(id: string) {
    const instance = this.#created.value;
    const status = instance?.status ?? "starting";
    return html`<div class="space-y-3 px-5 py-5" data-progress=${status}>
      <div class="flex items-center gap-3">
        <span class="size-3 shrink-0 rounded-full ${
      instanceDotClass(status)
    }"></span>
        <p class="text-sm text-gray-200" role="status">
          ${progressText(status, instance?.kind === "remote")}
        </p>
      </div>
      <p class="truncate font-mono text-xs text-gray-400">${
      instance
        ?.working_directory ?? ""
    }</p>
      ${
      status === "error" && instance?.last_error
        ? html`
          <pre
            role="alert"
            class="max-h-40 overflow-auto whitespace-pre-wrap rounded-md bg-red-500/10 p-2 font-mono text-xs text-red-200"
          >${instance.last_error}</pre>
        `
        : nothing
    }
      ${
      this._error
        ? html`<p role="alert" class="text-sm text-red-300">${this._error}</p>`
        : nothing
    }
      <div class="flex justify-end gap-2 pt-2">
        ${
      status === "error"
        ? html`
          <button
            type="button"
            class="rounded-md px-3 py-1.5 text-sm text-gray-200 ring-1 ring-gray-700 hover:bg-gray-800"
            @click=${() => void this.#retry(id)}
          >Retry</button>
        `
        : nothing
    }
        <button
          type="button"
          class="rounded-md bg-gray-800 px-3 py-1.5 text-sm text-gray-100 hover:bg-gray-700 focus-visible:outline-2 focus-visible:outline-indigo-400"
          @click=${() => this.close()}
        >${status === "starting" ? "Continue in background" : "Close"}</button>
      </div>
    </div>`;
  }

  #renderTabs() {
    const tab = (remote: boolean, label: string) =>
      html`
        <button type="button" role="tab" aria-selected=${this._remote ===
          remote}
          class="rounded-md px-3 py-1 text-sm ${this._remote === remote
            ? "bg-gray-800 text-gray-100"
            : "text-gray-400 hover:text-gray-200"}"
          @click=${() => (this._remote = remote)}>${label}</button>
      `;
    return html`<div role="tablist" class="flex gap-1 px-5 pt-3">${
      tab(false, "Local directory")
    }${tab(true, "Remote server")}</div>`;
  }

  override render() {
    return html`
      <dialog
        aria-labelledby="new-instance-title"
        class="m-auto w-[calc(100%-1.5rem)] max-w-lg overflow-hidden rounded-xl border border-gray-800 bg-gray-900 p-0 text-gray-100 shadow-2xl backdrop:bg-black/70"
        @keydown=${(e: KeyboardEvent) =>
          trapFocus(e, e.currentTarget as HTMLElement)}
        @click=${(e: MouseEvent) => {
          if (e.target === e.currentTarget) this.close();
        }}
      >
            ${dialogHeader({
              id: "new-instance-title",
              title: "New instance",
              onClose: () => this.close(),
              layout: "bar",
            })}
            ${this._createdId
              ? this.#renderProgress(this._createdId)
              : this.#renderTabs()}
            ${this._createdId ? nothing : this._remote
              ? html`
                <remote-attach-form
                  @remote-attached=${(e: CustomEvent<string>) =>
                    this._createdId = e.detail}
                  @cancel-attach=${() => this.close()}
                ></remote-attach-form>
              `
              : this.#renderForm()}
          </dialog>
    `;
  }
}

customElements.define("new-instance-dialog", NewInstanceDialog);

declare global {
  interface HTMLElementTagNameMap {
    "new-instance-dialog": NewInstanceDialog;
  }
}
