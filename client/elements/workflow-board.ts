import { html, LitElement, nothing } from "lit";
import { repeat } from "lit/directives/repeat.js";
import { StoreSelection } from "../controllers/store_selection.ts";
import { basename } from "../lib/format.ts";
import { icon } from "../lib/icons.ts";
import { noteRender } from "../lib/render_probe.ts";
import { formatRoute } from "../lib/routing.ts";
import {
  attentionOf,
  boardOf,
  workflowsInOrder,
} from "../lib/store/run_board.ts";
import type { FlockState } from "../lib/store/state.ts";
import type { InstallWorkflowDialog } from "./install-workflow-dialog.ts";
import type { StartRunDialog } from "./start-run-dialog.ts";
import "./install-workflow-dialog.ts";
import "./run-card.ts";
import "./start-run-dialog.ts";

/**
 * The workflow board: the installed workflows as tabs; for the chosen one,
 * a column per step (then Completed, then Failed or cancelled) holding its
 * runs' cards, updated live from the store. Buttons start a run and install
 * a workflow.
 */
export class WorkflowBoard extends LitElement {
  static override properties = {
    workflowId: { attribute: "workflow-id" },
  };

  /** The workflow shown; the first one (by name) when empty. */
  declare workflowId: string;

  #view = new StoreSelection(this, (s) => this.#select(s));

  constructor() {
    super();
    this.workflowId = "";
  }

  #select(s: FlockState) {
    const workflows = workflowsInOrder(s.runs.workflows);
    const workflow = s.runs.workflows.get(this.workflowId) ?? workflows[0];
    return {
      loaded: s.runs.loaded,
      ready: s.load.ready,
      workflows,
      workflow,
      columns: workflow ? boardOf(s, workflow.id) : undefined,
      instances: s.instances,
    };
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override updated(): void {
    noteRender("workflow-board", "");
  }

  #startRun(): void {
    void this.querySelector<StartRunDialog>("start-run-dialog")?.show(
      this.#view.value.workflow?.id,
    );
  }

  #install(): void {
    void this.querySelector<InstallWorkflowDialog>("install-workflow-dialog")
      ?.show();
  }

  #instanceName(id: string): string {
    const instance = this.#view.value.instances.get(id);
    return instance
      ? instance.name || basename(instance.working_directory)
      : id;
  }

  #renderColumns() {
    const { workflow, columns } = this.#view.value;
    if (!workflow || !columns) return nothing;
    return html`
      <div
        class="flex min-h-0 flex-1 gap-3 overflow-x-auto p-4"
        role="list"
        aria-label="Steps of ${workflow.name}"
      >
        ${repeat(columns, (c) => c.id, (column) =>
          html`
            <section
              role="listitem"
              aria-label="${column.title}: ${column.runs.length} run(s)"
              data-column=${column.id}
              class="flex w-64 shrink-0 flex-col rounded-xl border border-gray-800 bg-gray-900/40"
            >
              <h3
                class="flex items-center gap-2 border-b border-gray-800 px-3 py-2 text-xs font-semibold uppercase tracking-wide ${column
                    .kind === "step"
                  ? "text-gray-300"
                  : column.kind === "completed"
                  ? "text-emerald-300"
                  : "text-gray-400"}"
              >
                <span class="truncate">${column.title}</span>
                <span
                  class="ml-auto rounded-full bg-gray-800 px-1.5 text-gray-400">${column
                    .runs.length}</span>
              </h3>
              <ul class="flex min-h-16 flex-1 flex-col gap-2 overflow-y-auto p-2">
                ${repeat(column.runs, (r) => r.id, (run) =>
                  html`
                    <li>
                      <run-card
                        .run=${run}
                        .attention=${attentionOf(run, workflow)}
                        .instanceName=${this.#instanceName(run.instance_id)}
                      ></run-card>
                    </li>
                  `)}
              </ul>
            </section>
          `)}
      </div>
    `;
  }

  override render() {
    const { loaded, ready, workflows, workflow } = this.#view.value;
    const button =
      "inline-flex min-h-11 items-center gap-2 rounded-lg px-3 text-sm font-medium focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-300";
    return html`
      <div class="flex h-full flex-col">
        <header class="flex flex-wrap items-center gap-2 border-b border-gray-800 px-4 py-3">
          <h1 class="mr-2 text-lg font-semibold tracking-tight text-gray-100">Workflows</h1>
          <nav aria-label="Workflows" class="flex min-w-0 flex-1 flex-wrap gap-1">
            ${repeat(workflows, (w) => w.id, (w) =>
              html`
                <a
                  href=${formatRoute({ kind: "board", workflowId: w.id })}
                  data-workflow-tab=${w.id}
                  aria-current=${w.id === workflow?.id ? "page" : "false"}
                  class="inline-flex min-h-11 items-center rounded-md px-3 text-sm ${w
                      .id === workflow?.id
                    ? "bg-gray-800 text-gray-100"
                    : "text-gray-400 hover:bg-gray-900 hover:text-gray-200"}"
                >${w.name}</a>
              `)}
          </nav>
          <button
            type="button"
            data-install-workflow
            class="${button} text-gray-200 ring-1 ring-gray-700 hover:bg-gray-800"
            @click=${() => this.#install()}
          >${icon("plus")} Install workflow</button>
          <button
            type="button"
            data-start-run
            ?disabled=${workflows.length === 0}
            class="${button} bg-indigo-500 text-white hover:bg-indigo-400 disabled:opacity-40"
            @click=${() => this.#startRun()}
          >Start run</button>
        </header>
        ${workflow
          ? html`${
            workflow.description
              ? html`<p class="px-4 pt-3 text-sm text-gray-400">${workflow.description}</p>`
              : nothing
          }${this.#renderColumns()}`
          : html`
            <div class="grid flex-1 place-items-center p-6 text-center">
              <p class="max-w-md text-sm text-gray-400">${!ready || !loaded
                ? "Loading…"
                : "No workflow is installed. Install one from a directory holding workflow.yml (antfarm's format), or paste its YAML."}</p>
            </div>
          `}
      </div>
      <start-run-dialog></start-run-dialog>
      <install-workflow-dialog></install-workflow-dialog>
    `;
  }
}

customElements.define("workflow-board", WorkflowBoard);

declare global {
  interface HTMLElementTagNameMap {
    "workflow-board": WorkflowBoard;
  }
}
