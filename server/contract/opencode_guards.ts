/**
 * Runtime checks for the OpenCode shapes Flock reads fields of, applied
 * where OpenCode's JSON enters Flock (REST answers and events). Each checks
 * the fields Flock's code reads; the rest is forwarded untouched.
 *
 * @module
 */
import type {
  OpenCodePermission,
  OpenCodeQuestion,
  OpenCodeSession,
  OpenCodeSessionStatus,
} from "./opencode.ts";

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

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

function isToolRef(value: unknown): boolean {
  return value === undefined ||
    (isRecord(value) && typeof value.messageID === "string" &&
      typeof value.callID === "string");
}

/**
 * Whether `value` is a pending permission request as far as Flock reads
 * it: `id`, `sessionID`, `permission`, `patterns`, `always`, `metadata`
 * and an optional `tool`.
 */
export function isOpenCodePermission(
  value: unknown,
): value is OpenCodePermission {
  return isRecord(value) && typeof value.id === "string" &&
    typeof value.sessionID === "string" &&
    typeof value.permission === "string" && isStringList(value.patterns) &&
    isStringList(value.always) && isRecord(value.metadata) &&
    isToolRef(value.tool);
}

function isQuestionInfo(value: unknown): boolean {
  return isRecord(value) && typeof value.question === "string" &&
    typeof value.header === "string" && Array.isArray(value.options) &&
    value.options.every((o: unknown) =>
      isRecord(o) && typeof o.label === "string"
    ) &&
    (value.multiple === undefined || typeof value.multiple === "boolean") &&
    (value.custom === undefined || typeof value.custom === "boolean");
}

/**
 * Whether `value` is a pending question request as far as Flock reads it:
 * `id`, `sessionID`, its `questions` (text, header, option labels, and
 * optional `multiple` / `custom` flags) and an optional `tool`.
 */
export function isOpenCodeQuestion(value: unknown): value is OpenCodeQuestion {
  return isRecord(value) && typeof value.id === "string" &&
    typeof value.sessionID === "string" && Array.isArray(value.questions) &&
    value.questions.every(isQuestionInfo) && isToolRef(value.tool);
}

/** Whether `value` is a list of permission requests (`GET /permission`). */
export function isOpenCodePermissionList(
  value: unknown,
): value is OpenCodePermission[] {
  return Array.isArray(value) && value.every(isOpenCodePermission);
}

/** Whether `value` is a list of questions (`GET /question`). */
export function isOpenCodeQuestionList(
  value: unknown,
): value is OpenCodeQuestion[] {
  return Array.isArray(value) && value.every(isOpenCodeQuestion);
}
