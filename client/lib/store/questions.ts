/**
 * The questions slice: pending questions of OpenCode's `question` tool by
 * id, of every instance and session (a subagent's too: `root_session_id`
 * names the top-level session it rolls up to). It follows the contract's
 * `pendingChangeOf`, the rules of the server's "needs you" index, so a
 * question answered elsewhere (another page, curl) leaves with its
 * `question.replied` / `question.rejected`, and a restart's
 * `instance.pending` replaces the instance's.
 *
 * @module
 */
import { pendingChangeOf } from "../../../server/contract/pending.ts";
import type { QuestionJson } from "../../../server/contract/questions.ts";
import type { StoreAction } from "./actions.ts";
import { mapOf, withEntry, withoutKeys, withoutWhere } from "./immutable.ts";
import type { Cascade } from "./reducer.ts";

/** Pending questions by id. */
export type QuestionsState = ReadonlyMap<string, QuestionJson>;

/** Questions are small: compared whole. */
function sameQuestion(a: QuestionJson, b: QuestionJson): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function replaceInstance(
  state: QuestionsState,
  instanceId: string,
  questions: readonly QuestionJson[],
): QuestionsState {
  let next = withoutWhere(state, (q) => q.instance_id === instanceId);
  for (const q of questions) {
    const old = state.get(q.id);
    next = withEntry(next, q.id, old && sameQuestion(old, q) ? old : q);
  }
  return mapOf(next.values(), (q) => q.id, state);
}

function reduceOwn(state: QuestionsState, action: StoreAction): QuestionsState {
  switch (action.kind) {
    case "snapshot-loaded": {
      if (!action.snapshot.questions) return state;
      const next = new Map<string, QuestionJson>();
      for (const q of action.snapshot.questions) {
        const old = state.get(q.id);
        next.set(q.id, old && sameQuestion(old, q) ? old : q);
      }
      return mapOf(next.values(), (q) => q.id, state);
    }
    case "question-answered":
      return withoutKeys(state, [action.questionId]);
    case "event": {
      const change = pendingChangeOf(action.event);
      if (!change) return state;
      switch (change.kind) {
        case "ask-question": {
          const root = action.event.type === "question.asked"
            ? action.event.root_session_id
            : undefined;
          return withEntry(state, change.request.id, {
            ...change.request,
            instance_id: change.instanceId,
            root_session_id: root ?? change.request.sessionID,
          });
        }
        case "remove":
          return withoutKeys(state, [change.requestId]);
        case "forget-session":
          return withoutWhere(
            state,
            (q) =>
              q.sessionID === change.sessionId ||
              q.root_session_id === change.sessionId,
          );
        case "clear":
          return withoutWhere(
            state,
            (q) => q.instance_id === change.instanceId,
          );
        case "replace":
          return replaceInstance(state, change.instanceId, change.questions);
        default:
          return state;
      }
    }
    default:
      return state;
  }
}

/**
 * Applies an action to the questions; questions of sessions that left the
 * list (their own or their root), or of instances that are gone, go with
 * them.
 *
 * @returns `state` itself when nothing changed.
 */
export function reduceQuestions(
  state: QuestionsState,
  action: StoreAction,
  cascade: Cascade,
): QuestionsState {
  const next = reduceOwn(state, action);
  const { forgottenSessions, forgottenInstances } = cascade;
  return forgottenSessions.size === 0 && forgottenInstances.size === 0
    ? next
    : withoutWhere(next, (q) =>
      forgottenSessions.has(q.root_session_id) ||
      forgottenSessions.has(q.sessionID) ||
      forgottenInstances.has(q.instance_id));
}
