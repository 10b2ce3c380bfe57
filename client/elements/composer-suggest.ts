import { html, LitElement, nothing } from "lit";
import { ContextConsumer } from "@lit/context";
import type { CommandJson } from "../../server/contract/catalog.ts";
import { apiContext } from "../controllers/contexts.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import {
  type ActiveToken,
  activeToken,
  complete,
} from "../lib/composer_tokens.ts";

interface Suggestion {
  value: string;
  detail: string;
}

/**
 * Autocomplete for the composer's textarea (`target`): `@` lists project
 * files from `GET …/files?q=`, a leading `/` the instance's commands. Arrow
 * keys move, Enter or Tab takes the highlighted entry, Escape closes.
 */
export class ComposerSuggest extends LitElement {
  static override properties = {
    instanceId: { type: String, attribute: "instance-id" },
    target: { attribute: false },
    _items: { state: true },
    _active: { state: true },
  };

  /** The instance whose files and commands to offer. */
  declare instanceId: string;
  /** The textarea to complete in. */
  declare target: HTMLTextAreaElement | undefined;
  declare _items: readonly Suggestion[];
  declare _active: number;

  #view = new StoreSelection(
    this,
    (s) => s.driving.catalogs.get(this.instanceId)?.commands,
  );
  #api = new ContextConsumer(this, { context: apiContext });
  #bound: HTMLTextAreaElement | undefined;
  #token: ActiveToken | undefined;
  #request = 0;

  constructor() {
    super();
    this.instanceId = "";
    this.target = undefined;
    this._items = [];
    this._active = 0;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#bind(undefined);
  }

  protected override updated(): void {
    if (this.target !== this.#bound) this.#bind(this.target);
  }

  /** Whether the list is open (the composer then leaves Enter to it). */
  get open(): boolean {
    return this._items.length > 0;
  }

  #bind(target: HTMLTextAreaElement | undefined): void {
    this.#bound?.removeEventListener("input", this.#onInput);
    this.#bound?.removeEventListener("keydown", this.#onKeydown, true);
    this.#bound?.removeEventListener("blur", this.#onBlur);
    this.#bound = target;
    target?.addEventListener("input", this.#onInput);
    target?.addEventListener("keydown", this.#onKeydown, true);
    target?.addEventListener("blur", this.#onBlur);
  }

  #onBlur = (): void => {
    setTimeout(() => this.#close(), 150);
  };

  #close(): void {
    this.#request++;
    this.#token = undefined;
    this._items = [];
  }

  #onInput = (): void => {
    const target = this.#bound;
    if (!target) return;
    const token = activeToken(target.value, target.selectionStart ?? 0);
    this.#token = token;
    if (!token) return this.#close();
    const request = ++this.#request;
    if (token.kind === "command") {
      this.#show(request, this.#commands(token.query));
      return;
    }
    const api = this.#api.value;
    if (!api) return;
    api.findFiles(this.instanceId, token.query, 10).then(
      (paths) =>
        this.#show(request, paths.map((p) => ({ value: p, detail: "" }))),
      () => this.#show(request, []),
    );
  };

  #commands(query: string): Suggestion[] {
    const commands: readonly CommandJson[] = this.#view.value ?? [];
    return commands
      .filter((c) => c.name.toLowerCase().startsWith(query.toLowerCase()))
      .slice(0, 10)
      .map((c) => ({ value: c.name, detail: c.description ?? "" }));
  }

  #show(request: number, items: Suggestion[]): void {
    if (request !== this.#request) return;
    this._items = items;
    this._active = 0;
  }

  #take(index: number): void {
    const target = this.#bound;
    const token = this.#token;
    const item = this._items[index];
    if (!target || !token || !item) return;
    const next = complete(target.value, token, item.value);
    target.value = next.text;
    target.setSelectionRange(next.caret, next.caret);
    target.dispatchEvent(new Event("input", { bubbles: true }));
    this.#close();
    target.focus();
  }

  #onKeydown = (event: KeyboardEvent): void => {
    if (!this.open) return;
    const count = this._items.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      this._active = (this._active + step + count) % count;
    } else if (
      (event.key === "Enter" && !event.ctrlKey && !event.metaKey) ||
      event.key === "Tab"
    ) {
      event.preventDefault();
      event.stopImmediatePropagation();
      this.#take(this._active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopImmediatePropagation();
      this.#close();
    }
  };

  override render() {
    if (this._items.length === 0) return nothing;
    return html`
      <ul
        role="listbox"
        aria-label=${this.#token?.kind === "command" ? "Commands" : "Files"}
        data-suggest=${this.#token?.kind ?? ""}
        class="mb-1.5 max-h-60 overflow-y-auto rounded-lg border border-gray-700 bg-gray-900 py-1 text-sm shadow-lg"
      >
        ${this._items.map((item, i) =>
          html`
            <li
              role="option"
              aria-selected=${i === this._active ? "true" : "false"}
              data-suggestion=${item.value}
              class="flex min-h-11 cursor-pointer items-center gap-2 px-3 md:min-h-8 ${i ===
                  this._active
                ? "bg-indigo-500/20 text-white"
                : "text-gray-200"}"
              @mousedown=${(e: Event) => {
                e.preventDefault();
                this.#take(i);
              }}
            >
              <span class="truncate font-mono">${this.#token?.kind ===
                  "command"
                ? "/"
                : "@"}${item.value}</span>
              ${item.detail
                ? html`<span class="truncate text-xs text-gray-400">${item.detail}</span>`
                : nothing}
            </li>
          `
        )}
      </ul>
    `;
  }
}

customElements.define("composer-suggest", ComposerSuggest);

declare global {
  interface HTMLElementTagNameMap {
    "composer-suggest": ComposerSuggest;
  }
}
