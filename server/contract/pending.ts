/**
 * What an event does to the pending permission requests and questions (the
 * "needs you" inbox), decided once for the server's index and the page's
 * store, so both hold the same requests from the same events.
 *
 * | event | change |
 * |---|---|
 * | `permission.asked` / `question.asked` | add |
 * | `permission.replied` / `question.replied` / `question.rejected` | remove |
 * | `session.deleted` | forget the session's requests |
 * | `instance.status` not `running` | clear the instance's (its child is gone, and its requests with it) |
 * | `instance.removed` | clear the instance's |
 * | `instance.pending` (after every (re)connect) | replace the instance's |
 *
 * @module
 */
import { isFlockEvent } from "./event_types.ts";
import type { WireEvent } from "./events.ts";
import type { OpenCodePermission, OpenCodeQuestion } from "./opencode.ts";
import type { PermissionJson } from "./permissions.ts";
import type { QuestionJson } from "./questions.ts";

/** One change to the pending requests. */
export type PendingChange =
  | { kind: "ask-permission"; instanceId: string; request: OpenCodePermission }
  | { kind: "ask-question"; instanceId: string; request: OpenCodeQuestion }
  | { kind: "remove"; requestId: string }
  | { kind: "forget-session"; sessionId: string }
  | { kind: "clear"; instanceId: string }
  | {
    kind: "replace";
    instanceId: string;
    permissions: PermissionJson[];
    questions: QuestionJson[];
  };

/**
 * The change an event makes to the pending requests, or undefined.
 *
 * @example
 * ```ts
 * pendingChangeOf({ type: "question.rejected", id: "evt_1", instance_id: "inst_a", properties: { sessionID: "ses_1", requestID: "que_1" } });
 * // { kind: "remove", requestId: "que_1" }
 * ```
 */
export function pendingChangeOf(event: WireEvent): PendingChange | undefined {
  if (!isFlockEvent(event)) return undefined;
  switch (event.type) {
    case "permission.asked": {
      const { instance_id: instanceId, properties: request } = event;
      return { kind: "ask-permission", instanceId, request };
    }
    case "question.asked": {
      const { instance_id: instanceId, properties: request } = event;
      return { kind: "ask-question", instanceId, request };
    }
    case "permission.replied":
    case "question.replied":
    case "question.rejected":
      return { kind: "remove", requestId: event.properties.requestID };
    case "session.deleted":
      return { kind: "forget-session", sessionId: event.properties.info.id };
    case "instance.status":
      return event.properties.instance.status === "running"
        ? undefined
        : { kind: "clear", instanceId: event.instance_id };
    case "instance.removed":
      return { kind: "clear", instanceId: event.instance_id };
    case "instance.pending":
      return {
        kind: "replace",
        instanceId: event.instance_id,
        permissions: event.properties.permissions,
        questions: event.properties.questions,
      };
    default:
      return undefined;
  }
}
