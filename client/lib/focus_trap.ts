/**
 * Keeps Tab and Shift+Tab inside a modal dialog.
 *
 * @module
 */

const FOCUSABLE = [
  "a[href]",
  "button:not([disabled])",
  "input:not([disabled]):not([type=hidden])",
  "select:not([disabled])",
  "textarea:not([disabled])",
  "[tabindex]:not([tabindex='-1'])",
].join(",");

/**
 * The index that Tab (or Shift+Tab) should move to, wrapping at both ends.
 *
 * @param current The index of the focused element, or -1 when none is.
 * @param count How many focusable elements there are.
 * @param backwards True for Shift+Tab.
 * @returns The next index, or -1 when `count` is 0.
 */
export function nextFocusIndex(
  current: number,
  count: number,
  backwards: boolean,
): number {
  if (count <= 0) return -1;
  if (current < 0) return backwards ? count - 1 : 0;
  return (current + (backwards ? -1 : 1) + count) % count;
}

/**
 * Handles a keydown inside `container`: on Tab, moves focus to the next
 * focusable element inside it, wrapping around.
 *
 * @param event The keydown event.
 * @param container The dialog.
 */
export function trapFocus(event: KeyboardEvent, container: Element): void {
  if (event.key !== "Tab") return;
  const items = [...container.querySelectorAll<HTMLElement>(FOCUSABLE)]
    .filter((el) => el.getClientRects().length > 0);
  const active = document.activeElement;
  const index = items.findIndex((el) => el === active);
  const next = nextFocusIndex(index, items.length, event.shiftKey);
  event.preventDefault();
  items[next]?.focus();
}
