/**
 * The client's view of OpenCode's message shapes, as returned by
 * `GET /api/sessions/{id}/messages` and carried by `message.*` events.
 * Flock forwards these untouched, so they are OpenCode's (1.18) schema, kept
 * loose: unknown fields are allowed and only what the UI reads is typed.
 *
 * @module
 */

/** An error attached to an assistant message or sent as `session.error`. */
export interface MessageErrorJson {
  name: string;
  data?: { message?: string; [key: string]: unknown };
}

/** The `info` half of a message. */
export interface MessageInfoJson {
  id: string;
  sessionID: string;
  role: "user" | "assistant";
  time: { created: number; completed?: number };
  error?: MessageErrorJson;
  modelID?: string;
  providerID?: string;
  agent?: string;
  finish?: string;
  [key: string]: unknown;
}

/** The state of a tool part: pending → running → completed | error. */
export interface ToolStateJson {
  status: "pending" | "running" | "completed" | "error";
  input?: Record<string, unknown>;
  output?: string;
  error?: string;
  title?: string;
  metadata?: Record<string, unknown>;
  time?: { start: number; end?: number };
}

/**
 * One part of a message (`text`, `reasoning`, `tool`, `step-start`,
 * `step-finish`, `file`, …); fields depend on `type`.
 */
export interface PartJson {
  id: string;
  messageID: string;
  sessionID: string;
  type: string;
  text?: string;
  synthetic?: boolean;
  tool?: string;
  callID?: string;
  state?: ToolStateJson;
  filename?: string;
  mime?: string;
  url?: string;
  time?: { start: number; end?: number };
  [key: string]: unknown;
}

/** One element of `GET /api/sessions/{id}/messages`. */
export interface MessageWithPartsJson {
  info: MessageInfoJson;
  parts: PartJson[];
}

/** `session.status` → `properties.status`. */
export interface SessionStatusJson {
  type: "idle" | "busy" | "retry";
  attempt?: number;
  message?: string;
  /** Epoch milliseconds of the next attempt. */
  next?: number;
}
