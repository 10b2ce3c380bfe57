/**
 * OpenCode's own data shapes, taken from `npm:@opencode-ai/sdk` (pinned to
 * the same version as the OpenCode binary) and imported **as types only**:
 * no SDK code reaches the server or the client bundle.
 *
 * Flock forwards OpenCode's JSON untouched, so these are the shapes clients
 * see too. Names get an `OpenCode` prefix where Flock has its own concept of
 * the same name (a Flock session row is not an OpenCode session).
 *
 * @module
 */
import type {
  AssistantMessage,
  Event,
  FilePart,
  GlobalEvent,
  Message,
  Part,
  PermissionRequest,
  PermissionRule,
  QuestionRequest,
  ReasoningPart,
  Session,
  SessionStatus,
  TextPart,
  Todo,
  ToolPart,
  ToolState,
  UserMessage,
} from "@opencode-ai/sdk/v2/types";

/** Every event OpenCode 1.18.33 documents on `GET /event` (a union on `type`). */
export type OpenCodeEvent = Event;

/**
 * One record of `GET /global/event`: an event of any directory the child
 * serves, wrapped with that directory (`{ directory, project, payload }`).
 * The payload union also holds `sync` replication records, which Flock
 * ignores. Seen on 1.18.33: `server.connected` and `server.heartbeat` come
 * without `directory`, and project-wide events with `directory: "global"`.
 */
export type OpenCodeGlobalEvent = GlobalEvent;

/** The `type` of an {@linkcode OpenCodeEvent}. */
export type OpenCodeEventType = OpenCodeEvent["type"];

/** The OpenCode event of one `type`. */
export type OpenCodeEventOf<T extends OpenCodeEventType> = Extract<
  OpenCodeEvent,
  { type: T }
>;

/** A session as OpenCode returns it (`GET /session`, `session.*` events). */
export type OpenCodeSession = Session;

/** One entry of `GET /session/status` and `session.status`'s `status`. */
export type OpenCodeSessionStatus = SessionStatus;

/** A `retry` session status: the attempt, its reason and the next try. */
export type OpenCodeRetryStatus = Extract<
  OpenCodeSessionStatus,
  { type: "retry" }
>;

/** A message's `info`: a user or an assistant message. */
export type OpenCodeMessage = Message;

/** A user message's `info`. */
export type OpenCodeUserMessage = UserMessage;

/** An assistant message's `info`. */
export type OpenCodeAssistantMessage = AssistantMessage;

/** An error on an assistant message or in `session.error`. */
export type OpenCodeMessageError = NonNullable<AssistantMessage["error"]>;

/** One part of a message (a union on `type`: `text`, `tool`, `reasoning`, …). */
export type OpenCodePart = Part;

/** A `text` part. */
export type OpenCodeTextPart = TextPart;

/** A `reasoning` part. */
export type OpenCodeReasoningPart = ReasoningPart;

/** A `tool` part. */
export type OpenCodeToolPart = ToolPart;

/** A tool part's state: pending → running → completed | error. */
export type OpenCodeToolState = ToolState;

/** A `file` part. */
export type OpenCodeFilePart = FilePart;

/** One element of `GET /session/{id}/message`. */
export interface OpenCodeMessageWithParts {
  info: OpenCodeMessage;
  parts: OpenCodePart[];
}

/** A pending permission request (`GET /permission`, `permission.asked`). */
export type OpenCodePermission = PermissionRequest;

/** One rule of a session's permission ruleset (`POST /session` `permission`). */
export type OpenCodePermissionRule = PermissionRule;

/** A pending question of the question tool (`GET /question`, `question.asked`). */
export type OpenCodeQuestion = QuestionRequest;

/** One entry of a session's todo list (`todo.updated`). */
export type OpenCodeTodo = Todo;
