/**
 * Derived views of the driving state for elements, memoised like
 * `selectors.ts` (same input, same output object; unchanged groups keep
 * their identity).
 *
 * @module
 */
import type { QuestionJson } from "../../../server/contract/questions.ts";
import type { SessionJson } from "../../../server/contract/sessions.ts";
import { totalTokens } from "../usage_format.ts";
import { groupBy, groupsOf, NONE, sessionsOf } from "./selectors.ts";
import type { FlockState } from "./state.ts";

/** Pending questions by the top-level session they roll up to. */
export const questionsByRoot: (
  questions: ReadonlyMap<string, QuestionJson>,
) => ReadonlyMap<string, readonly QuestionJson[]> = groupsOf((questions) =>
  groupBy(questions.values(), (q) => q.root_session_id)
);

/** Pending questions by the session that asked them. */
export const questionsBySession: (
  questions: ReadonlyMap<string, QuestionJson>,
) => ReadonlyMap<string, readonly QuestionJson[]> = groupsOf((questions) =>
  groupBy(questions.values(), (q) => q.sessionID)
);

/** Child sessions by parent, oldest first. */
export const childrenByParent: (
  children: ReadonlyMap<string, SessionJson>,
) => ReadonlyMap<string, readonly SessionJson[]> = groupsOf((children) => {
  const groups = groupBy(children.values(), (c) => c.parent_id ?? "");
  for (const list of groups.values()) {
    list.sort((a, b) => a.created_at.localeCompare(b.created_at));
  }
  return groups;
});

/**
 * The questions a session's page shows: its own and, for a top-level
 * session, its subagents'.
 */
export function questionsFor(
  state: FlockState,
  sessionId: string,
): readonly QuestionJson[] {
  return questionsByRoot(state.questions).get(sessionId) ??
    questionsBySession(state.questions).get(sessionId) ?? NONE;
}

/** A session's direct child sessions, oldest first. */
export function childrenOf(
  state: FlockState,
  sessionId: string,
): readonly SessionJson[] {
  return childrenByParent(state.children).get(sessionId) ?? NONE;
}

/** A listed session or a child session, by id. */
export function anySession(
  state: FlockState,
  sessionId: string,
): SessionJson | undefined {
  return state.sessions.byId.get(sessionId) ?? state.children.get(sessionId);
}

/**
 * What an instance's usage roll-up follows in the page's state: how many
 * of its sessions (listed and subagents') the page holds, how many work,
 * and their tokens and cost. The roll-up itself comes from the server
 * (which also counts sessions the page does not hold); a new revision
 * means it is worth loading again, e.g. when a reply finishes.
 *
 * @returns The same string while none of that changes.
 */
export function usageRevision(state: FlockState, instanceId: string): string {
  let sessions = 0;
  let working = 0;
  let tokens = 0;
  let cost = 0;
  const add = (session: SessionJson): void => {
    sessions++;
    if (session.status === "busy" || session.status === "retry") working++;
    if (session.tokens) tokens += totalTokens(session.tokens);
    cost += session.cost ?? 0;
  };
  for (const session of sessionsOf(state, instanceId)) add(session);
  for (const child of state.children.values()) {
    if (child.instance_id === instanceId) add(child);
  }
  return `${sessions}/${working}/${tokens}/${cost}`;
}
