import { html, LitElement } from "lit";
import { dialogButtonClass } from "../lib/dialog_actions.ts";
import { trapFocus } from "../lib/focus_trap.ts";

/** What {@linkcode ConfirmDialog.ask} shows. */
export interface ConfirmOptions {
  title: string;
  message: string;
  confirmLabel: string;
  /** Styles the confirm button as destructive. */
  danger?: boolean;
}

/**
 * A modal yes/no question (native `<dialog>`: focus trapped, Esc cancels).
 * Use `await el.ask({...})`.
 */
export class ConfirmDialog extends LitElement {
  static override properties = { _options: { state: true } };

  declare _options: ConfirmOptions | null;
  #resolve: ((value: boolean) => void) | null = null;
  static #count = 0;
  /** Unique per element: several dialogs can be in the page at once. */
  readonly #id = `confirm-${++ConfirmDialog.#count}`;

  constructor() {
    super();
    this._options = null;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  /**
   * Opens the dialog.
   *
   * @param options Title, message and button label.
   * @returns True when the user confirmed.
   */
  async ask(options: ConfirmOptions): Promise<boolean> {
    this.#resolve?.(false);
    this._options = options;
    await this.updateComplete;
    const dialog = this.querySelector("dialog");
    if (!dialog) return false;
    if (!dialog.open) dialog.showModal();
    this.querySelector<HTMLButtonElement>("[data-cancel]")?.focus();
    return new Promise((resolve) => (this.#resolve = resolve));
  }

  #close(result: boolean): void {
    this.querySelector("dialog")?.close();
    const resolve = this.#resolve;
    this.#resolve = null;
    resolve?.(result);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#close(false);
  }

  override render() {
    const o = this._options;
    return html`
      <dialog
        aria-labelledby="${this.#id}-title"
        aria-describedby="${this.#id}-message"
        class="m-auto w-[calc(100%-2rem)] max-w-sm rounded-xl border border-gray-800 bg-gray-900 p-0 text-gray-100 shadow-2xl backdrop:bg-black/70"
        @cancel=${(e: Event) => {
          e.preventDefault();
          this.#close(false);
        }}
        @keydown=${(e: KeyboardEvent) =>
          trapFocus(e, e.currentTarget as HTMLElement)}
        @click=${(e: MouseEvent) => {
          if (e.target === e.currentTarget) this.#close(false);
        }}
      >
        <div class="p-5">
          <h2 id="${this
            .#id}-title" class="text-base font-semibold">${o?.title ??
            ""}</h2>
          <p id="${this.#id}-message"
            class="mt-2 text-sm text-gray-400">${o
              ?.message ?? ""}</p>
          <div class="mt-5 flex justify-end gap-2">
            <button
              type="button"
              data-cancel
              class=${dialogButtonClass("cancel")}
              @click=${() => this.#close(false)}
            >Cancel</button>
            <button
              type="button"
              data-confirm
              class=${dialogButtonClass(o?.danger ? "danger" : "primary")}
              @click=${() => this.#close(true)}
            >${o?.confirmLabel ?? "OK"}</button>
          </div>
        </div>
      </dialog>
    `;
  }
}

customElements.define("confirm-dialog", ConfirmDialog);

declare global {
  interface HTMLElementTagNameMap {
    "confirm-dialog": ConfirmDialog;
  }
}
