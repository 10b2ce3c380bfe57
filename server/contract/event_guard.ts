/**
 * The boundary check for events: JSON that enters Flock from a child's
 * `GET /event`, or a page from Flock's SSE stream, becomes a typed event
 * here and nowhere else (no casts elsewhere).
 *
 * The envelope (`type` a string, `properties` an object, `id` a string when
 * present; OpenCode's events always carry their `evt_…` id) is always
 * checked. For the types whose fields Flock reads, those
 * fields are checked too; a known type that fails its check is `invalid`
 * (the caller logs and drops it), so everything typed as a known event
 * really has the fields its type promises to Flock's code. Any event with a
 * `sessionID` property must have it as a string.
 *
 * @module
 */
import { isFlockEventType, isOpenCodeEventType } from "./event_types.ts";
import type {
  FlockEvent,
  FlockEventType,
  UnknownFlockEvent,
} from "./events.ts";
import { INSTANCE_KINDS, INSTANCE_STATUSES } from "./instances.ts";
import { RUN_STATUSES } from "./workflows.ts";
import type { OpenCodeEvent } from "./opencode.ts";
import {
  isOpenCodePermission,
  isOpenCodeQuestion,
  isOpenCodeSession,
  isOpenCodeSessionStatus,
  isRecord,
} from "./opencode_guards.ts";

/** An event envelope whose type is not known (forwarded, then ignored). */
export interface UnknownOpenCodeEvent {
  id?: string;
  type: string;
  properties: Record<string, unknown>;
}

/** The outcome of reading one event. */
export type EventReading<Known, Unknown> =
  | { kind: "known"; event: Known }
  | { kind: "unknown"; event: Unknown }
  | { kind: "invalid"; reason: string };

type Props = Record<string, unknown>;

function isString(value: unknown): value is string {
  return typeof value === "string";
}

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function strings(p: Props, ...keys: string[]): boolean {
  return keys.every((key) => isString(p[key]));
}

function isStringArray(value: unknown): boolean {
  return Array.isArray(value) && value.every(isString);
}

function isSessionJson(value: unknown): boolean {
  return isRecord(value) &&
    strings(value, "id", "instance_id", "title", "created_at", "updated_at") &&
    ["idle", "busy", "retry", "error"].includes(String(value.status));
}

function isInstanceJson(value: unknown): boolean {
  return isRecord(value) && strings(value, "id", "name", "working_directory") &&
    INSTANCE_STATUSES.some((status) => status === value.status) &&
    INSTANCE_KINDS.some((kind) => kind === value.kind);
}

const sessionEvent = (p: Props) => isOpenCodeSession(p.info);

function isQueueItem(value: unknown): boolean {
  return isRecord(value) &&
    strings(value, "id", "session_id", "instance_id", "text", "status");
}

function isMark(value: unknown): boolean {
  return isRecord(value) &&
    strings(value, "kind", "session_id", "message_id", "reason");
}

function everyOf(value: unknown, check: (item: unknown) => boolean): boolean {
  return Array.isArray(value) && value.every(check);
}

const tagged = (check: (value: unknown) => boolean) => (value: unknown) =>
  check(value) && isRecord(value) && isString(value.instance_id);
function isRunSummary(value: unknown): boolean {
  return isRecord(value) &&
    strings(value, "id", "workflow", "instance_id", "task") &&
    isNumber(value.run_number) &&
    RUN_STATUSES.some((status) => status === value.status);
}

const inRun = (p: Props, key: string, check: (v: unknown) => boolean) =>
  isString(p.run_id) && check(p[key]);

const hasIdAndStatus = (value: unknown) =>
  isRecord(value) && strings(value, "id", "status");

/**
 * Checks of the fields Flock's code reads, per event type. A new event of
 * Flock's own whose fields the page reads gets its check here.
 */
