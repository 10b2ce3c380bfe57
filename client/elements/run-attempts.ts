import { html, LitElement, nothing } from "lit";
import { repeat } from "lit/directives/repeat.js";
import type { RunJson } from "../../server/contract/workflows.ts";
import { noteRender } from "../lib/render_probe.ts";
import { formatRoute } from "../lib/routing.ts";
import { formatCost, outcomeClass } from "../lib/run_style.ts";

/**
 * A run's attempts, newest first: step (and story), outcome and why, tokens
 * and cost, each linked to its session's chat (`#/s/<session id>`) once the
 * session exists.
 */
export class RunAttempts extends LitElement {
  static override properties = { run: { attribute: false } };

  declare run: RunJson | undefined;

  constructor() {
    super();
    this.run = undefined;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override updated(): void {
    noteRender("run-attempts", this.run?.id ?? "");
  }

  override render() {
    const run = this.run;
    if (!run) return nothing;
    if (run.attempts.length === 0) {
      return html`<p class="text-sm text-gray-500">No attempt yet.</p>`;
    }
    const attempts = [...run.attempts].reverse();
    return html`
      <ul class="space-y-2">
        ${repeat(attempts, (a) => a.id, (attempt) =>
          html`
            <li
              data-attempt=${attempt.id}
              data-outcome=${attempt.outcome ?? "live"}
              class="rounded-lg border border-gray-800 bg-gray-900/60 p-3 text-sm"
            >
              <div class="flex flex-wrap items-center gap-2">
                <span class="text-xs text-gray-500">#${attempt.number}</span>
                <span class="font-medium text-gray-100">${attempt
                  .step}${attempt.story
                  ? html`
                    · ${attempt.story}
                  `
                  : nothing}</span>
                <span
                  class="rounded-full px-2 py-0.5 text-[11px] font-medium ring-1 ${outcomeClass(
                    attempt.outcome,
                  )}"
                >${attempt.outcome ?? "live"}</span>
                <span class="text-xs text-gray-500">${attempt
                  .tokens} tokens · ${formatCost(
                    attempt.cost,
                  )}</span>
                <span class="flex-1"></span>
                ${attempt.session_id
                  ? html`
                    <a
                      href=${formatRoute({
                        kind: "session",
                        sessionId: attempt.session_id,
                      })}
                      data-attempt-session=${attempt.session_id}
                      class="inline-flex min-h-11 items-center rounded-md px-3 text-sm text-indigo-300 ring-1 ring-indigo-500/40 hover:bg-indigo-500/10"
                    >Open chat →</a>
                  `
                  : nothing}
              </div>
              ${attempt.detail
                ? html`<p class="mt-1 whitespace-pre-wrap text-xs text-gray-400">${attempt.detail}</p>`
                : nothing}
            </li>
          `)}
      </ul>
    `;
  }
}

customElements.define("run-attempts", RunAttempts);

declare global {
  interface HTMLElementTagNameMap {
    "run-attempts": RunAttempts;
  }
}
