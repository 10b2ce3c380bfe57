import { html, LitElement, nothing } from "lit";
import { ContextConsumer } from "@lit/context";
import { apiContext } from "../controllers/contexts.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { dialogActions } from "../lib/dialog_actions.ts";
import { dialogHeader } from "../lib/dialog_header.ts";
import { trapFocus } from "../lib/focus_trap.ts";
import { basename } from "../lib/format.ts";
import { formatRoute } from "../lib/routing.ts";
import { refusalText } from "../lib/run_style.ts";
import { workflowsInOrder } from "../lib/store/run_board.ts";
import { instancesInOrder } from "../lib/store/selectors.ts";

/**
 * The modal that starts a run: a workflow, an instance (running ones), the
 * task, and "Run in its own worktree" (a new branch of the instance's
 * repository, checked out apart, so parallel runs never collide; offered
 * for local instances, since a remote server cannot see Flock's
 * worktrees). The server's refusal (a stopped instance, a directory outside
 * git, a bad field) is shown as it says it. On success it opens that
 * workflow's board, where the new run's card appears.
 */
export class StartRunDialog extends LitElement {
  static override properties = {
    _workflow: { state: true },
    _instance: { state: true },
    _task: { state: true },
    _worktree: { state: true },
    _error: { state: true },
    _submitting: { state: true },
  };

  declare _workflow: string;
  declare _instance: string;
  declare _task: string;
  declare _worktree: boolean;
  declare _error: string | null;
  declare _submitting: boolean;

  #api = new ContextConsumer(this, { context: apiContext });
  #view = new StoreSelection(this, (s) => ({
    workflows: workflowsInOrder(s.runs.workflows),
    instances: instancesInOrder(s.instances),
  }));

  constructor() {
    super();
    this._workflow = "";
    this._instance = "";
    this._task = "";
    this._worktree = false;
    this._error = null;
    this._submitting = false;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  /**
   * Opens the dialog.
   *
   * @param workflowId The workflow chosen first (the board's).
   */
  async show(workflowId?: string): Promise<void> {
    const { workflows, instances } = this.#view.value;
    this._workflow = workflowId ?? workflows[0]?.id ?? "";
    if (!instances.some((i) => i.id === this._instance)) {
      this._instance = (instances.find((i) =>
        i.status === "running"
      ) ?? instances[0])?.id ??
        "";
    }
    this._error = null;
    this._submitting = false;
    await this.updateComplete;
    const dialog = this.querySelector("dialog");
    if (dialog && !dialog.open) dialog.showModal();
    this.querySelector<HTMLTextAreaElement>("textarea")?.focus();
  }

  #close(): void {
    this.querySelector("dialog")?.close();
  }

  async #submit(event: Event): Promise<void> {
    event.preventDefault();
    const api = this.#api.value;
    if (!api || this._submitting) return;
    if (!this._workflow) return void (this._error = "Choose a workflow.");
    if (!this._instance) return void (this._error = "Choose an instance.");
    if (this._task.trim() === "") {
      return void (this._error = "Describe the task.");
    }
    this._submitting = true;
    this._error = null;
    try {
      const run = await api.startRun({
        workflow: this._workflow,
        instance_id: this._instance,
        task: this._task,
        ...(this.#worktreeOffered() && this._worktree
          ? { worktree: true }
          : {}),
      });
      this.#view.store?.dispatch({ kind: "run-saved", run });
      this._task = "";
      this.#close();
      location.hash = formatRoute({ kind: "board", workflowId: run.workflow });
    } catch (error) {
      this._error = refusalText(error);
    } finally {
      this._submitting = false;
    }
  }

  /** Whether the chosen instance can have a worktree (a local one). */
  #worktreeOffered(): boolean {
    const chosen = this.#view.value.instances.find((i) =>
      i.id === this._instance
    );
    return chosen !== undefined && chosen.kind !== "remote";
  }

  #renderWorktree() {
    const offered = this.#worktreeOffered();
    return html`
      <label class="mt-3 flex min-h-11 items-start gap-2 text-sm text-gray-200">
        <input
          type="checkbox"
          name="worktree"
          class="mt-1 accent-indigo-500"
          .checked=${offered && this._worktree}
          ?disabled=${!offered}
          @change=${(e: Event) =>
            this._worktree = (e.currentTarget as HTMLInputElement).checked}
        />
        <span>Run in its own worktree
          <span class="block text-xs text-gray-400">${offered
            ? "A new branch from the repository's HEAD, checked out apart: parallel runs never collide, and the branch keeps the work for review."
            : "Only for a local instance in a git repository."}</span>
        </span>
      </label>
    `;
  }

  override render() {
    const { workflows, instances } = this.#view.value;
    const field =
      "mt-1 block w-full rounded-md border border-gray-700 bg-gray-950 px-3 py-2 text-sm text-gray-100 focus:border-indigo-400 focus:outline-none";
    return html`
      <dialog
        aria-labelledby="start-run-title"
        class="m-auto w-[calc(100%-2rem)] max-w-lg rounded-xl border border-gray-800 bg-gray-900 p-0 text-gray-100 shadow-2xl backdrop:bg-black/70"
        @keydown=${(e: KeyboardEvent) =>
          trapFocus(e, e.currentTarget as HTMLElement)}
        @click=${(e: MouseEvent) => {
          if (e.target === e.currentTarget) this.#close();
        }}
      >
        <form class="p-5" @submit=${(e: Event) => this.#submit(e)}>
          ${dialogHeader({
            id: "start-run-title",
            title: "Start a run",
            onClose: () => this.#close(),
          })}
          <label class="mt-3 block text-sm text-gray-300">Workflow
            <select
              name="workflow"
              class=${field}
              .value=${this._workflow}
              @change=${(e: Event) =>
                this._workflow = (e.target as HTMLSelectElement).value}
            >
              ${workflows.map((w) =>
                html`
                  <option value=${w.id}
                    ?selected=${w.id ===
                      this._workflow}>${w.name} (${w.id})</option>
                `
              )}
            </select>
          </label>
          <label class="mt-3 block text-sm text-gray-300">Instance
            <select
              name="instance"
              class=${field}
              .value=${this._instance}
              @change=${(e: Event) =>
                this._instance = (e.target as HTMLSelectElement).value}
            >
              ${instances.length === 0
                ? html`<option value="">No instance: create one first</option>`
                : nothing}
              ${instances.map((i) =>
                html`
                  <option value=${i.id}
                    ?selected=${i.id ===
                      this._instance}>${i.name ||
                      basename(i.working_directory)} · ${i.status}</option>
                `
              )}
            </select>
          </label>
          <label class="mt-3 block text-sm text-gray-300">Task
            <textarea
              name="task"
              rows="4"
              class=${field}
              placeholder="What should the agents do?"
              .value=${this._task}
              @input=${(e: Event) =>
                this._task = (e.target as HTMLTextAreaElement).value}
              @keydown=${(e: KeyboardEvent) => {
                if (e.key === "Enter" && (e.metaKey || e.ctrlKey)) {
                  void this.#submit(e);
                }
              }}
            ></textarea>
          </label>
          ${this.#renderWorktree()}
          ${this._error
            ? html`<p role="alert" data-error class="mt-3 text-sm text-red-300">${this._error}</p>`
            : nothing}
          <div class="mt-5 flex justify-end gap-2">
            ${dialogActions({
              submitLabel: "Start",
              busyLabel: "Starting…",
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

customElements.define("start-run-dialog", StartRunDialog);

declare global {
  interface HTMLElementTagNameMap {
    "start-run-dialog": StartRunDialog;
  }
}
