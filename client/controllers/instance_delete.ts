/**
 * Removing an instance from the page: when its sessions' worktrees have
 * uncommitted or unmerged work the server refuses (409
 * `worktrees_have_work`, naming them); the person is asked once more and
 * the removal is forced only if they agree.
 *
 * @module
 */
import { type ApiClient, ApiError } from "../api/api_client.ts";
import type { Asker } from "./session_delete.ts";

/**
 * Deletes an instance; when its worktrees have work to lose, asks whether
 * to force it.
 *
 * @returns True when the instance was removed, false when the person kept it.
 * @throws {ApiError} any other refusal, or the forced delete's.
 */
export async function removeInstance(
  api: Pick<ApiClient, "deleteInstance">,
  instanceId: string,
  confirm: Asker,
): Promise<boolean> {
  try {
    await api.deleteInstance(instanceId);
    return true;
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== "worktrees_have_work") {
      throw error;
    }
    const force = await confirm.ask({
      title: "Remove the worktrees anyway?",
      message: `Cannot remove (${error.status}): ${
        error.message.replace(/\.$/, "")
      }. Removing anyway deletes those worktrees and their uncommitted changes; unmerged branches are kept.`,
      confirmLabel: "Remove anyway",
      danger: true,
    });
    if (!force) return false;
    await api.deleteInstance(instanceId, true);
    return true;
  }
}
