/**
 * The worktree service's own errors (the git layer has its own in
 * `server/git/git_errors.ts`).
 *
 * @module
 */
import type { WorktreeWorkJson } from "../contract/worktrees.ts";
import { fileList } from "../git/git_errors.ts";

/** The session has no worktree of Flock's, so the action does not apply. */
export class NoWorktreeError extends Error {
  readonly sessionId: string;
  constructor(sessionId: string, action: string) {
    super(
      `Cannot ${action} as session ${sessionId} has no worktree of its own: create the session with "worktree": true`,
    );
    this.name = "NoWorktreeError";
    this.sessionId = sessionId;
  }
}

function workOf(w: WorktreeWorkJson): string {
  const what = [
    ...(w.files.length > 0
      ? [`uncommitted changes in ${fileList(w.files, 5)}`]
      : []),
    ...(w.unmerged_commits > 0
      ? [
        `${w.unmerged_commits} commit${
          w.unmerged_commits === 1 ? "" : "s"
        } not merged into ${w.base}`,
      ]
      : []),
  ];
  return `session ${w.session_id} (branch ${w.branch ?? "detached"}: ${
    what.join(", ")
  })`;
}

/**
 * Deleting an instance would lose work in its sessions' worktrees
 * (uncommitted files or unmerged commits); nothing was changed.
 */
export class WorktreesHaveWorkError extends Error {
  readonly instanceId: string;
  readonly worktrees: readonly WorktreeWorkJson[];
  constructor(instanceId: string, worktrees: readonly WorktreeWorkJson[]) {
    super(
      `Cannot delete instance ${instanceId} as ${
        worktrees.length === 1
          ? "a session's worktree has"
          : `${worktrees.length} sessions' worktrees have`
      } work to lose: ${
        worktrees.map(workOf).join("; ")
      }; commit and merge it, delete those sessions, or delete with ?force=true (unmerged branches are kept)`,
    );
    this.name = "WorktreesHaveWorkError";
    this.instanceId = instanceId;
    this.worktrees = worktrees;
  }
}
