/**
 * The conversation model of one session: its messages (each with parts) and
 * the session-level errors, updated immutably by OpenCode's events. Pure: no
 * DOM, no I/O.
 *
 * @module
 */
import type {
  MessageErrorJson,
  MessageInfoJson,
  MessageWithPartsJson,
  PartJson,
} from "./opencode_types.ts";

/** One message of a conversation. */
export interface ConversationMessage {
  readonly info: MessageInfoJson;
  readonly parts: readonly PartJson[];
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

/** The minimal event shape the model consumes. */
export interface ConversationEvent {
  readonly type: string;
  readonly properties: Readonly<Record<string, unknown>>;
}

/** A conversation with nothing in it. */
export const EMPTY_CONVERSATION: Conversation = Object.freeze({
  messages: [],
  errors: [],
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

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
  history: readonly MessageWithPartsJson[],
): Conversation {
  const messages = history
    .map((m) => ({
      info: m.info,
      parts: m.parts.slice().sort(byId((p: PartJson) => p.id)),
    }))
    .sort(byId((m: ConversationMessage) => m.info.id));
  return { messages, errors: [] };
}

/**
 * The session an event belongs to, if any.
 *
 * @param event An OpenCode event.
 * @returns `properties.sessionID`, or that of its `info` or `part`.
 */
export function eventSessionId(event: ConversationEvent): string | undefined {
  const p = event.properties;
  const direct = str(p.sessionID);
  if (direct) return direct;
  if (isRecord(p.info)) {
    // session.* events carry the session itself as `info`
    if (event.type.startsWith("session.")) return str(p.info.id);
    return str(p.info.sessionID);
  }
  if (isRecord(p.part)) return str(p.part.sessionID);
  return undefined;
}

function placeholderInfo(id: string, sessionID: string): MessageInfoJson {
  return { id, sessionID, role: "assistant", time: { created: 0 } };
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
  const p = event.properties;
  switch (event.type) {
    case "message.updated": {
      if (!isRecord(p.info)) return conv;
      const info = p.info as MessageInfoJson;
      if (typeof info.id !== "string") return conv;
      return updateMessage(
        conv,
        info.id,
        info.sessionID,
        (m) => ({ info, parts: m.parts }),
      );
    }
    case "message.removed": {
      const messageId = str(p.messageID);
      if (!messageId) return conv;
      const messages = conv.messages.filter((m) => m.info.id !== messageId);
      return messages.length === conv.messages.length
        ? conv
        : { ...conv, messages };
    }
    case "message.part.updated": {
      if (!isRecord(p.part)) return conv;
      const part = p.part as PartJson;
      if (typeof part.id !== "string" || typeof part.messageID !== "string") {
        return conv;
      }
      return updateMessage(conv, part.messageID, part.sessionID, (m) => ({
        info: m.info,
        parts: upsertSorted(m.parts, part, (x) => x.id),
      }));
    }
    case "message.part.delta": {
      const messageId = str(p.messageID);
      const partId = str(p.partID);
      const field = str(p.field) ?? "text";
      const delta = str(p.delta);
      if (!messageId || !partId || delta === undefined) return conv;
      const sessionId = str(p.sessionID) ?? "";
      return updateMessage(conv, messageId, sessionId, (m) => {
        const old = m.parts.find((x) => x.id === partId) ??
          {
            id: partId,
            messageID: messageId,
            sessionID: sessionId,
            type: "text",
          };
        const before = old[field];
        const part: PartJson = {
          ...old,
          [field]: (typeof before === "string" ? before : "") + delta,
        };
        return {
          info: m.info,
          parts: upsertSorted(m.parts, part, (x) => x.id),
        };
      });
    }
    case "message.part.removed": {
      const messageId = str(p.messageID);
      const partId = str(p.partID);
      if (!messageId || !partId) return conv;
      return updateMessage(conv, messageId, str(p.sessionID) ?? "", (m) => {
        const parts = m.parts.filter((x) => x.id !== partId);
        return parts.length === m.parts.length ? m : { info: m.info, parts };
      });
    }
    case "session.error": {
      if (!isRecord(p.error)) return conv;
      const error: MessageErrorJson = {
        name: str(p.error.name) ?? "UnknownError",
        data: isRecord(p.error.data) ? p.error.data : {},
      };
      const entry: SessionErrorEntry = {
        key: `e${conv.errors.length}`,
        name: error.name,
        message: errorText(error),
        afterMessageId: conv.messages.at(-1)?.info.id ?? null,
      };
      return { ...conv, errors: [...conv.errors, entry] };
    }
    default:
      return conv;
  }
}

/**
 * A readable text for an OpenCode error.
 *
 * @param error `info.error` or `session.error`'s `error`.
 * @returns Its message, or its name when it has none.
 */
export function errorText(error: MessageErrorJson): string {
  const message = error.data?.message;
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

function findPart(conv: Conversation, partId: string): PartJson | undefined {
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
  const pending = new Map<string, { field: string; deltas: string[] }>();
  const rebased = new Set<string>();
  const flush = (partId: string) => {
    const entry = pending.get(partId);
    if (!entry) return;
    pending.delete(partId);
    const part = findPart(conv, partId);
    if (!part) return;
    const current = part[entry.field];
    const text = typeof current === "string" ? current : "";
    // the longest prefix of the delta run that the snapshot already ends with
    let skip = 0;
    let prefix = "";
    for (let i = 0; i < entry.deltas.length; i++) {
      prefix += entry.deltas[i];
      if (text.endsWith(prefix)) skip = i + 1;
    }
    for (const delta of entry.deltas.slice(skip)) {
      conv = applyConversationEvent(conv, {
        type: "message.part.delta",
        properties: {
          sessionID: part.sessionID,
          messageID: part.messageID,
          partID: partId,
          field: entry.field,
          delta,
        },
      });
    }
  };
  for (const event of buffered) {
    const p = event.properties;
    if (event.type === "message.part.delta") {
      const partId = str(p.partID);
      const delta = str(p.delta);
      if (
        partId && delta !== undefined && !rebased.has(partId) &&
        findPart(snapshot, partId)
      ) {
        const entry = pending.get(partId) ??
          { field: str(p.field) ?? "text", deltas: [] };
        entry.deltas.push(delta);
        pending.set(partId, entry);
        continue;
      }
    } else if (event.type === "message.part.updated" && isRecord(p.part)) {
      const partId = str(p.part.id);
      if (partId) {
        pending.delete(partId);
        rebased.add(partId);
      }
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
    .filter((p) => p.type === "text" && typeof p.text === "string")
    .map((p) => p.text)
    .join("\n\n");
}
