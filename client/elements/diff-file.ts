import { html, LitElement, nothing, type PropertyValues } from "lit";
import { unsafeHTML } from "lit/directives/unsafe-html.js";
import { ContextConsumer } from "@lit/context";
import type { DiffFileJson } from "../../server/contract/worktrees.ts";
import { ApiError } from "../api/api_client.ts";
import { commentOnDiff } from "../api/review_api.ts";
import { apiContext } from "../controllers/contexts.ts";
import {
  type CommentTarget,
  commentTarget,
  fileRow,
  refusalText,
} from "../lib/changes_view.ts";

type Renderer = typeof import("../lib/diff_renderer.ts");

let renderer: Renderer | undefined;
let loading: Promise<Renderer> | undefined;

/**
 * Loads the diff renderer (diff2html, a chunk of its own) once.
 *
 * @returns The renderer module.
 */
export function loadDiffRenderer(): Promise<Renderer> {
  loading ??= import("../lib/diff_renderer.ts").then((module) => {
    renderer = module;
    return module;
  });
  return loading;
}

function cellText(row: Element, selector: string): string {
  return row.querySelector(selector)?.textContent ?? "";
}

/**
 * One changed file: its status, +/- counts and unified diff (rendered by
 * diff2html, loaded on demand). Of a session's diff (`session-id` set),
 * click a line to comment on it: the file, the line, the quoted text and
 * the comment go to the agent as a message. Without a session (a run's
 * diff) it only shows.
 */
export class DiffFile extends LitElement {
  static override properties = {
    sessionId: { type: String, attribute: "session-id" },
    file: { attribute: false },
    _html: { state: true },
    _target: { state: true },
    _sending: { state: true },
    _feedback: { state: true },
    _error: { state: true },
  };

  /** The session the diff is of; empty for none (no comments). */
  declare sessionId: string;
  /** The file, as `GET /api/sessions/{id}/diff` (or a run's) gave it. */
  declare file: DiffFileJson | undefined;
  declare _html: string | null;
  declare _target: CommentTarget | null;
  declare _sending: boolean;
  declare _feedback: string | null;
  declare _error: string | null;

  #api = new ContextConsumer(this, { context: apiContext });

