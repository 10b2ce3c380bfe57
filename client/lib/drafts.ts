/**
 * Unsent messages, per session, kept in the browser's storage so they
 * survive switching sessions, a reload and a closed tab. An empty draft is
 * removed, not stored.
 *
 * @module
 */

/** The storage key prefix; the session id follows. */
export const DRAFT_KEY_PREFIX = "flock.draft.";

/** The storage a draft lives in (`localStorage` or a stand-in). */
export type DraftStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

/**
 * A session's draft.
 *
 * @returns The text, or "" when there is none (or storage is unavailable).
 */
export function readDraft(storage: DraftStorage, sessionId: string): string {
  try {
    return storage.getItem(DRAFT_KEY_PREFIX + sessionId) ?? "";
  } catch {
    return "";
  }
}

/**
 * Saves a session's draft; an empty (or blank) one is removed.
 *
 * @param storage `localStorage` or a stand-in.
 * @param sessionId The session.
 * @param text What the user typed.
 */
export function writeDraft(
  storage: DraftStorage,
  sessionId: string,
  text: string,
): void {
  try {
    if (text.trim() === "") storage.removeItem(DRAFT_KEY_PREFIX + sessionId);
    else storage.setItem(DRAFT_KEY_PREFIX + sessionId, text);
  } catch {
    // storage may be full or unavailable: the draft then lives in the box only
  }
}
