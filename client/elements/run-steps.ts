import { html, LitElement, nothing } from "lit";
import { repeat } from "lit/directives/repeat.js";
import type { StepAction } from "../api/api_client.ts";
import type { RunJson, RunStepJson } from "../../server/contract/workflows.ts";
import { noteRender } from "../lib/render_probe.ts";
import { stepStatusClass } from "../lib/run_style.ts";

/** The detail of a `step-action` event. */
export interface StepActionDetail {
  step: string;
  action: StepAction;
}

/** Which actions a step offers (the server still decides, and says why not). */
function actionsOf(run: RunJson, step: RunStepJson): StepAction[] {
  if (run.status === "completed" || run.status === "cancelled") return [];
  if (
    step.type === "gate" && step.status !== "done" && step.status !== "skipped"
  ) {
    return step.status === "waiting" ? [] : ["approve", "skip"];
  }
  switch (step.status) {
    case "blocked":
    case "failed":
      return ["retry", "skip", "approve"];
    case "running":
    case "pending":
      return ["retry", "skip"];
    default:
      return [];
  }
}

const LABELS: Record<StepAction, string> = {
  retry: "Retry",
  skip: "Skip",
  approve: "Approve",
};

/**
 * A run's steps in order, each with its status, retries and parsed output,
 * and the actions a person can take on it (retry, skip, approve).
 *
 * @fires step-action - `detail` is a {@linkcode StepActionDetail}.
 */
export class RunSteps extends LitElement {
  static override properties = {
    run: { attribute: false },
    busy: { type: Boolean },
  };

  declare run: RunJson | undefined;
  /** An action is in flight (buttons disabled). */
  declare busy: boolean;

  constructor() {
    super();
    this.run = undefined;
    this.busy = false;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override updated(): void {
    noteRender("run-steps", this.run?.id ?? "");
  }

  #act(step: string, action: StepAction): void {
    this.dispatchEvent(
      new CustomEvent<StepActionDetail>("step-action", {
        detail: { step, action },
        bubbles: true,
      }),
    );
  }

  override render() {
    const run = this.run;
    if (!run) return nothing;
    return html`
      <ol class="space-y-2">
        ${repeat(run.steps, (s) => s.id, (step, index) => {
          const actions = actionsOf(run, step);
          return html`
            <li
              data-step=${step.id}
              data-step-status=${step.status}
              class="rounded-lg border border-gray-800 bg-gray-900/60 p-3"
            >
              <div class="flex flex-wrap items-center gap-2">
                <span class="text-xs text-gray-500">${index + 1}</span>
                <span class="font-medium text-gray-100">${step.id}</span>
                <span class="text-xs text-gray-500">${step.type === "gate"
                  ? "gate"
                  : step.agent}${step.type === "loop" ? " · loop" : ""}</span>
                <span
                  class="rounded-full px-2 py-0.5 text-[11px] font-medium ring-1 ${stepStatusClass(
                    step.status,
                  )}"
                >${step.status}</span>
                ${step.retry_count > 0 || step.rework_count > 0
                  ? html`<span class="text-xs text-gray-400">retries ${step.retry_count}${
                    step.rework_count > 0
                      ? ` · reworked ${step.rework_count}`
                      : ""
                  }</span>`
                  : nothing}
                <span class="flex-1"></span>
                ${actions.map((action) =>
                  html`
                    <button
                      type="button"
                      data-action=${action}
                      ?disabled=${this.busy}
                      class="min-h-11 rounded-md px-3 text-sm font-medium ring-1 disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-300 ${action ===
                          "approve"
                        ? "bg-emerald-600 text-white ring-emerald-500 hover:bg-emerald-500"
                        : "text-gray-200 ring-gray-700 hover:bg-gray-800"}"
                      @click=${() => this.#act(step.id, action)}
                    >${LABELS[action]}</button>
                  `
                )}
              </div>
              ${step.output
                ? html`
                  <details class="mt-2">
                    <summary
                      class="min-h-11 cursor-pointer py-2 text-xs text-gray-400 hover:text-gray-200">Output</summary>
                    <pre
                      class="max-h-64 overflow-auto whitespace-pre-wrap rounded-md bg-gray-950 p-2 text-xs text-gray-300">${step
                        .output}</pre>
                  </details>
                `
                : nothing}
            </li>
          `;
        })}
      </ol>
    `;
  }
}

customElements.define("run-steps", RunSteps);

declare global {
  interface HTMLElementTagNameMap {
    "run-steps": RunSteps;
  }
}
