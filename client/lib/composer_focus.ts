/**
 * A one-shot request to focus the composer of a session about to open
 * (after the user made a new session or a new instance), so typing can
 * start at once. Opening an existing session does not focus the composer
 * (on a phone that would pop up the keyboard).
 *
 * @module
 */

let wanted: string | undefined;

/**
 * Asks the composer of `sessionId` to take focus when it renders.
 *
 * @param sessionId The session about to open.
 */
export function requestComposerFocus(sessionId: string): void {
  wanted = sessionId;
}

/**
 * Whether the composer of `sessionId` should take focus now; the request is
 * used up.
 *
 * @param sessionId The session whose composer renders.
 * @returns True once after {@linkcode requestComposerFocus} for it.
 */
export function takeComposerFocus(sessionId: string): boolean {
  if (wanted !== sessionId) return false;
  wanted = undefined;
  return true;
}
