/**
 * The conversation model of one session: its messages (each with parts) and
 * the session-level errors, updated immutably by OpenCode's events. Pure: no
 * DOM, no I/O.
 *
 * @module
 */
import type { FlockEvent, FlockEventOf } from "../../server/contract/events.ts";
import type {
  OpenCodeEventOf,
  OpenCodeMessage,
  OpenCodeMessageError,
  OpenCodeMessageWithParts,
  OpenCodePart,
} from "../../server/contract/opencode.ts";

/**
 * A message known only from its parts so far: its `message.updated` has not
 * arrived yet (or was missed).
 */
export interface PendingMessageInfo {
  readonly id: string;
  readonly sessionID: string;
  readonly role: "assistant";
  readonly time: { readonly created: number };
  readonly error?: undefined;
  readonly pending: true;
}

/** The `info` of a conversation message. */
export type ConversationMessageInfo = OpenCodeMessage | PendingMessageInfo;

/** One message of a conversation. */
export interface ConversationMessage {
  readonly info: ConversationMessageInfo;
  readonly parts: readonly OpenCodePart[];
}

/** A `session.error` that was shown in the conversation. */
export interface SessionErrorEntry {
  /** Unique within the conversation. */
  readonly key: string;
  readonly name: string;
  readonly message: string;
  /** The id of the last message when the error arrived, or null. */
  readonly afterMessageId: string | null;
}

/** The state of one session's conversation. */
export interface Conversation {
  readonly messages: readonly ConversationMessage[];
  readonly errors: readonly SessionErrorEntry[];
}

/** The types of the events that change a conversation. */
export type ConversationEventType =
  | "message.updated"
  | "message.removed"
  | "message.part.updated"
  | "message.part.delta"
  | "message.part.removed"
  | "session.error";

/** An event that changes a conversation (with or without `instance_id`). */
export type ConversationEvent = OpenCodeEventOf<ConversationEventType>;

const CONVERSATION_EVENT_TYPES: Record<ConversationEventType, true> = {
  "message.updated": true,
  "message.removed": true,
  "message.part.updated": true,
  "message.part.delta": true,
  "message.part.removed": true,
  "session.error": true,
};

/**
 * Whether an event changes a conversation.
 *
 * @param event A Flock event.
 * @returns True for `message.*` and `session.error`.
 */
export function isConversationEvent(
  event: FlockEvent,
): event is FlockEventOf<ConversationEventType> {
  return Object.hasOwn(CONVERSATION_EVENT_TYPES, event.type);
}

/** A conversation with nothing in it. */
export const EMPTY_CONVERSATION: Conversation = Object.freeze({
  messages: [],
  errors: [],
});

