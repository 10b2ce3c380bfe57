/**
 * Keeps the seen slice (`store/seen.ts`) in the browser's storage, so
 * unread markers survive a reload and a closed tab.
 *
 * Stored as one JSON value under {@linkcode SEEN_STORAGE_KEY}:
 * `{ "since": ISO, "sessions": { "<id>": ISO } }`, at most
 * {@linkcode MAX_SEEN_SESSIONS} sessions (the least recently seen go first).
 *
 * @module
 */
import { EMPTY_SEEN, type SeenState } from "./store/seen.ts";

/** The storage key. */
export const SEEN_STORAGE_KEY = "flock.seen.v1";

/** The most sessions remembered. */
export const MAX_SEEN_SESSIONS = 2000;

function isIso(value: unknown): value is string {
  return typeof value === "string" && value !== "" &&
    !Number.isNaN(Date.parse(value));
}

/**
 * Reads the seen state; starts tracking now when there is none (or it is
 * unreadable), so a new browser shows nothing as unread until something
 * finishes after that.
 *
 * @param storage `localStorage` or a stand-in.
 * @param now The current time (ISO), used as `since` on the first run.
 * @returns The state to restore.
 */
export function readSeen(
  storage: Pick<Storage, "getItem">,
  now: string,
): SeenState {
  let raw: string | null = null;
  try {
    raw = storage.getItem(SEEN_STORAGE_KEY);
  } catch {
    raw = null; // storage may be unavailable (private mode)
  }
  if (raw === null) return { since: now, bySession: new Map() };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { since: now, bySession: new Map() };
  }
  if (typeof value !== "object" || value === null) {
    return { since: now, bySession: new Map() };
  }
  const since: unknown = Reflect.get(value, "since");
  const sessions: unknown = Reflect.get(value, "sessions");
  const bySession = new Map<string, string>();
  if (typeof sessions === "object" && sessions !== null) {
    for (const [id, at] of Object.entries(sessions)) {
      if (isIso(at)) bySession.set(id, at);
    }
  }
  return { since: isIso(since) ? since : now, bySession };
}

/**
 * Writes the seen state, keeping the {@linkcode MAX_SEEN_SESSIONS} most
 * recently seen sessions.
 *
 * @param storage `localStorage` or a stand-in.
 * @param seen The state.
 */
export function writeSeen(
  storage: Pick<Storage, "setItem">,
  seen: SeenState,
): void {
  if (seen === EMPTY_SEEN || seen.since === "") return;
  const entries = [...seen.bySession].sort((a, b) =>
    a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0
  ).slice(0, MAX_SEEN_SESSIONS);
  try {
    storage.setItem(
      SEEN_STORAGE_KEY,
      JSON.stringify({
        since: seen.since,
        sessions: Object.fromEntries(entries),
      }),
    );
  } catch {
    // storage may be full or unavailable; unread markers are then per page
  }
}
