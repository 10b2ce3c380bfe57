/**
 * The title row of a modal: its heading (which the `<dialog>` names with
 * `aria-labelledby`) and a "Close dialog" ✕ button. Tailwind scans this
 * file, so class names must be written out in full.
 *
 * @module
 */
import { html, type TemplateResult } from "lit";
import { icon } from "./icons.ts";

/** What {@link dialogHeader} renders. */
export interface DialogHeaderOptions {
  /** The heading's id, for the dialog's `aria-labelledby`. */
  id: string;
  /** The heading (text or a template). */
  title: string | TemplateResult;
  /** What the ✕ button does (closes the dialog). */
  onClose: () => void;
  /**
   * `bar`: a bordered bar of its own above the dialog's sections, with a
   * compact ✕; `touch` (the default): a row inside the padded form, with a
   * 44 px ✕.
   */
  layout?: "touch" | "bar";
}

/**
 * The title row of a dialog.
 *
 * @param options The heading's id and text, the close action and the layout.
 * @returns The row.
 */
export function dialogHeader(options: DialogHeaderOptions): TemplateResult {
  const bar = options.layout === "bar";
  return html`
    <div class=${bar
      ? "flex items-center gap-3 border-b border-gray-800 px-5 py-3.5"
      : "flex items-center"}>
      <h2 id=${options.id}
        class="flex-1 truncate text-base font-semibold">${options
          .title}</h2>
      <button
        type="button"
        class="grid ${bar
          ? "size-8"
          : "size-11"} place-items-center rounded-md text-gray-400 hover:bg-gray-800 hover:text-gray-100 focus-visible:outline-2 focus-visible:outline-indigo-400"
        aria-label="Close dialog"
        @click=${() => options.onClose()}
      >${icon("x")}</button>
    </div>
  `;
}
