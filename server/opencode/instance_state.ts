/**
 * The instance lifecycle as data: one pure transition function.
 *
 * ```
 *            start                 ready
 * stopped ─────────► starting ─────────────► running
 * error   ─────────►    │  fail                 │ fail
 * hibernated ──────►    ▼                       ▼
 *                     error ◄───────────────────┘
 * starting | running | error | hibernated ──stop──► stopping ──stopped──► stopped
 * running ──hibernate──► hibernating ──hibernated──► hibernated
 * stopping ──hibernated──► hibernated   (a shutdown: it wakes on use later)
 * ```
 *
 * A restart after a crash is `fail` (→ error) then `start` (→ starting). A
 * wake is `start` from `hibernated`.
 *
 * @module
 */
import type { InstanceStatus } from "../contract/instances.ts";

/** What can happen to an instance. */
export type InstanceInput =
  /** A (re)start begins: a child is about to be spawned. */
  | "start"
  /** The child printed its listening line and answered the health check. */
  | "ready"
  /** The child could not start, exited unexpectedly or stopped answering. */
  | "fail"
  /** An intentional stop begins. */
  | "stop"
  /** The intentional stop finished: no process of the instance remains. */
  | "stopped"
  /** Idle for its timeout: its child is about to be stopped to save memory. */
  | "hibernate"
  /** The hibernation finished: no process of the instance remains. */
  | "hibernated";

const TRANSITIONS: Record<
  InstanceStatus,
  Partial<Record<InstanceInput, InstanceStatus>>
> = {
  starting: { ready: "running", fail: "error", stop: "stopping" },
  running: { fail: "error", stop: "stopping", hibernate: "hibernating" },
  stopping: { stopped: "stopped", hibernated: "hibernated" },
  stopped: { start: "starting" },
  error: { start: "starting", stop: "stopping" },
  hibernating: { hibernated: "hibernated" },
  hibernated: { start: "starting", stop: "stopping" },
};

/**
 * The state after `input`, or `null` when the input is not allowed in
 * `state` (the caller ignores it and keeps the current state).
 *
 * @example
 * ```ts
 * nextState("starting", "ready"); // "running"
 * nextState("stopped", "ready"); // null
 * ```
 */
export function nextState(
  state: InstanceStatus,
  input: InstanceInput,
): InstanceStatus | null {
  return TRANSITIONS[state][input] ?? null;
}

/** Whether a child process may exist in this state. */
export function isActive(state: InstanceStatus): boolean {
  return state === "starting" || state === "running" ||
    state === "stopping" || state === "hibernating";
}
