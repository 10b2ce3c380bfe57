/**
 * Reconciliation after a restart: what an attempt's session shows, found by
 * its recorded id or else by its title (which ends with the attempt id),
 * with its status and pending requests, as a `ReconcileObservation`.
 *
 * @module
 */
import { OpenCodeHttpError } from "../opencode/opencode_errors.ts";
import type {
  ReconcileObservation,
  RunCommand,
} from "../workflows/decide_types.ts";
import type { AttemptSessions } from "./instance_access.ts";
import type { PendingRequests } from "./run_commands.ts";
import { describeRequest, observeSession } from "./session_reading.ts";

/**
 * Looks at the session of the attempt a `reconcile_attempt` names, and
 * records its pending permission and question requests in `requests`.
 *
 * @param directory The run's own worktree directory, when it has one:
 * OpenCode lists a directory's sessions, statuses and requests only when
 * asked for that directory.
 */
export async function observeAttempt(
  sessions: AttemptSessions,
  command: Extract<RunCommand, { type: "reconcile_attempt" }>,
  requests: PendingRequests,
  directory?: string,
): Promise<ReconcileObservation> {
  const options = directory === undefined ? {} : { directory };
  let sessionId = command.sessionId;
  if (sessionId !== null) {
    try {
      await sessions.getSession(sessionId);
    } catch (error) {
      if (!(error instanceof OpenCodeHttpError && error.status === 404)) {
        throw error;
      }
      sessionId = null;
    }
  }
  if (sessionId === null) {
    const suffix = ` · ${command.attemptId}`;
    const found = (await sessions.listSessions({ roots: true, ...options }))
      .find((s) => s.title === command.title || s.title.endsWith(suffix));
    if (found === undefined) return { kind: "no_session" };
    sessionId = found.id;
  }
  const [status, messages, permissions, questions] = await Promise.all([
    sessions.sessionStatus(options),
    sessions.messages(sessionId),
    sessions.listPermissions(options),
    sessions.listQuestions(options),
  ]);
  const pending = new Map<string, string>();
  for (const permission of permissions) {
    if (permission.sessionID !== sessionId) continue;
    pending.set(
      permission.id,
      describeRequest({ kind: "permission", permission }),
    );
  }
  for (const question of questions) {
    if (question.sessionID !== sessionId) continue;
    pending.set(question.id, describeRequest({ kind: "question", question }));
  }
  if (pending.size > 0) requests.set(sessionId, pending);
  const state = status[sessionId];
  return observeSession({
    sessionId,
    busy: state !== undefined && state.type !== "idle",
    messages,
    request: pending.values().next().value ?? null,
  });
}
