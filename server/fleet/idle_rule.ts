/**
 * When an instance may hibernate, as a pure function of what is going on in
 * it and the time. An instance is idle when none of these holds and the
 * last one ended at least its idle timeout ago: a session busy (or retrying
 * a model call), a pending permission request or question, a lease (a live
 * workflow attempt, a request in flight), and any request to it (each
 * touches the last-activity time).
 *
 * @module
 */

/** What is going on in one instance (see `activity.ts`). */
export interface ActivitySnapshot {
  /** Clock time of the last activity (a request, or any of the below ending). */
  lastActiveAt: number;
  /** Sessions `busy` or `retry`. */
  busySessions: number;
  /** Permission requests waiting for an answer. */
  pendingPermissions: number;
  /** Questions waiting for an answer. */
  pendingQuestions: number;
  /** Holds that keep it awake (workflow attempts, requests in flight). */
  leases: number;
}

/** The idle rule's answer. */
export type IdleVerdict =
  /** Hibernation is off for it (timeout 0). */
  | { kind: "never" }
  /** Something is going on; ask again when it changes. */
  | { kind: "active"; why: string }
  /** Quiet, but not for long enough yet: ask again in `ms`. */
  | { kind: "wait"; ms: number }
  /** Quiet for its whole timeout: hibernate it. */
  | { kind: "idle"; quietMs: number };

/**
 * The verdict for one instance at `now`.
 *
 * @param timeoutS The instance's idle timeout in seconds (0: never).
 * @example
 * ```ts
 * idleVerdict(snapshot, 900, now);
 * // { kind: "wait", ms: 840_000 } one minute after the last request
 * ```
 */
export function idleVerdict(
  activity: ActivitySnapshot,
  timeoutS: number,
  now: number,
): IdleVerdict {
  if (timeoutS <= 0) return { kind: "never" };
  const why = activeReason(activity);
  if (why !== null) return { kind: "active", why };
  const quietMs = Math.max(0, now - activity.lastActiveAt);
  const timeoutMs = timeoutS * 1000;
  if (quietMs >= timeoutMs) return { kind: "idle", quietMs };
  return { kind: "wait", ms: timeoutMs - quietMs };
}

/** What keeps the instance awake right now, or null when nothing does. */
export function activeReason(activity: ActivitySnapshot): string | null {
  const parts: string[] = [];
  const count = (n: number, what: string) => {
    if (n > 0) parts.push(`${n} ${what}`);
  };
  count(activity.busySessions, "busy session(s)");
  count(activity.pendingPermissions, "pending permission request(s)");
  count(activity.pendingQuestions, "pending question(s)");
  count(activity.leases, "lease(s) (requests or workflow attempts)");
  return parts.length === 0 ? null : parts.join(", ");
}
