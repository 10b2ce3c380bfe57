import { html, LitElement, nothing, type PropertyValues } from "lit";
import { repeat } from "lit/directives/repeat.js";
import { ContextConsumer } from "@lit/context";
import type { DiffScope } from "../../server/contract/worktrees.ts";
import { ApiError } from "../api/api_client.ts";
import { sessionDiff } from "../api/review_api.ts";
import { apiContext } from "../controllers/contexts.ts";
import { DiffRefreshController } from "../controllers/diff_refresher.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { diffTotals } from "../lib/changes_view.ts";
import { diffScopeToggle } from "../lib/diff_scope_toggle.ts";
import { noteRender } from "../lib/render_probe.ts";
import { isStale, NO_CHANGES } from "../lib/store/changes.ts";
import "./changes-actions.ts";
import "./diff-file.ts";

/** How long a burst of `session.changes` must be quiet before a read. */
const QUIET_MS = 300;

/** Errors that mean "this session has no changes to show", not a failure. */
const NOT_APPLICABLE = new Set(["not_a_git_repository", "no_directory"]);

const SCOPES: [DiffScope, string][] = [
  ["working", "Working tree"],
  ["branch", "Whole branch"],
];

/**
 * A session's changes: the changed files with their status and +/- counts
 * and each file's diff, for the working tree or (a worktree session) the
 * whole branch against its base, with the actions on them
 * (`changes-actions`). Reads `GET /api/sessions/{id}/diff` when opened and
 * again after each burst of `session.changes` (debounced, one read at a
 * time). Shows nothing for a session outside git.
 */
export class ChangesPanel extends LitElement {
  static override properties = {
    sessionId: { type: String, attribute: "session-id" },
    _open: { state: true },
  };

  /** The session whose changes are shown. */
  declare sessionId: string;
  declare _open: boolean;

  #view = new StoreSelection(this, (s) => ({
    session: s.sessions.byId.get(this.sessionId),
    changes: s.changes.get(this.sessionId) ?? NO_CHANGES,
  }));
  #api = new ContextConsumer(this, { context: apiContext });
  #refresher = new DiffRefreshController(this, () => this.#read());

  constructor() {
    super();
    this.sessionId = "";
    this._open = false;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("sessionId") && changed.get("sessionId") !== undefined) {
      this._open = false;
    }
  }

  protected override updated(): void {
    noteRender("changes-panel", this.sessionId);
    const { session, changes } = this.#view.value;
    if (session && isStale(changes) && !changes.loading) {
      this.#refresher.request(changes.diff === null ? 0 : QUIET_MS);
    }
  }

  async #read(): Promise<void> {
    const api = this.#api.value;
    const store = this.#view.store;
    const sessionId = this.sessionId;
    if (!api || !store || sessionId === "") return;
    const { revision, scope } = store.state.changes.get(sessionId) ??
      NO_CHANGES;
    store.dispatch({ kind: "diff-loading", sessionId, revision });
    try {
      const diff = await sessionDiff(api, sessionId, scope);
      store.dispatch({ kind: "diff-loaded", sessionId, revision, diff });
    } catch (error) {
      store.dispatch({
        kind: "diff-failed",
        sessionId,
        revision,
        scope,
        error: error instanceof ApiError
          ? { status: error.status, code: error.code, message: error.message }
          : { status: 0, code: "error", message: String(error) },
      });
    }
  }

  #choose(scope: DiffScope): void {
    this.#view.store?.dispatch({
      kind: "diff-scope-chosen",
      sessionId: this.sessionId,
      scope,
    });
  }

  #renderScopes() {
    const { changes } = this.#view.value;
    return diffScopeToggle(
      SCOPES,
      changes.scope,
      (scope) => this.#choose(scope),
    );
  }

  #renderBody(worktree: boolean) {
    const { changes } = this.#view.value;
    const files = changes.diff?.files ?? [];
    return html`
      <div class="mt-2 max-h-[55vh] space-y-2 overflow-y-auto">
        ${worktree ? this.#renderScopes() : nothing}
        <changes-actions class="block" session-id=${this
          .sessionId}></changes-actions>
        ${changes.error
          ? html`<p role="alert" data-diff-error class="text-xs text-red-300">
            Cannot read the changes (${changes.error.status}): ${changes.error.message}</p>`
          : nothing}
        ${changes.diff !== null && files.length === 0
          ? html`<p data-no-changes class="text-xs text-gray-400">${
            changes
                .scope === "branch"
              ? `No changes on the branch against ${
                changes.diff.base ?? "its base"
              }.`
              : "No uncommitted changes."
          }</p>`
          : nothing}
        ${repeat(
          files,
          (f) => f.file,
          (f) =>
            html`<diff-file class="block" session-id=${this.sessionId} .file=${f}></diff-file>`,
        )}
      </div>
    `;
  }

  override render() {
    const { session, changes } = this.#view.value;
    if (!session) return nothing;
    if (changes.error && NOT_APPLICABLE.has(changes.error.code)) return nothing;
    const totals = diffTotals(changes.diff?.files ?? []);
    const worktree = typeof session.branch === "string";
    return html`
      <details data-changes-panel .open=${this._open}
        class="rounded-lg border border-gray-800 bg-gray-950/40 px-3 py-2"
        @toggle=${(
          e: Event,
        ) => (this._open = (e.currentTarget as HTMLDetailsElement).open)}>
        <summary class="flex min-h-11 cursor-pointer items-center gap-2 text-xs text-gray-300">
          <span class="font-medium text-gray-200">Changes</span>
          ${changes.diff !== null
            ? html`<span data-changes-totals class="text-gray-400">${totals.files} file${
              totals.files === 1 ? "" : "s"
            }
              <span class="font-mono text-emerald-400">+${totals.additions}</span>
              <span class="font-mono text-red-400">−${totals.deletions}</span></span>`
            : nothing}
          ${changes.loading
            ? html`<span class="text-gray-400" aria-live="polite">updating…</span>`
            : nothing}
        </summary>
        ${this._open ? this.#renderBody(worktree) : nothing}
      </details>
    `;
  }
}

customElements.define("changes-panel", ChangesPanel);

declare global {
  interface HTMLElementTagNameMap {
    "changes-panel": ChangesPanel;
  }
}