  constructor() {
    super();
    this.sessionId = "";
    this.file = undefined;
    this._html = null;
    this._target = null;
    this._sending = false;
    this._feedback = null;
    this._error = null;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has("file")) return;
    const patch = this.file?.patch ?? "";
    if (renderer) {
      this._html = renderer.diffHtml(patch);
      return;
    }
    void loadDiffRenderer().then((r) => {
      if ((this.file?.patch ?? "") === patch) this._html = r.diffHtml(patch);
    });
  }

  #pick(event: Event): void {
    const file = this.file;
    if (!file || !(event.target instanceof Element)) return;
    const row = event.target.closest("tr");
    if (!row || !event.currentTarget) return;
    const target = commentTarget(file.file, {
      oldNumber: cellText(row, ".line-num1"),
      newNumber: cellText(row, ".line-num2"),
      content: cellText(row, ".d2h-code-line-ctn"),
    });
    if (!target) return;
    for (const old of this.querySelectorAll("tr[data-selected]")) {
      old.removeAttribute("data-selected");
    }
    row.setAttribute("data-selected", "");
    this._target = target;
    this._feedback = null;
    this._error = null;
    void this.updateComplete.then(() =>
      this.querySelector<HTMLTextAreaElement>("textarea")?.focus()
    );
  }

  async #send(form: HTMLFormElement): Promise<void> {
    const api = this.#api.value;
    const target = this._target;
    const comment = String(new FormData(form).get("comment") ?? "").trim();
    if (!api || !target || this._sending) return;
    if (comment === "") {
      this._error = "Write a comment first.";
      return;
    }
    this._sending = true;
    this._error = null;
    try {
      await commentOnDiff(api, this.sessionId, {
        file: target.file,
        line: target.line,
        quote: target.quote,
        comment,
      });
      this._feedback =
        `Sent to the agent: line ${target.line} of ${target.file}`;
      this._target = null;
      this.querySelector("tr[data-selected]")?.removeAttribute(
        "data-selected",
      );
    } catch (error) {
      this._error = error instanceof ApiError
        ? refusalText("send the comment", error)
        : `Cannot send the comment: ${String(error)}`;
    } finally {
      this._sending = false;
    }
  }

  #renderForm(target: CommentTarget) {
    return html`
      <form data-comment-form
        class="space-y-2 border-t border-gray-800 bg-gray-900/60 p-3"
        @submit=${(e: SubmitEvent) => {
          e.preventDefault();
          void this.#send(e.currentTarget as HTMLFormElement);
        }}>
        <p class="text-xs text-gray-400">
          Comment on <span class="font-mono">${target.file}</span> line
          ${target.line}${target.side === "old" ? " (removed)" : ""}
        </p>
        ${target.quote.trim() !== ""
          ? html`
            <pre
              class="overflow-x-auto rounded bg-gray-950 px-2 py-1 font-mono text-xs text-gray-300">${target
                .quote}</pre>
          `
          : nothing}
        <textarea name="comment" rows="2" aria-label="Comment"
          class="w-full rounded-md border border-gray-700 bg-gray-950 px-2.5 py-1.5 text-sm text-gray-100 outline-none focus:border-indigo-500"
          placeholder="What should the agent change here?"
          @keydown=${(e: KeyboardEvent) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              (e.currentTarget as HTMLTextAreaElement).form?.requestSubmit();
            }
            if (e.key === "Escape") this._target = null;
          }}></textarea>
        <div class="flex justify-end gap-2">
          <button type="button"
            class="rounded-md px-2.5 py-1 text-xs text-gray-300 ring-1 ring-gray-700 hover:bg-gray-800"
            @click=${() => (this._target = null)}>Cancel</button>
          <button type="submit" data-send-comment ?disabled=${this._sending}
            class="rounded-md bg-indigo-500 px-2.5 py-1 text-xs font-medium text-white hover:bg-indigo-400 disabled:opacity-50">${this
                ._sending
              ? "Sending…"
              : "Send to the agent"}</button>
        </div>
      </form>
    `;
  }

  override render() {
    const file = this.file;
    if (!file) return nothing;
    const row = fileRow(file);
    return html`
      <details open data-diff-file=${row.file}
        class="overflow-hidden rounded-lg border border-gray-800">
        <summary
          class="flex min-h-11 cursor-pointer items-center gap-2 bg-gray-900 px-3 py-1.5 text-xs">
          <span data-file-status=${file.status} title=${row.label}
            class="w-4 font-mono font-bold text-amber-300">${row.letter}</span>
          <span class="min-w-0 flex-1 truncate font-mono text-gray-200">${row
            .name}</span>
          <span class="font-mono text-emerald-400">+${row.additions}</span>
          <span class="font-mono text-red-400">−${row.deletions}</span>
        </summary>
        ${row.note
          ? html`<p class="px-3 py-2 text-xs text-gray-400">${row.note}</p>`
          : nothing}
        ${this._html === null
          ? html`<p class="px-3 py-2 text-xs text-gray-400">Loading the diff…</p>`
          : this.sessionId === ""
          ? html`<div class="diff-view text-xs">${unsafeHTML(this._html)}</div>`
          : html`
            <div class="diff-view cursor-pointer text-xs"
              title="Click a line to comment on it"
              @click=${(e: Event) => this.#pick(e)}>${unsafeHTML(
                this._html,
              )}</div>
          `}
        ${this._target ? this.#renderForm(this._target) : nothing}
        ${this._feedback
          ? html`
            <p role="status" data-comment-sent
              class="px-3 py-1.5 text-xs text-emerald-300">${this._feedback}</p>
          `
          : nothing}
        ${this._error
          ? html`<p role="alert" class="px-3 py-1.5 text-xs text-red-300">${this._error}</p>`
          : nothing}
      </details>
    `;
  }
}

customElements.define("diff-file", DiffFile);

declare global {
  interface HTMLElementTagNameMap {
    "diff-file": DiffFile;
  }
}
