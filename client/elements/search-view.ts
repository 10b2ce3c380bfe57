import { html, LitElement, nothing, type PropertyValues } from "lit";
import { ContextConsumer } from "@lit/context";
import type {
  SearchJson,
  SnippetSegment,
} from "../../server/contract/search.ts";
import { apiContext } from "../controllers/contexts.ts";
import { formatRoute } from "../lib/routing.ts";

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function snippet(segments: readonly SnippetSegment[]) {
  return segments.map((s) =>
    s.hit
      ? html`<mark class="rounded bg-amber-300/25 px-0.5 text-amber-100">${s.text}</mark>`
      : s.text
  );
}

/**
 * Search across every session of every instance (`GET /api/search`), by
 * title and message text, stopped instances included. The query lives in
 * the route (`#/search?q=`); each result links to its session and shows
 * the matching snippets with the hits marked (plain text, never HTML).
 */
export class SearchView extends LitElement {
  static override properties = {
    query: { type: String },
    _result: { state: true },
    _error: { state: true },
    _busy: { state: true },
  };

  /** The words to look for (from the route). */
  declare query: string;
  declare _result: SearchJson | null;
  declare _error: string | null;
  declare _busy: boolean;

  #api = new ContextConsumer(this, { context: apiContext });
  #request = 0;
  #typing: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    super();
    this.query = "";
    this._result = null;
    this._error = null;
    this._busy = false;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.#typing);
  }

  protected override firstUpdated(): void {
    this.querySelector<HTMLInputElement>("input[type=search]")?.focus();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has("query")) void this.#search(this.query);
  }

  async #search(query: string): Promise<void> {
    const request = ++this.#request;
    const api = this.#api.value;
    if (query.trim() === "" || !api) {
      this._result = null;
      this._error = null;
      return;
    }
    this._busy = true;
    try {
      const result = await api.search(query, 30);
      if (request !== this.#request) return;
      this._result = result;
      this._error = null;
    } catch (error) {
      if (request !== this.#request) return;
      this._result = null;
      this._error = messageOf(error);
    } finally {
      if (request === this.#request) this._busy = false;
    }
  }

  #onInput(value: string): void {
    clearTimeout(this.#typing);
    this.#typing = setTimeout(() => {
      history.replaceState(
        null,
        "",
        formatRoute({ kind: "search", query: value }),
      );
      this.query = value;
    }, 250);
  }

  #renderResults() {
    const result = this._result;
    if (this._error) {
      return html`<p role="alert" class="text-sm text-red-300">${this._error}</p>`;
    }
    if (!result) return nothing;
    if (result.results.length === 0) {
      return html`
        <p class="text-sm text-gray-400"
          data-search-empty>Nothing matches “${result
            .query}”.</p>
      `;
    }
    return html`
      <ul class="flex flex-col gap-2" aria-label="Search results">
        ${result.results.map((r) =>
          html`
            <li>
              <a
                href=${formatRoute({
                  kind: "session",
                  sessionId: r.session.id,
                })}
                data-search-result=${r.session.id}
                class="block rounded-lg border border-gray-800 bg-gray-900/60 px-3 py-2 hover:border-indigo-500/60"
              >
                <p class="flex gap-2 text-sm">
                  <span class="min-w-0 flex-1 truncate font-medium text-gray-100">${r
                    .session.title || r.session.id}</span>
                  <span class="shrink-0 text-xs text-gray-400">${r
                    .instance_name}</span>
                </p>
                ${r.hits.map((h) =>
                  html`
                    <p data-hit=${h.kind}
                      class="mt-1 line-clamp-2 text-sm text-gray-300">${snippet(
                        h.snippet,
                      )}</p>
                  `
                )}
              </a>
            </li>
          `
        )}
      </ul>
    `;
  }

  override render() {
    return html`
      <div class="mx-auto h-full max-w-3xl overflow-y-auto p-4 md:p-6">
        <h1 class="mb-3 text-lg font-semibold text-gray-100">Search</h1>
        <input
          type="search"
          aria-label="Search sessions"
          placeholder="Words in titles and messages, every instance…"
          class="mb-4 w-full rounded-lg border border-gray-700 bg-gray-900 px-3 py-2 text-gray-100 placeholder:text-gray-400 focus:border-indigo-400 focus:outline-none"
          .value=${this.query}
          @input=${(e: Event) =>
            this.#onInput((e.currentTarget as HTMLInputElement).value)}
        />
        ${this._busy
          ? html`<p class="mb-2 text-xs text-gray-400" role="status">Searching…</p>`
          : nothing}
        ${this.#renderResults()}
      </div>
    `;
  }
}

customElements.define("search-view", SearchView);

declare global {
  interface HTMLElementTagNameMap {
    "search-view": SearchView;
  }
}
