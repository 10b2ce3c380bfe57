/**
 * The client's only console access (lint forbids `console` elsewhere).
 *
 * @module
 */

/**
 * Logs an unexpected error to the browser console.
 *
 * @param message What failed.
 * @param error The cause.
 */
export function logError(message: string, error?: unknown): void {
  // deno-lint-ignore no-console
  console.error(`[flock] ${message}`, error);
}
