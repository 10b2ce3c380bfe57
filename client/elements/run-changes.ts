import { html, LitElement, nothing, type PropertyValues } from "lit";
import { repeat } from "lit/directives/repeat.js";
import { ContextConsumer } from "@lit/context";
import type { RunJson } from "../../server/contract/workflows.ts";
import type {
  DiffScope,
  RunDiffJson,
} from "../../server/contract/worktrees.ts";
import { ApiError } from "../api/api_client.ts";
import { mergeRun, removeRunWorktree, runDiff } from "../api/review_api.ts";
import { apiContext } from "../controllers/contexts.ts";
import { DiffRefreshController } from "../controllers/diff_refresher.ts";
import { diffTotals, refusalText } from "../lib/changes_view.ts";
import {
  mergedText,
  removedText,
  worktreeOutcome,
} from "../lib/run_changes_view.ts";
import type { ConfirmDialog } from "./confirm-dialog.ts";
import "./confirm-dialog.ts";
import "./diff-file.ts";
import { diffScopeToggle } from "../lib/diff_scope_toggle.ts";

/** How long a run must be quiet after a change before its diff is read again. */
const QUIET_MS = 300;

const SCOPES: [DiffScope, string][] = [
  ["branch", "Whole branch"],
  ["working", "Uncommitted"],
];

const BUTTON =
  "min-h-11 rounded-md px-4 text-sm font-medium ring-1 disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-300";

function failure(label: string, error: unknown): string {
  return error instanceof ApiError
    ? refusalText(label, error)
    : `Cannot ${label}: ${String(error)}`;
}

/**
 * A run's changes in its own worktree, on its page: the files its branch
 * changed against its base (or what is uncommitted in the worktree), each
 * with its diff (`diff-file`, read-only), read when opened and again when
 * the run changes (each finished attempt's work is committed on the
 * branch); Merge into the base, which then removes the worktree and
 * branch; and Remove worktree (asked again, then forced, when it has work
 * to lose). A refusal shows the server's reason, naming the files of a
 * conflict or of uncommitted changes, or that the run is still running.
 * Once merged or removed it says what became of it.
 */
export class RunChanges extends LitElement {
  static override properties = {
    run: { attribute: false },
    _open: { state: true },
    _scope: { state: true },
    _diff: { state: true },
    _loading: { state: true },
    _diffError: { state: true },
    _busy: { state: true },
    _feedback: { state: true },
    _error: { state: true },
  };

  /** The run shown (its page's). */
  declare run: RunJson | undefined;
  declare _open: boolean;
  declare _scope: DiffScope;
  declare _diff: RunDiffJson | null;
  declare _loading: boolean;
  declare _diffError: string | null;
  declare _busy: "merge" | "remove" | null;
  declare _feedback: string | null;
  declare _error: string | null;

  #api = new ContextConsumer(this, { context: apiContext });
  #refresher = new DiffRefreshController(this, () => this.#read());

  constructor() {
    super();
    this.run = undefined;
    this.#reset();
  }

  #reset(): void {
    this._open = false;
    this._scope = "branch";
    this._diff = null;
    this._loading = false;
    this._diffError = null;
    this._busy = null;
    this._feedback = null;
    this._error = null;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const before = changed.get("run");
    if (changed.has("run") && before && before.id !== this.run?.id) {
      this.#reset();
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (!this._open || !this.#reviewable()) return;
    const before = changed.get("run");
    if (changed.has("_open") || changed.has("_scope")) {
      this.#refresher.request(0);
    } else if (
      changed.has("run") && before !== undefined &&
      before.updated_at !== this.run?.updated_at
    ) {
      this.#refresher.request(QUIET_MS);
    }
  }

  /** Whether the run has a worktree Flock has not removed. */
  #reviewable(): boolean {
    const worktree = this.run?.worktree;
    return worktree !== undefined && worktree !== null &&
      worktree.removed === null;
  }

  async #read(): Promise<void> {
    const api = this.#api.value;
    const run = this.run;
    if (!api || !run || !this.#reviewable()) return;
    const scope = this._scope;
    this._loading = true;
    try {
      const diff = await runDiff(api, run.id, scope);
      if (this.run?.id !== run.id) return;
      if (this._scope !== scope) {
        this.#refresher.request(0);
        return;
      }
      this._diff = diff;
      this._diffError = null;
    } catch (error) {
      if (this.run?.id === run.id) {
        this._diffError = failure("read the changes", error);
      }
    } finally {
      this._loading = false;
    }
  }

