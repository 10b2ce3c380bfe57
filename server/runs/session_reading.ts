/**
 * Reading an attempt's OpenCode session (pure): its final reply with tokens
 * and cost, or why there is none; and, after a restart, what the runner
 * observed (`ReconcileObservation`) from the session, its status and its
 * pending requests.
 *
 * @module
 */
import type {
  OpenCodeMessageError,
  OpenCodeMessageWithParts,
  OpenCodePermission,
  OpenCodeQuestion,
} from "../contract/opencode.ts";
import type { ReconcileObservation } from "../workflows/decide_types.ts";

/** What a session's messages say about its (one) prompt. */
export type SessionVerdict =
  /** The last assistant message finished: its text is the reply. */
  | { kind: "reply"; reply: string; tokens: number; cost: number }
  /** The last assistant message ended in an error. */
  | { kind: "error"; message: string; aborted: boolean }
  /** The reply was started and never finished. */
  | { kind: "incomplete" }
  /** The prompt is there, no reply was started. */
  | { kind: "no_reply" }
  /** There is no prompt in the session. */
  | { kind: "not_prompted" };

/** `Name: message` of an OpenCode error (on a message or in `session.error`). */
export function describeError(error: OpenCodeMessageError | undefined): string {
  if (error === undefined) return "unknown error";
  const data: unknown = error.data;
  const message = typeof data === "object" && data !== null &&
      "message" in data && typeof data.message === "string"
    ? data.message
    : "";
  return message === "" ? error.name : `${error.name}: ${message}`;
}

/**
 * Reads the session of one attempt (one prompt): the final reply is the
 * text of the last assistant message; tokens and cost add up every
 * assistant message (a reply with tool calls takes several).
 *
 * @example
 * ```ts
 * judgeMessages(await client.messages(sessionId)); // { kind: "reply", reply: "STATUS: done", … }
 * ```
 */
export function judgeMessages(
  messages: readonly OpenCodeMessageWithParts[],
): SessionVerdict {
  const first = messages.findIndex((m) => m.info.role === "user");
  if (first < 0) return { kind: "not_prompted" };
  const replies = messages.slice(first + 1).flatMap((m) =>
    m.info.role === "assistant" ? [{ info: m.info, parts: m.parts }] : []
  );
  const last = replies.at(-1);
  if (last === undefined) return { kind: "no_reply" };
  if (last.info.error !== undefined) {
    return {
      kind: "error",
      message: describeError(last.info.error),
      aborted: last.info.error.name === "MessageAbortedError",
    };
  }
  if (last.info.time.completed === undefined) return { kind: "incomplete" };
  const reply = last.parts.flatMap((part) =>
    part.type === "text" && part.synthetic !== true ? [part.text] : []
  ).join("");
  let tokens = 0;
  let cost = 0;
  for (const { info } of replies) {
    const t = info.tokens;
    tokens += t.total ?? t.input + t.output + t.reasoning;
    cost += info.cost;
  }
  return { kind: "reply", reply, tokens, cost };
}

/** A pending request as the run's blocked reason shows it. */
export function describeRequest(
  request:
    | { kind: "permission"; permission: OpenCodePermission }
    | { kind: "question"; question: OpenCodeQuestion },
): string {
  if (request.kind === "permission") {
    const { permission, patterns } = request.permission;
    return `permission to ${permission}${
      patterns.length > 0 ? ` (${patterns.join(", ")})` : ""
    }`;
  }
  const first = request.question.questions[0]?.question ?? "a question";
  return `question: ${first}`;
}

/** What the runner found about one session after a restart. */
export interface SessionSnapshot {
  sessionId: string;
  /** Busy or retrying in `GET /session/status`. */
  busy: boolean;
  messages: readonly OpenCodeMessageWithParts[];
  /** A pending permission or question of the session, described. */
  request: string | null;
}

/**
 * The observation `decide` gets for an attempt whose session was found.
 * A reply that never finished (its OpenCode stopped with a dead Flock, or
 * was aborted from outside) is `interrupted`: not the agent's failure.
 */
export function observeSession(
  snapshot: SessionSnapshot,
): ReconcileObservation {
  const { sessionId } = snapshot;
  const verdict = judgeMessages(snapshot.messages);
  if (verdict.kind === "not_prompted") {
    return { kind: "not_prompted", sessionId };
  }
  if (snapshot.busy) {
    return snapshot.request === null
      ? { kind: "busy", sessionId }
      : { kind: "waiting_input", sessionId, request: snapshot.request };
  }
  switch (verdict.kind) {
    case "reply":
      return {
        kind: "idle",
        sessionId,
        reply: verdict.reply,
        tokens: verdict.tokens,
        cost: verdict.cost,
      };
    case "error":
      return verdict.aborted
        ? {
          kind: "interrupted",
          sessionId,
          message:
            `its reply was aborted while Flock was not running (${verdict.message})`,
        }
        : { kind: "errored", sessionId, message: verdict.message };
    case "incomplete":
    case "no_reply":
      return {
        kind: "interrupted",
        sessionId,
        message:
          "its reply was cut off: OpenCode stopped while it worked (Flock restarted)",
      };
  }
}
