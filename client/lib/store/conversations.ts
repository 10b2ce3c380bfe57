/**
 * The conversations slice: the conversations opened on this page, by
 * session id. Events change a conversation only once its history is loaded;
 * while it loads, the store buffers them and rebases them on the history.
 *
 * @module
 */
import { sessionIdOf } from "../../../server/contract/session_id_of.ts";
import {
  applyConversationEvent,
  EMPTY_CONVERSATION,
  isConversationEvent,
} from "../conversation.ts";
import type { StoreAction } from "./actions.ts";
import { withEntry, withoutKeys } from "./immutable.ts";
import type { Cascade } from "./reducer.ts";
import type { ConversationState } from "./state.ts";

/** Conversations by session id. */
export type ConversationsState = ReadonlyMap<string, ConversationState>;

function reduceOwn(
  state: ConversationsState,
  action: StoreAction,
): ConversationsState {
  switch (action.kind) {
    case "event": {
      const event = action.event;
      if (!isConversationEvent(event)) return state;
      const id = sessionIdOf(event);
      const current = id === undefined ? undefined : state.get(id);
      if (id === undefined || !current || current.loading) return state;
      const conversation = applyConversationEvent(current.conversation, event);
      return conversation === current.conversation
        ? state
        : withEntry(state, id, { ...current, conversation });
    }
    case "conversation-loading": {
      const current = state.get(action.sessionId);
      return withEntry(state, action.sessionId, {
        conversation: current?.conversation ?? EMPTY_CONVERSATION,
        loading: true,
        error: null,
      });
    }
    case "conversation-loaded":
      return withEntry(state, action.sessionId, {
        conversation: action.conversation,
        loading: false,
        error: null,
      });
    case "conversation-failed": {
      const current = state.get(action.sessionId);
      return withEntry(state, action.sessionId, {
        conversation: current?.conversation ?? EMPTY_CONVERSATION,
        loading: false,
        error: action.error,
      });
    }
    case "snapshot-loaded": {
      let next = state;
      for (const [id, conversation] of action.snapshot.conversations) {
        if (!state.has(id)) continue;
        next = withEntry(next, id, {
          conversation,
          loading: false,
          error: null,
        });
      }
      return next;
    }
    default:
      return state;
  }
}

/**
 * Applies an action to the conversations; those of sessions that left the
 * list go with them.
 *
 * @returns `state` itself when nothing changed.
 */
export function reduceConversations(
  state: ConversationsState,
  action: StoreAction,
  cascade: Cascade,
): ConversationsState {
  return withoutKeys(reduceOwn(state, action), cascade.forgottenSessions);
}