function byId<T>(key: (item: T) => string) {
  return (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}

/** Returns a copy of `list` with `item` replacing the entry of the same id, or inserted in id order. */
function upsertSorted<T>(
  list: readonly T[],
  item: T,
  key: (item: T) => string,
): T[] {
  const id = key(item);
  const index = list.findIndex((x) => key(x) === id);
  if (index >= 0) {
    const copy = list.slice();
    copy[index] = item;
    return copy;
  }
  let at = list.length;
  while (at > 0 && key(list[at - 1] as T) > id) at--;
  const copy = list.slice();
  copy.splice(at, 0, item);
  return copy;
}

/**
 * Builds a conversation from `GET /api/sessions/{id}/messages`.
 *
 * @param history OpenCode's `[{info, parts}]`, oldest first.
 * @returns The conversation, messages and parts in id order.
 */
export function conversationFromHistory(
  history: readonly OpenCodeMessageWithParts[],
): Conversation {
  const messages = history
    .map((m) => ({
      info: m.info,
      parts: m.parts.slice().sort(byId((p: OpenCodePart) => p.id)),
    }))
    .sort(byId((m: ConversationMessage) => m.info.id));
  return { messages, errors: [] };
}

function placeholderInfo(id: string, sessionID: string): PendingMessageInfo {
  return {
    id,
    sessionID,
    role: "assistant",
    time: { created: 0 },
    pending: true,
  };
}

function updateMessage(
  conv: Conversation,
  messageId: string,
  sessionId: string,
  update: (m: ConversationMessage) => ConversationMessage,
): Conversation {
  const existing = conv.messages.find((m) => m.info.id === messageId) ?? {
    info: placeholderInfo(messageId, sessionId),
    parts: [],
  };
  const next = update(existing);
  if (next === existing) return conv;
  return {
    ...conv,
    messages: upsertSorted(conv.messages, next, (m) => m.info.id),
  };
}

/**
 * Applies one event to a conversation.
 *
 * @param conv The current conversation.
 * @param event An OpenCode event for this conversation's session.
 * @returns The new conversation (the same object when nothing changed).
 */
export function applyConversationEvent(
  conv: Conversation,
  event: ConversationEvent,
): Conversation {
  switch (event.type) {
    case "message.updated": {
      const info = event.properties.info;
      return updateMessage(
        conv,
        info.id,
        info.sessionID,
        (m) => ({ info, parts: m.parts }),
      );
    }
    case "message.removed": {
      const messageId = event.properties.messageID;
      const messages = conv.messages.filter((m) => m.info.id !== messageId);
      return messages.length === conv.messages.length
        ? conv
        : { ...conv, messages };
    }
    case "message.part.updated": {
      const part = event.properties.part;
      return updateMessage(conv, part.messageID, part.sessionID, (m) => ({
        info: m.info,
        parts: upsertSorted(m.parts, part, (x) => x.id),
      }));
    }
    case "message.part.delta":
      return appendDelta(conv, event.properties);
    case "message.part.removed": {
      const { messageID, partID, sessionID } = event.properties;
      return updateMessage(conv, messageID, sessionID, (m) => {
        const parts = m.parts.filter((x) => x.id !== partID);
        return parts.length === m.parts.length ? m : { info: m.info, parts };
      });
    }
    case "session.error": {
      const error = event.properties.error;
      if (!error) return conv;
      const entry: SessionErrorEntry = {
        key: `e${conv.errors.length}`,
        name: error.name,
        message: errorText(error),
        afterMessageId: conv.messages.at(-1)?.info.id ?? null,
      };
      return { ...conv, errors: [...conv.errors, entry] };
    }
  }
}

/** The fields of a `message.part.delta`. */
type Delta = ConversationEventOf<"message.part.delta">["properties"];

type ConversationEventOf<T extends ConversationEventType> = Extract<
  ConversationEvent,
  { type: T }
>;

/**
 * Appends a delta to its part. OpenCode 1.18.33 streams the `text` field of
 * text and reasoning parts; a delta of another field, or for a part of
 * another type, changes nothing. A delta for an unknown part creates a
 * text part (and, for an unknown message, a pending message).
 */
function appendDelta(conv: Conversation, delta: Delta): Conversation {
  if (delta.field !== "text") return conv;
  const { messageID, partID, sessionID } = delta;
  return updateMessage(conv, messageID, sessionID, (m) => {
    const old: OpenCodePart = m.parts.find((x) => x.id === partID) ??
      { id: partID, messageID, sessionID, type: "text", text: "" };
    if (old.type !== "text" && old.type !== "reasoning") return m;
    const part: OpenCodePart = { ...old, text: old.text + delta.delta };
    return { info: m.info, parts: upsertSorted(m.parts, part, (x) => x.id) };
  });
}

/**
 * A readable text for an OpenCode error.
 *
 * @param error `info.error` or `session.error`'s `error`.
 * @returns Its message, or its name when it has none.
 */
export function errorText(error: OpenCodeMessageError): string {
  const data: Record<string, unknown> | undefined = error.data;
  const message = data?.message;
  if (typeof message === "string" && message.trim() !== "") return message;
  return error.name === "MessageAbortedError" ? "Aborted" : error.name;
}

/**
 * The session errors worth showing: those not already shown on an assistant
 * message (an abort sets both `session.error` and the message's `info.error`).
 *
 * @param conv The conversation.
 * @returns The errors to render at the end of the conversation.
 */
export function visibleErrors(conv: Conversation): SessionErrorEntry[] {
  return conv.errors.filter((entry) =>
    !conv.messages.some((m) =>
      m.info.role === "assistant" && m.info.error?.name === entry.name &&
      (entry.afterMessageId === null || m.info.id >= entry.afterMessageId)
    )
  );
}

function findPart(
  conv: Conversation,
  partId: string,
): OpenCodePart | undefined {
  for (const m of conv.messages) {
    const part = m.parts.find((x) => x.id === partId);
    if (part) return part;
  }
  return undefined;
}

/**
 * Re-applies the events buffered while a snapshot was being fetched.
 *
 * The snapshot was taken at some unknown moment after the buffering started,
 * so it may already contain some of the buffered events. Snapshot-style events
 * (`message.updated`, `message.part.updated`) are idempotent when replayed in
 * order. Text deltas are not: for a part whose text comes from the snapshot,
 * the buffered deltas are matched against the end of the snapshot's text and
 * only the ones it does not already end with are appended. The result has no
 * lost and no doubled text.
 *
 * @param snapshot The conversation built from the REST snapshot.
 * @param buffered The events received since the fetch started, in order.
 * @returns The snapshot brought up to date.
 */
export function rebaseConversation(
  snapshot: Conversation,
  buffered: readonly ConversationEvent[],
): Conversation {
  let conv = snapshot;
  /** Deltas of parts whose text is still the snapshot's. */
  const pending = new Map<string, Delta[]>();
  const rebased = new Set<string>();
  const flush = (partId: string) => {
    const deltas = pending.get(partId);
    if (!deltas) return;
    pending.delete(partId);
    const part = findPart(conv, partId);
    if (!part) return;
    const text = part.type === "text" || part.type === "reasoning"
      ? part.text
      : "";
    // the longest prefix of the delta run that the snapshot already ends with
    let skip = 0;
    let prefix = "";
    for (let i = 0; i < deltas.length; i++) {
      prefix += deltas[i]?.delta ?? "";
      if (text.endsWith(prefix)) skip = i + 1;
    }
    for (const delta of deltas.slice(skip)) conv = appendDelta(conv, delta);
  };
  for (const event of buffered) {
    if (event.type === "message.part.delta") {
      const delta = event.properties;
      if (!rebased.has(delta.partID) && findPart(snapshot, delta.partID)) {
        const deltas = pending.get(delta.partID) ?? [];
        deltas.push(delta);
        pending.set(delta.partID, deltas);
        continue;
      }
    } else if (event.type === "message.part.updated") {
      const partId = event.properties.part.id;
      pending.delete(partId);
      rebased.add(partId);
    }
    conv = applyConversationEvent(conv, event);
  }
  for (const partId of [...pending.keys()]) flush(partId);
  return conv;
}

/**
 * The plain text of a message's text parts.
 *
 * @param message A conversation message.
 * @returns Its text parts joined by blank lines.
 */
export function messageText(message: ConversationMessage): string {
  return message.parts
    .flatMap((p) => p.type === "text" ? [p.text] : [])
    .join("\n\n");
}
