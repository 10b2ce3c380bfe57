import { html, LitElement, nothing, type PropertyValues } from "lit";
import { repeat } from "lit/directives/repeat.js";
import { ContextConsumer } from "@lit/context";
import type { StepAction } from "../api/api_client.ts";
import type { RunJson } from "../../server/contract/workflows.ts";
import { apiContext } from "../controllers/contexts.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { basename } from "../lib/format.ts";
import { noteRender } from "../lib/render_probe.ts";
import { formatRoute } from "../lib/routing.ts";
import {
  formatCost,
  refusalText,
  runStatusClass,
  stepStatusClass,
} from "../lib/run_style.ts";
import { NONE } from "../lib/store/selectors.ts";
import type { FlockState } from "../lib/store/state.ts";
import type { ConfirmDialog } from "./confirm-dialog.ts";
import type { StepActionDetail } from "./run-steps.ts";
import "./confirm-dialog.ts";
import "./run-attempts.ts";
import "./run-changes.ts";
import "./run-steps.ts";

/**
 * A run's page: status, task, its branch and worktree when it has its own
 * (with its changes, Merge and Remove worktree: `run-changes`), why it
 * waits or failed, its steps (with
 * retry, skip and approve), its stories with progress, its attempts linked
 * to their chats, and the notices heard; Stop and Resume. A refused action
 * shows the server's reason. The run is fetched once and kept current by
 * its events through the store.
 */
export class RunView extends LitElement {
  static override properties = {
    runId: { attribute: "run-id" },
    _busy: { state: true },
    _error: { state: true },
  };

  declare runId: string;
  declare _busy: boolean;
  /** The last refused action's reason. */
  declare _error: string | null;

  #api = new ContextConsumer(this, { context: apiContext });
  #view = new StoreSelection(this, (s) => this.#select(s));

  constructor() {
    super();
    this.runId = "";
    this._busy = false;
    this._error = null;
  }

