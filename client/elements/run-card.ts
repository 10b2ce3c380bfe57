import { html, LitElement, nothing } from "lit";
import type { RunSummaryJson } from "../../server/contract/workflows.ts";
import { noteRender } from "../lib/render_probe.ts";
import { attentionLabel, runStatusClass } from "../lib/run_style.ts";
import type { Attention } from "../lib/store/run_board.ts";

/**
 * One run on the workflow board: its number and task, status, current
 * step, its branch when it works in a worktree of its own, story progress,
 * and a "needs you" marker with the reason when it is blocked. The whole card is a link to the run's page (`#/r/<id>`).
 * Renders only when its properties change.
 */
export class RunCard extends LitElement {
  static override properties = {
    run: { attribute: false },
    attention: { attribute: false },
    instanceName: { attribute: false },
  };

  declare run: RunSummaryJson | undefined;
  declare attention: Attention | null;
  declare instanceName: string;

  constructor() {
    super();
    this.run = undefined;
    this.attention = null;
    this.instanceName = "";
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override updated(): void {
    noteRender("run-card", this.run?.id ?? "");
  }

  override render() {
    const run = this.run;
    if (!run) return nothing;
    const progress = run.stories_total > 0
      ? run.stories_done / run.stories_total
      : 0;
    return html`
      <a
        href="#/r/${encodeURIComponent(run.id)}"
        data-run-id=${run.id}
        data-run-status=${run.status}
        data-attention=${this.attention ?? ""}
        class="block min-h-11 rounded-lg border bg-gray-900 p-3 text-left shadow-sm hover:border-gray-600 hover:bg-gray-800/80 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-400 ${this
            .attention
          ? "border-amber-500/60"
          : "border-gray-800"}"
      >
        <div class="flex items-center gap-2">
          <span class="text-xs font-semibold text-gray-400">#${run
            .run_number}</span>
          <span
            class="rounded-full px-2 py-0.5 text-[11px] font-medium ring-1 ${runStatusClass(
              run.status,
            )}"
          >${run.status}</span>
          <span class="flex-1"></span>
          ${run.current_step
            ? html`
              <span class="truncate text-[11px] text-gray-400" data-current-step
              >${run.current_step}</span>
            `
            : nothing}
        </div>
        <p class="mt-2 line-clamp-2 text-sm text-gray-100">${run.task}</p>
        ${this.instanceName
          ? html`<p class="mt-1 truncate text-xs text-gray-400">${this.instanceName}</p>`
          : nothing}
        ${run.worktree
          ? html`
            <p class="mt-1 truncate font-mono text-[11px] text-gray-400" data-run-branch
              title="In its own worktree: ${run.worktree.path}">⎇ ${run.worktree
                .branch}</p>
          `
          : nothing}
        ${run.stories_total > 0
          ? html`
            <div class="mt-2" data-stories>
              <div class="flex justify-between text-[11px] text-gray-400">
                <span>Stories</span>
                <span>${run.stories_done}/${run.stories_total}</span>
              </div>
              <div
                class="mt-1 h-1.5 overflow-hidden rounded-full bg-gray-800"
                role="progressbar"
                aria-label="Stories done"
                aria-valuemin="0"
                aria-valuemax=${run.stories_total}
                aria-valuenow=${run.stories_done}
              >
                <div class="h-full bg-emerald-500 ${progressWidth(
                  progress,
                )}"></div>
              </div>
            </div>
          `
          : nothing}
        ${this.attention
          ? html`
            <p
              class="mt-2 rounded-md bg-amber-500/10 px-2 py-1 text-xs text-amber-200"
              data-needs-you
            >
              <span class="font-semibold">${attentionLabel(
                this.attention,
              )}</span>${run.blocked_reason
                ? html`: ${run.blocked_reason}`
                : nothing}
            </p>
          `
          : nothing}
        ${run.status === "failed" && run.failure_reason
          ? html`<p class="mt-2 line-clamp-3 text-xs text-red-300">${run.failure_reason}</p>`
          : nothing}
      </a>
    `;
  }
}

/** A width class for a fraction (Tailwind needs literal class names; no inline style under the CSP). */
function progressWidth(fraction: number): string {
  const steps = [
    "w-0",
    "w-1/12",
    "w-2/12",
    "w-3/12",
    "w-4/12",
    "w-5/12",
    "w-6/12",
    "w-7/12",
    "w-8/12",
    "w-9/12",
    "w-10/12",
    "w-11/12",
    "w-full",
  ];
  return steps[Math.round(Math.min(1, Math.max(0, fraction)) * 12)]!;
}

customElements.define("run-card", RunCard);

declare global {
  interface HTMLElementTagNameMap {
    "run-card": RunCard;
  }
}
