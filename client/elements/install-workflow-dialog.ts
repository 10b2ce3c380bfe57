import { html, LitElement, nothing } from "lit";
import { ContextConsumer } from "@lit/context";
import { apiContext } from "../controllers/contexts.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { dialogActions } from "../lib/dialog_actions.ts";
import { dialogHeader } from "../lib/dialog_header.ts";
import { trapFocus } from "../lib/focus_trap.ts";
import { formatRoute } from "../lib/routing.ts";
import { refusalText } from "../lib/run_style.ts";
import { specIssuesOf } from "../lib/spec_issues.ts";

/**
 * The modal that installs a workflow, from a directory on the server
 * (holding `workflow.yml` and its agent files) or from pasted YAML. A bad
 * spec's problems are listed one per line, as the server names them (the
 * field path, or the YAML line and column).
 */
export class InstallWorkflowDialog extends LitElement {
  static override properties = {
    _source: { state: true },
    _path: { state: true },
    _yaml: { state: true },
    _error: { state: true },
    _submitting: { state: true },
  };

  declare _source: "path" | "yaml";
  declare _path: string;
  declare _yaml: string;
  declare _error: string | null;
  declare _submitting: boolean;

  #api = new ContextConsumer(this, { context: apiContext });
  /** Only for the store (to record what was installed). */
  #store = new StoreSelection(this, () => null);

  constructor() {
    super();
    this._source = "path";
    this._path = "";
    this._yaml = "";
    this._error = null;
    this._submitting = false;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  /** Opens the dialog (keeping what was typed). */
  async show(): Promise<void> {
    this._error = null;
    await this.updateComplete;
    const dialog = this.querySelector("dialog");
    if (dialog && !dialog.open) dialog.showModal();
    this.querySelector<HTMLElement>("[data-source-input]")?.focus();
  }

  #close(): void {
    this.querySelector("dialog")?.close();
  }

  async #submit(event: Event): Promise<void> {
    event.preventDefault();
    const api = this.#api.value;
    if (!api || this._submitting) return;
    const value = this._source === "path" ? this._path.trim() : this._yaml;
    if (value.trim() === "") {
      this._error = this._source === "path"
        ? "Type the absolute path of a directory holding workflow.yml."
        : "Paste the workflow's YAML.";
      return;
    }
    this._submitting = true;
    this._error = null;
    try {
      const workflow = await api.installWorkflow(
        this._source === "path" ? { path: value } : { yaml: value },
      );
      this.#store.store?.dispatch({ kind: "workflow-saved", workflow });
      this.#close();
      location.hash = formatRoute({ kind: "board", workflowId: workflow.id });
    } catch (error) {
      this._error = refusalText(error);
    } finally {
      this._submitting = false;
    }
  }

  #renderError() {
    if (!this._error) return nothing;
    const { summary, issues } = specIssuesOf(this._error);
    return html`
      <div role="alert" data-error
        class="mt-3 rounded-md border border-red-500/30 bg-red-500/10 p-3 text-sm text-red-200">
        <p>${summary}</p>
        ${issues.length > 0
          ? html`<ul class="mt-2 list-disc space-y-1 pl-5 font-mono text-xs">
            ${issues.map((issue) => html`<li data-issue>${issue}</li>`)}
          </ul>`
          : nothing}
      </div>
    `;
  }

  override render() {
    const field =
      "mt-1 block w-full rounded-md border border-gray-700 bg-gray-950 px-3 py-2 text-sm text-gray-100 focus:border-indigo-400 focus:outline-none";
    const tab = (source: "path" | "yaml", label: string) =>
      html`
        <button
          type="button"
          role="tab"
          data-source=${source}
          aria-selected=${this._source === source ? "true" : "false"}
          class="min-h-11 flex-1 rounded-md px-3 text-sm ${this._source ===
              source
            ? "bg-gray-800 text-gray-100"
            : "text-gray-400 hover:bg-gray-800/60"}"
          @click=${() => {
            this._source = source;
            this._error = null;
          }}
        >${label}</button>
      `;
    return html`
      <dialog
        aria-labelledby="install-workflow-title"
        class="m-auto w-[calc(100%-2rem)] max-w-2xl rounded-xl border border-gray-800 bg-gray-900 p-0 text-gray-100 shadow-2xl backdrop:bg-black/70"
        @keydown=${(e: KeyboardEvent) =>
          trapFocus(e, e.currentTarget as HTMLElement)}
        @click=${(e: MouseEvent) => {
          if (e.target === e.currentTarget) this.#close();
        }}
      >
        <form class="p-5" @submit=${(e: Event) => this.#submit(e)}>
          ${dialogHeader({
            id: "install-workflow-title",
            title: "Install a workflow",
            onClose: () => this.#close(),
          })}
          <div role="tablist" class="mt-3 flex gap-1 rounded-lg bg-gray-950 p-1">
            ${tab("path", "From a directory")}${tab("yaml", "Paste YAML")}
          </div>
          ${this._source === "path"
            ? html`<label class="mt-3 block text-sm text-gray-300">Directory (on the server)
              <input
                data-source-input
                name="path"
                class="${field} font-mono"
                placeholder="/home/me/antfarm/workflows/feature-dev"
                autocomplete="off"
                spellcheck="false"
                .value=${this._path}
                @input=${(e: Event) =>
              this._path = (e.target as HTMLInputElement).value}
              />
            </label>`
            : html`<label class="mt-3 block text-sm text-gray-300">workflow.yml
              <textarea
                data-source-input
                name="yaml"
                rows="14"
                spellcheck="false"
                class="${field} font-mono text-xs"
                placeholder="id: my-workflow&#10;name: My workflow&#10;agents: …&#10;steps: …"
                .value=${this._yaml}
                @input=${(e: Event) =>
              this._yaml = (e.target as HTMLTextAreaElement).value}
              ></textarea>
            </label>`}
          ${this.#renderError()}
          <div class="mt-5 flex justify-end gap-2">
            ${dialogActions({
              submitLabel: "Install",
              busyLabel: "Installing…",
              busy: this._submitting,
              onCancel: () => this.#close(),
              size: "touch",
            })}
          </div>
        </form>
      </dialog>
    `;
  }
}

customElements.define("install-workflow-dialog", InstallWorkflowDialog);

declare global {
  interface HTMLElementTagNameMap {
    "install-workflow-dialog": InstallWorkflowDialog;
  }
}
