/**
 * The buttons at the foot of a modal: Cancel (or Close) and the submit
 * button, which is disabled and says what it is doing while its request
 * runs. One template for every dialog, so they look and behave alike.
 * Tailwind scans this file, so class names must be written out in full.
 *
 * @module
 */
import { html, type TemplateResult } from "lit";

/** `touch` is 44 px tall (the big dialogs); `compact` fits a footer bar. */
export type DialogButtonSize = "touch" | "compact";

/** What a dialog button does: dismiss, go ahead, or go ahead destructively. */
export type DialogButtonKind = "cancel" | "primary" | "danger";

const SIZE: Record<DialogButtonSize, string> = {
  touch: "min-h-11 rounded-md px-4 text-sm",
  compact: "rounded-md px-3 py-1.5 text-sm",
};

const KIND: Record<DialogButtonKind, string> = {
  cancel:
    "text-gray-300 ring-1 ring-gray-700 hover:bg-gray-800 focus-visible:outline-2 focus-visible:outline-indigo-400",
  primary:
    "bg-indigo-500 font-medium text-white hover:bg-indigo-400 disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-300",
  danger:
    "bg-red-600 font-medium text-white hover:bg-red-500 disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-300",
};

/**
 * The Tailwind classes of a dialog's button.
 *
 * @param kind Cancel (outlined), primary (indigo) or danger (red).
 * @param size Touch-sized or compact.
 * @returns The class list.
 */
export function dialogButtonClass(
  kind: DialogButtonKind,
  size: DialogButtonSize = "compact",
): string {
  return `${SIZE[size]} ${KIND[kind]}`;
}

/** What {@link dialogActions} renders. */
export interface DialogActionsOptions {
  /** The submit button's label (e.g. "Install"). */
  submitLabel: string;
  /** Its label while the request runs (e.g. "Installing…"). */
  busyLabel: string;
  /** Whether the request runs: the submit button is then disabled. */
  busy: boolean;
  /** What the Cancel button does (usually closes the dialog). */
  onCancel: () => void;
  /** The Cancel button's label; "Cancel" unless given. */
  cancelLabel?: string;
  /** The buttons' size; compact unless given. */
  size?: DialogButtonSize;
  /**
   * The data attribute marking the submit button (browser tests find it by
   * it): `data-submit` unless given.
   */
  marker?: "submit" | "create-session";
}

/**
 * Cancel and the submit button of a dialog's form, for the caller to place
 * in its footer row. The submit button is `type="submit"`: the form's
 * submit handler does the work (and ignores a second submit while busy).
 *
 * @param options Labels, the busy state, the Cancel action and the size.
 * @returns The two buttons.
 */
export function dialogActions(options: DialogActionsOptions): TemplateResult {
  const size = options.size ?? "compact";
  const marker = options.marker ?? "submit";
  return html`
    <button
      type="button"
      class=${dialogButtonClass("cancel", size)}
      @click=${() => options.onCancel()}
    >${options.cancelLabel ?? "Cancel"}</button>
    <button
      type="submit"
      ?data-submit=${marker === "submit"}
      ?data-create-session=${marker === "create-session"}
      ?disabled=${options.busy}
      class=${dialogButtonClass("primary", size)}
    >${options.busy ? options.busyLabel : options.submitLabel}</button>
  `;
}
