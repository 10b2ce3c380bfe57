/**
 * The worktree service's own errors (the git layer has its own in
 * `server/git/git_errors.ts`).
 *
 * @module
 */

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
