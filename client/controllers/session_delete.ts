/**
 * Deleting a session from the page: a worktree session with uncommitted or
 * unmerged work is refused (409); the person is asked once more, naming
 * what would be lost, and the delete is forced only if they agree. A fork
 * still running in the worktree inherits it instead (no 409): the page
 * then reads that session again to show its branch.
 *
 * @module
 */
import type { SessionJson } from "../../server/contract/sessions.ts";
import { type ApiClient, ApiError } from "../api/api_client.ts";
import { deleteSession, type ReviewClient } from "../api/review_api.ts";
import { refusalText } from "../lib/changes_view.ts";
import type { ConfirmOptions } from "../elements/confirm-dialog.ts";

/** The refusals `?force=true` overrides. */
const FORCEABLE = new Set(["uncommitted_changes", "unmerged_work"]);

/** Asks a yes/no question (the page's `confirm-dialog`). */
export interface Asker {
  ask(options: ConfirmOptions): Promise<boolean>;
}

/**
 * Deletes a session; on a refusal `force` can override, asks whether to
 * force it.
 *
 * @returns True when the session was deleted, false when the person kept it.
 * @throws {ApiError} any other refusal, or the forced delete's.
 */
export async function deleteWorktreeSession(
  api: ReviewClient,
  sessionId: string,
  confirm: Asker,
): Promise<boolean> {
  try {
    await deleteSession(api, sessionId);
    return true;
  } catch (error) {
    if (!(error instanceof ApiError) || !FORCEABLE.has(error.code)) {
      throw error;
    }
    const force = await confirm.ask({
      title: "Delete the worktree anyway?",
      message: `${
        refusalText("delete", error)
      }. Forcing removes the worktree and any uncommitted change in it; an unmerged branch is kept.`,
      confirmLabel: "Delete anyway",
      danger: true,
    });
    if (!force) return false;
    await deleteSession(api, sessionId, true);
    return true;
  }
}

/**
 * The sessions left in a deleted worktree session's directory, as the
 * server has them now: one of them may have inherited the worktree (its
 * `branch` is then set).
 *
 * @returns none for a session without a worktree.
 */
export async function sessionsLeftIn(
  api: Pick<ApiClient, "listSessions">,
  deleted: SessionJson,
): Promise<SessionJson[]> {
  if (deleted.branch === null || deleted.directory === undefined) return [];
  const sessions = await api.listSessions(deleted.instance_id);
  return sessions.filter((s) =>
    s.id !== deleted.id && s.directory === deleted.directory
  );
}
