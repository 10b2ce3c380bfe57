/**
 * How statuses look: dot colours and labels for instances and sessions.
 * Tailwind scans this file, so class names must be written out in full.
 *
 * @module
 */
import type { InstanceStatus } from "../../server/contract/instances.ts";
import type { SessionStatus } from "../../server/contract/sessions.ts";
import type { OpenCodeRetryStatus } from "../../server/contract/opencode.ts";

const DOT: Record<InstanceStatus, string> = {
  running: "bg-emerald-400",
  starting: "bg-yellow-400 animate-pulse",
  stopping: "bg-amber-500 animate-pulse",
  stopped: "bg-gray-500",
  error: "bg-red-500",
  hibernating: "bg-sky-700 animate-pulse",
  hibernated: "bg-sky-800",
};

const LABEL: Record<InstanceStatus, string> = {
  running: "Running",
  starting: "Starting…",
  stopping: "Stopping…",
  stopped: "Stopped",
  error: "Error",
  hibernating: "Going to sleep…",
  hibernated: "Hibernated · wakes on use",
};

/**
 * The Tailwind classes of an instance's status dot: green running, yellow
 * starting, pulsing amber stopping, gray stopped, red error.
 *
 * @param status The instance status.
 * @returns Background (and animation) classes.
 */
export function instanceDotClass(status: InstanceStatus): string {
  return DOT[status] ?? DOT.stopped;
}

/**
 * A short human label for an instance status.
 *
 * @param status The instance status.
 * @returns E.g. `Running`, `Starting…`.
 */
export function instanceStatusLabel(status: InstanceStatus): string {
  return LABEL[status] ?? status;
}

/**
 * Whether a session is doing work (so the abort button shows).
 *
 * @param status The session status.
 * @returns True for `busy` and `retry`.
 */
export function isSessionWorking(status: SessionStatus): boolean {
  return status === "busy" || status === "retry";
}

/**
 * A label for a session status, with the retry attempt and next try time.
 *
 * @param status The session status.
 * @param retry The last `session.status` retry details, if any.
 * @param formatTime Formats an epoch-ms time (injected for tests).
 * @returns E.g. `Working…` or `Retrying (attempt 2) at 10:42:07`.
 */
export function sessionStatusLabel(
  status: SessionStatus,
  retry: OpenCodeRetryStatus | undefined,
  formatTime: (epochMs: number) => string,
): string {
  switch (status) {
    case "busy":
      return "Working…";
    case "retry": {
      const attempt = retry?.attempt ? ` (attempt ${retry.attempt})` : "";
      const next = retry?.next ? ` at ${formatTime(retry.next)}` : "";
      return `Retrying${attempt}${next}`;
    }
    case "error":
      return "Error";
    default:
      return "Idle";
  }
}
