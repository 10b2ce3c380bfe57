/**
 * When to show a system notification, and the user's opt-in. Permission is
 * only ever requested from a user gesture (the bell button), never on load.
 *
 * @module
 */

/** What happened. */
export type NotificationKind = "finished" | "permission";

/** The state a decision depends on. */
export interface NotifyContext {
  /** The user switched notifications on (the bell). */
  enabled: boolean;
  /** `Notification.permission`, or `unsupported` without the API. */
  permission: NotificationPermission | "unsupported";
  /** `document.hidden`. */
  hidden: boolean;
}

/**
 * Whether to show a system notification: only when the user opted in, the
 * browser granted it, and the tab is hidden (a visible tab shows it inline).
 *
 * @param context Opt-in, permission and visibility.
 * @returns True to notify.
 */
export function shouldNotify(context: NotifyContext): boolean {
  return context.enabled && context.permission === "granted" &&
    context.hidden;
}

/** The localStorage key of the opt-in. */
export const NOTIFY_STORAGE_KEY = "flock.notifications";

/**
 * Reads the opt-in.
 *
 * @param storage `localStorage` or a stand-in.
 * @returns True when enabled.
 */
export function readNotifyOptIn(storage: Pick<Storage, "getItem">): boolean {
  try {
    return storage.getItem(NOTIFY_STORAGE_KEY) === "on";
  } catch {
    return false;
  }
}

/**
 * Writes the opt-in.
 *
 * @param storage `localStorage` or a stand-in.
 * @param enabled The new value.
 */
export function writeNotifyOptIn(
  storage: Pick<Storage, "setItem">,
  enabled: boolean,
): void {
  try {
    storage.setItem(NOTIFY_STORAGE_KEY, enabled ? "on" : "off");
  } catch {
    // storage may be unavailable (private mode); the opt-in is then per page
  }
}