const PAYLOAD_CHECKS: {
  readonly [T in FlockEventType]?: (p: Props) => boolean;
} = {
  "session.created": sessionEvent,
  "session.updated": sessionEvent,
  "session.deleted": sessionEvent,
  "session.status": (p) =>
    isString(p.sessionID) && isOpenCodeSessionStatus(p.status),
  "session.idle": (p) => isString(p.sessionID),
  "session.error": (p) =>
    p.error === undefined ||
    (isRecord(p.error) && isString(p.error.name) &&
      (p.error.data === undefined || isRecord(p.error.data))),
  "message.updated": (p) =>
    isString(p.sessionID) && isRecord(p.info) &&
    strings(p.info, "id", "sessionID") &&
    (p.info.role === "user" || p.info.role === "assistant") &&
    isRecord(p.info.time) && isNumber(p.info.time.created),
  "message.removed": (p) => strings(p, "sessionID", "messageID"),
  "message.part.updated": (p) =>
    isString(p.sessionID) && isRecord(p.part) &&
    strings(p.part, "id", "messageID", "sessionID", "type"),
  "message.part.delta": (p) =>
    strings(p, "sessionID", "messageID", "partID", "field", "delta"),
  "message.part.removed": (p) => strings(p, "sessionID", "messageID", "partID"),
  "permission.asked": (p) =>
    strings(p, "id", "sessionID", "permission") &&
    isStringArray(p.patterns) && isStringArray(p.always) &&
    isRecord(p.metadata) &&
    (p.tool === undefined ||
      (isRecord(p.tool) && strings(p.tool, "messageID", "callID"))),
  "permission.replied": (p) =>
    strings(p, "sessionID", "requestID") &&
    ["once", "always", "reject"].includes(String(p.reply)),
  "question.asked": (p) => isOpenCodeQuestion(p),
  "question.replied": (p) =>
    strings(p, "sessionID", "requestID") && everyOf(p.answers, isStringArray),
  "question.rejected": (p) => strings(p, "sessionID", "requestID"),
  "todo.updated": (p) => isString(p.sessionID) && Array.isArray(p.todos),
  "instance.status": (p) => isInstanceJson(p.instance),
  "instance.sessions": (p) =>
    everyOf(p.sessions, isSessionJson) &&
    (p.children === undefined || everyOf(p.children, isSessionJson)),
  "instance.pending": (p) =>
    everyOf(p.permissions, tagged(isOpenCodePermission)) &&
    everyOf(p.questions, tagged(isOpenCodeQuestion)),
  "instance.recovered": (p) =>
    strings(p, "reason", "logs", "at") && isNumber(p.restart_count) &&
    isNumber(p.interrupted),
  "marks.updated": (p) => isString(p.sessionID) && everyOf(p.marks, isMark),
  "queue.updated": (p) =>
    isString(p.sessionID) && everyOf(p.queue, isQueueItem),
  "run.updated": (p) => isRunSummary(p.run),
  "step.updated": (p) => inRun(p, "step", hasIdAndStatus),
  "story.updated": (p) => inRun(p, "story", hasIdAndStatus),
  "attempt.updated": (p) =>
    inRun(p, "attempt", (a) => isRecord(a) && strings(a, "id", "step")),
  "run.notice": (p) =>
    strings(p, "run_id", "key", "reason") &&
    ["blocked", "failed", "completed"].includes(String(p.kind)) &&
    isRunSummary(p.run),
  "session.changes": (p) => strings(p, "sessionID", "reason"),
  "stream.reset": (p) => isString(p.reason),
  "stream.lagged": (p) => isNumber(p.dropped_after),
};

function checkPayload(type: FlockEventType, properties: Props): boolean {
  if ("sessionID" in properties && !isString(properties.sessionID)) {
    return false;
  }
  const check = PAYLOAD_CHECKS[type];
  return check === undefined || check(properties);
}

function isEnvelope(value: unknown): value is UnknownOpenCodeEvent {
  return isRecord(value) && isString(value.type) && value.type !== "" &&
    !/[\r\n]/.test(value.type) && isRecord(value.properties) &&
    (value.id === undefined || isString(value.id));
}

function isWireEnvelope(value: unknown): value is UnknownFlockEvent {
  if (!isRecord(value)) return false;
  const instanceId = value.instance_id;
  const root = value.root_session_id;
  return (instanceId === undefined || isString(instanceId)) &&
    (root === undefined || isString(root)) && isEnvelope(value);
}

function isValidOpenCodeEvent(
  event: UnknownOpenCodeEvent,
): event is OpenCodeEvent {
  return isOpenCodeEventType(event.type) && isString(event.id) &&
    checkPayload(event.type, event.properties);
}

function isValidFlockEvent(event: UnknownFlockEvent): event is FlockEvent {
  if (isOpenCodeEventType(event.type)) {
    return isString(event.id) && isString(event.instance_id) &&
      checkPayload(event.type, event.properties);
  }
  if (!isFlockEventType(event.type)) return false;
  // Flock's instance events name their instance; other events of Flock's
  // own (stream control, and later ones) are checked by their payload only.
  const aboutInstance = event.type.startsWith("instance.");
  return (!aboutInstance || isString(event.instance_id)) &&
    checkPayload(event.type, event.properties);
}

/**
 * Reads one parsed `data:` payload of a child's `GET /event`.
 *
 * @example
 * ```ts
 * const reading = readOpenCodeEvent(JSON.parse(data));
 * if (reading.kind === "known" && reading.event.type === "session.idle") {
 *   reading.event.properties.sessionID; // a string
 * }
 * ```
 */
export function readOpenCodeEvent(
  value: unknown,
): EventReading<OpenCodeEvent, UnknownOpenCodeEvent> {
  if (!isEnvelope(value)) {
    return { kind: "invalid", reason: "not an event envelope" };
  }
  if (isValidOpenCodeEvent(value)) return { kind: "known", event: value };
  if (isOpenCodeEventType(value.type)) {
    return {
      kind: "invalid",
      reason: `${value.type} lacks its id or the fields Flock reads`,
    };
  }
  return { kind: "unknown", event: value };
}

/**
 * Reads one parsed `data:` payload of Flock's own SSE stream (what a page
 * receives).
 */
export function readFlockEvent(
  value: unknown,
): EventReading<FlockEvent, UnknownFlockEvent> {
  if (!isWireEnvelope(value)) {
    return { kind: "invalid", reason: "not an event envelope" };
  }
  const event = value;
  if (isValidFlockEvent(event)) return { kind: "known", event };
  if (isFlockEventType(event.type)) {
    return {
      kind: "invalid",
      reason:
        `${event.type} lacks its id, instance_id or the fields Flock reads`,
    };
  }
  return { kind: "unknown", event };
}
