/**
 * Runtime checks for the OpenCode shapes Flock reads fields of, applied
 * where OpenCode's JSON enters Flock (REST answers and events). Each checks
 * the fields Flock's code reads; the rest is forwarded untouched.
 *
 * @module
 */
import type { OpenCodeSession, OpenCodeSessionStatus } from "./opencode.ts";

/** Whether `value` is a plain object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/**
 * Whether `value` is an OpenCode session as far as Flock reads it: `id`,
 * `title`, `time.created`, `time.updated` and an optional `parentID`.
 */
export function isOpenCodeSession(value: unknown): value is OpenCodeSession {
  return isRecord(value) && typeof value.id === "string" && value.id !== "" &&
    typeof value.title === "string" &&
    (value.parentID === undefined || typeof value.parentID === "string") &&
    isRecord(value.time) && isFiniteNumber(value.time.created) &&
    isFiniteNumber(value.time.updated);
}

/** Whether `value` is a session status (`idle`, `busy`, or `retry` with its details). */
export function isOpenCodeSessionStatus(
  value: unknown,
): value is OpenCodeSessionStatus {
  if (!isRecord(value)) return false;
  if (value.type === "idle" || value.type === "busy") return true;
  return value.type === "retry" && isFiniteNumber(value.attempt) &&
    typeof value.message === "string" && isFiniteNumber(value.next);
}

/** Whether `value` is a list of sessions (`GET /session`). */
export function isOpenCodeSessionList(
  value: unknown,
): value is OpenCodeSession[] {
  return Array.isArray(value) && value.every(isOpenCodeSession);
}

/** Whether `value` is a map of session statuses (`GET /session/status`). */
export function isOpenCodeStatusMap(
  value: unknown,
): value is Record<string, OpenCodeSessionStatus> {
  return isRecord(value) && Object.values(value).every(isOpenCodeSessionStatus);
}