  #select(s: FlockState) {
    const detail = s.runs.details.get(this.runId);
    const run = detail?.run ?? undefined;
    const instance = run ? s.instances.get(run.instance_id) : undefined;
    return {
      detail,
      run,
      notices: s.runs.notices.get(this.runId) ?? NONE,
      workflowName: run ? s.runs.workflows.get(run.workflow)?.name : undefined,
      instanceName: instance
        ? instance.name || basename(instance.working_directory)
        : undefined,
    };
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("runId")) this._error = null;
  }

  protected override updated(changed: PropertyValues<this>): void {
    noteRender("run-view", this.runId);
    if (changed.has("runId") || !this.#view.value.detail) this.#load();
  }

  #load(): void {
    if (this.runId) void this.#view.store?.loadRun(this.runId);
  }

  async #act(call: (id: string) => Promise<RunJson>): Promise<void> {
    if (this._busy) return;
    this._busy = true;
    this._error = null;
    try {
      const run = await call(this.runId);
      this.#view.store?.dispatch({ kind: "run-saved", run });
    } catch (error) {
      this._error = refusalText(error);
    } finally {
      this._busy = false;
    }
  }

  async #stop(): Promise<void> {
    const api = this.#api.value;
    const run = this.#view.value.run;
    if (!api || !run) return;
    const ok = await this.querySelector<ConfirmDialog>("confirm-dialog")?.ask({
      title: `Stop run #${run.run_number}?`,
      message:
        "Its live session is aborted and the run ends cancelled. You can resume it later.",
      confirmLabel: "Stop run",
      danger: true,
    });
    if (ok) await this.#act((id) => api.stopRun(id));
  }

  #stepAction(detail: StepActionDetail): void {
    const api = this.#api.value;
    if (!api) return;
    void this.#act((id) =>
      api.stepAction(id, detail.step, detail.action as StepAction)
    );
  }

  #renderHeader(run: RunJson) {
    const { workflowName, instanceName } = this.#view.value;
    const live = run.status === "running" || run.status === "blocked";
    const resumable = run.status === "cancelled" || run.status === "failed";
    const button =
      "min-h-11 rounded-md px-4 text-sm font-medium ring-1 disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-300";
    return html`
      <header class="border-b border-gray-800 px-4 py-3">
              <a
                href=${formatRoute({ kind: "board", workflowId: run.workflow })}
                class="inline-flex min-h-11 items-center text-sm text-gray-400 hover:text-gray-200"
                data-back-to-board
              >← ${workflowName ?? run.workflow}</a>
              <div class="flex flex-wrap items-center gap-2">
                <h1 class="text-lg font-semibold text-gray-100">Run #${run
                  .run_number}</h1>
                <span
                  data-run-status=${run.status}
                  class="rounded-full px-2 py-0.5 text-xs font-medium ring-1 ${runStatusClass(
                    run.status,
                  )}"
                >${run.status}</span>
                <span class="text-xs text-gray-400">${instanceName ??
                  run.instance_id} · ${formatCost(run.cost)}</span>
                <span class="flex-1"></span>
      ${run.status === "completed" ? nothing : html`
        <button
          type="button"
          data-run-action="resume"
          ?disabled=${this._busy}
          class="${button} ${resumable
            ? "bg-indigo-500 text-white ring-indigo-400 hover:bg-indigo-400"
            : "text-gray-300 ring-gray-700 hover:bg-gray-800"}"
          @click=${() => {
            const api = this.#api.value;
            if (api) void this.#act((id) => api.resumeRun(id));
          }}
        >Resume</button>
      `}
                ${live
                  ? html`
                    <button
                      type="button"
                      data-run-action="stop"
                      ?disabled=${this._busy}
                      class="${button} text-red-200 ring-red-500/50 hover:bg-red-500/10"
                      @click=${() => void this.#stop()}
                    >Stop</button>
                  `
                  : nothing}
              </div>
              <p class="mt-2 whitespace-pre-wrap text-sm text-gray-300">${run
                .task}</p>
              ${run.worktree
                ? html`
                  <p class="mt-1 text-xs text-gray-400" data-run-worktree>
                    ${run.worktree.removed === null
                      ? "In its own worktree"
                      : "Worked in its own worktree"} on branch
                    <span class="font-mono text-gray-200" data-run-branch>${run
                      .worktree.branch}</span>
                    (from <span class="font-mono">${run.worktree
                      .base}</span>) at
                    <span class="break-all font-mono">${run.worktree
                      .path}</span>
                  </p>
                `
                : nothing}
              ${run.blocked_reason
                ? html`
                  <p
                    data-blocked-reason
                    class="mt-3 rounded-lg border border-amber-500/40 bg-amber-500/10 p-3 text-sm text-amber-100"
                  ><span class="font-semibold">Needs you:</span> ${run
                    .blocked_reason}</p>
                `
                : nothing}
              ${run.failure_reason
                ? html`
                  <p
                    data-failure-reason
                    class="mt-3 rounded-lg border border-red-500/40 bg-red-500/10 p-3 text-sm text-red-100"
                  ><span class="font-semibold">Failed:</span> ${run
                    .failure_reason}</p>
                `
                : nothing}
              ${this._error
                ? html`
                  <div
                    role="alert"
                    data-action-error
                    class="mt-3 flex items-start gap-2 rounded-lg border border-red-500/50 bg-red-950/60 p-3 text-sm text-red-100"
                  >
                    <span
                      class="flex-1"><span class="font-semibold">Refused:</span> ${this
                        ._error}</span>
                    <button
                      type="button"
                      class="min-h-11 rounded-md px-3 text-xs text-red-200 hover:bg-red-500/10"
                      aria-label="Dismiss"
                      @click=${() => (this._error = null)}
                    >Dismiss</button>
                  </div>
                `
                : nothing}
            </header>
    `;
  }

  #renderStories(run: RunJson) {
    if (run.stories.length === 0) return nothing;
    const done = run.stories.filter((s) => s.status === "done").length;
    return html`
      <section aria-labelledby="run-stories" class="mt-6">
        <h2 id="run-stories" class="mb-2 text-sm font-semibold text-gray-300">
          Stories <span class="text-gray-400">${done}/${run.stories
            .length} done</span>
        </h2>
        <ul class="space-y-2">
          ${repeat(run.stories, (s) => s.id, (story) =>
            html`
              <li
                data-story=${story.id}
                data-story-status=${story.status}
                class="rounded-lg border border-gray-800 bg-gray-900/60 p-3 text-sm"
              >
                            <div class="flex flex-wrap items-center gap-2">
                              <span class="text-xs text-gray-400">${story
                                .id}</span>
                              <span class="font-medium text-gray-100">${story
                                .title}</span>
                              <span
                                class="rounded-full px-2 py-0.5 text-[11px] font-medium ring-1 ${stepStatusClass(
                                  story.status,
                                )}"
                              >${story.status}</span>
                              ${story.retry_count > 0
                                ? html`<span class="text-xs text-gray-400">retries ${story.retry_count}</span>`
                                : nothing}
                            </div>
                            ${story.description
                              ? html`<p class="mt-1 text-xs text-gray-400">${story.description}</p>`
                              : nothing}
                          </li>
            `)}
        </ul>
      </section>
    `;
  }

  #renderContext(run: RunJson) {
    const entries = Object.entries(run.context).filter(([key]) =>
      key !== "task"
    );
    if (entries.length === 0) return nothing;
    return html`
      <details class="mt-6" data-context>
        <summary
          class="min-h-11 cursor-pointer py-2 text-sm font-semibold text-gray-300">
          Context (parsed outputs) <span class="text-gray-400">${entries
            .length}</span>
        </summary>
        <dl class="space-y-2 text-xs">
          ${entries.map(([key, value]) =>
            html`
              <div>
                <dt class="font-mono text-gray-400">${key}</dt>
                <dd
                  class="mt-0.5 max-h-40 overflow-auto whitespace-pre-wrap rounded-md bg-gray-950 p-2 text-gray-300">${value}</dd>
              </div>
            `
          )}
        </dl>
      </details>
    `;
  }

  #renderNotices() {
    const { notices } = this.#view.value;
    if (notices.length === 0) return nothing;
    return html`
      <section aria-labelledby="run-notices" class="mt-6">
        <h2 id="run-notices"
          class="mb-2 text-sm font-semibold text-gray-300">Notices</h2>
        <ul class="space-y-1 text-sm">
          ${notices.map((n) =>
            html`<li data-notice=${n.kind} class="text-gray-300">
              <span class="font-medium">${n.kind}</span>${
              n.step
                ? html`
                  at ${n.step}${n.story ? ` (${n.story})` : ""}
                `
                : nothing
            }: ${n.reason}
            </li>`
          )}
        </ul>
      </section>
    `;
  }

  override render() {
    const { detail, run } = this.#view.value;
    if (!run) {
      return html`<div class="grid h-full place-items-center p-6 text-sm ${
        detail
            ?.error
          ? "text-red-300"
          : "text-gray-400"
      }">
        ${
        detail?.error
          ? html`<p role="alert">Cannot load run ${this.runId}: ${detail.error}</p>`
          : html`<p>Loading…</p>`
      }
      </div>`;
    }
    return html`
      <div class="flex h-full flex-col overflow-y-auto" data-run=${run.id}>
        ${this.#renderHeader(run)}
        <run-changes class="block px-4" .run=${run}></run-changes>
        <div class="grid gap-6 p-4 lg:grid-cols-2">
          <div>
            <section aria-labelledby="run-steps-title">
              <h2 id="run-steps-title" class="mb-2 text-sm font-semibold text-gray-300">Steps</h2>
              <run-steps
                .run=${run}
                ?busy=${this._busy}
                @step-action=${(e: CustomEvent<StepActionDetail>) =>
                  this.#stepAction(e.detail)}
              ></run-steps>
            </section>
            ${this.#renderStories(run)} ${this.#renderContext(run)}
          </div>
          <div>
            <section aria-labelledby="run-attempts-title">
              <h2 id="run-attempts-title" class="mb-2 text-sm font-semibold text-gray-300">Attempts</h2>
              <run-attempts .run=${run}></run-attempts>
            </section>
            ${this.#renderNotices()}
          </div>
        </div>
      </div>
      <confirm-dialog></confirm-dialog>
    `;
  }
}

customElements.define("run-view", RunView);

declare global {
  interface HTMLElementTagNameMap {
    "run-view": RunView;
  }
}