  async #act(
    busy: "merge" | "remove",
    work: (runId: string) => Promise<string | null>,
  ): Promise<void> {
    const run = this.run;
    if (!run || this._busy) return;
    this._busy = busy;
    this._feedback = null;
    this._error = null;
    try {
      const said = await work(run.id);
      if (said !== null) this._feedback = said;
    } catch (error) {
      this._error = failure(
        busy === "merge" ? "merge" : "remove the worktree",
        error,
      );
    } finally {
      this._busy = null;
    }
  }

  #merge(): Promise<void> {
    return this.#act("merge", async (runId) => {
      const api = this.#api.value;
      if (!api) throw new Error("no connection to Flock");
      return mergedText(await mergeRun(api, runId));
    });
  }

  #remove(): Promise<void> {
    return this.#act("remove", async (runId) => {
      const api = this.#api.value;
      if (!api) throw new Error("no connection to Flock");
      try {
        return removedText(await removeRunWorktree(api, runId));
      } catch (error) {
        const lose = error instanceof ApiError && error.status === 409 &&
          (error.code === "uncommitted_changes" ||
            error.code === "unmerged_work");
        if (!lose) throw error;
        const ok = await this.querySelector<ConfirmDialog>("confirm-dialog")
          ?.ask({
            title: "Remove the worktree anyway?",
            message: `${error.message}${
              error.files.length > 0 ? ` (${error.files.join(", ")})` : ""
            }. Removing it loses its uncommitted files; an unmerged branch is kept.`,
            confirmLabel: "Remove anyway",
            danger: true,
          });
        if (!ok) return null;
        return removedText(await removeRunWorktree(api, runId, true));
      }
    });
  }

  #renderMessages() {
    return html`
      ${this._feedback
        ? html`
          <p role="status" data-run-changes-feedback
            class="text-sm text-emerald-300">${this._feedback}</p>
        `
        : nothing}
      ${this._error
        ? html`
          <p role="alert" data-run-changes-error
            class="break-words text-sm text-red-300">${this._error}</p>
        `
        : nothing}
    `;
  }

  #renderBody(run: RunJson) {
    const worktree = run.worktree!;
    const files = this._diff?.files ?? [];
    return html`
      <div class="mt-2 space-y-2">
        <div class="flex flex-wrap items-center gap-2">
          ${diffScopeToggle(
            SCOPES,
            this._scope,
            (scope) => (this._scope = scope),
          )}
          <span class="flex-1"></span>
          <button type="button" data-run-remove-worktree
            ?disabled=${this._busy !== null}
            class="${BUTTON} text-gray-300 ring-gray-700 hover:bg-gray-800"
            @click=${() => void this.#remove()}>${this._busy === "remove"
              ? "Removing…"
              : "Remove worktree"}</button>
          <button type="button" data-run-merge ?disabled=${this._busy !== null}
            title="Merge ${worktree.branch} into ${worktree
              .base}, then remove its worktree"
            class="${BUTTON} bg-indigo-500 text-white ring-indigo-400 hover:bg-indigo-400"
            @click=${() => void this.#merge()}>${this._busy === "merge"
              ? "Merging…"
              : `Merge into ${worktree.base}`}</button>
        </div>
        ${this.#renderMessages()}
        ${this._diffError
          ? html`<p role="alert" data-diff-error class="text-sm text-red-300">${this._diffError}</p>`
          : nothing}
        ${this._diff !== null && files.length === 0
          ? html`<p data-no-changes class="text-sm text-gray-400">${
            this
                ._scope === "branch"
              ? `No changes on ${worktree.branch} against ${worktree.base}.`
              : "Nothing uncommitted in its worktree."
          }</p>`
          : nothing}
        ${repeat(
          files,
          (f) => f.file,
          (f) => html`<diff-file class="block" .file=${f}></diff-file>`,
        )}
      </div>
    `;
  }

  override render() {
    const run = this.run;
    const worktree = run?.worktree;
    if (!run || !worktree) return nothing;
    const outcome = worktreeOutcome(worktree);
    if (worktree.removed !== null) {
      return html`
        <section data-run-changes aria-labelledby="run-changes-title"
          class="mt-6">
          <h2 id="run-changes-title"
            class="mb-2 text-sm font-semibold text-gray-300">Changes</h2>
          ${this._feedback ? nothing : html`
            <p data-run-worktree-outcome
              class="text-sm text-gray-300">${outcome}</p>
          `}
          ${this.#renderMessages()}
        </section>
      `;
    }
    const totals = diffTotals(this._diff?.files ?? []);
    return html`
      <details data-run-changes class="mt-6" .open=${this._open}
        @toggle=${(
          e: Event,
        ) => (this._open = (e.currentTarget as HTMLDetailsElement).open)}>
        <summary class="min-h-11 cursor-pointer py-2 text-sm font-semibold text-gray-300">
          Changes
          ${this._diff !== null
            ? html`<span data-run-changes-totals class="font-normal text-gray-400">
              ${totals.files} file${totals.files === 1 ? "" : "s"}
              <span class="font-mono text-emerald-400">+${totals.additions}</span>
              <span class="font-mono text-red-400">−${totals.deletions}</span></span>`
            : nothing}
          ${this._loading
            ? html`<span class="font-normal text-gray-400" aria-live="polite">updating…</span>`
            : nothing}
        </summary>
        ${outcome === null
          ? nothing
          : html`<p data-run-worktree-outcome class="text-sm text-gray-300">${outcome}</p>`}
        ${this._open ? this.#renderBody(run) : nothing}
      </details>
      <confirm-dialog></confirm-dialog>
    `;
  }
}

customElements.define("run-changes", RunChanges);

declare global {
  interface HTMLElementTagNameMap {
    "run-changes": RunChanges;
  }
}
