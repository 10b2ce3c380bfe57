/**
 * The wire shapes of a session's or a run's changes and of finishing its
 * worktree: `GET /api/sessions/{id}/diff` and `GET /api/runs/{id}/diff`,
 * merge, commit, removal, and the `session.changes` event that tells a page
 * to read a session's diff again.
 *
 * @module
 */

/** How a file changed (git's view). */
export type DiffFileStatus =
  | "added"
  | "deleted"
  | "modified"
  | "renamed"
  | "copied"
  | "type-changed"
  | "unmerged"
  | "unknown";

/** One changed file of `GET /api/sessions/{id}/diff`. */
export interface DiffFileJson {
  /** The path after the change, relative to the working tree. */
  file: string;
  /** For a rename or copy: the path before. */
  old_file?: string;
  status: DiffFileStatus;
  additions: number;
  deletions: number;
  binary: boolean;
  /** The unified diff of this file (`diff --git` header and hunks). */
  patch: string;
  /** The patch was cut (it is over 1 MiB). */
  truncated: boolean;
}

/** Which changes `GET /api/sessions/{id}/diff` shows. */
export type DiffScope = "working" | "branch";

/** A diff of a session's or a run's changes. */
export interface DiffJson {
  scope: DiffScope;
  /** The directory the diff is of. */
  directory: string;
  /** For `branch`: what the branch is compared with. */
  base: string | null;
  files: DiffFileJson[];
}

/** The answer of `GET /api/sessions/{id}/diff`. */
export interface SessionDiffJson extends DiffJson {
  session_id: string;
}

/** The answer of `GET /api/runs/{id}/diff`: the run's own worktree. */
export interface RunDiffJson extends DiffJson {
  run_id: string;
}

/** The answer of `POST /api/sessions/{id}/merge`. */
export interface MergeResultJson {
  kind: "up-to-date" | "fast-forward" | "merge-commit";
  branch: string;
  base: string;
  /** The base's commit before. */
  previous: string;
  /** The base's commit after. */
  commit: string;
  /** The checkout of the base whose files moved along, if any. */
  updated_checkout: string | null;
}

/** What removing a run's worktree did (also after its merge). */
export interface WorktreeRemovalJson {
  /** The worktree's directory. */
  path: string;
  /** Its branch. */
  branch: string;
  /** Whether the branch was deleted (only once merged into its base). */
  branch_deleted: boolean;
}

/**
 * The answer of `POST /api/runs/{id}/merge`: the merge, and the run's
 * worktree removed after it (null when that removal failed; the merge
 * stands and the worktree stays).
 */
export interface RunMergeResultJson extends MergeResultJson {
  run_id: string;
  removed: WorktreeRemovalJson | null;
}

/** The answer of `POST /api/sessions/{id}/commit`. */
export interface CommitResultJson {
  commit: string;
  files: string[];
}

/** Why a session's files may have changed. */
export type SessionChangesReason =
  | "edited"
  | "idle"
  | "diff"
  | "revert"
  | "unrevert"
  | "commit"
  | "merge";

/**
 * Flock's own event: the files of a session's directory may have changed
 * (the agent edited a file, a turn ended, a revert, a commit, a merge).
 * Read `GET /api/sessions/{id}/diff` again.
 */
export interface SessionChangesEvent {
  type: "session.changes";
  instance_id: string;
  properties: { sessionID: string; reason: SessionChangesReason };
}

/**
 * A session's worktree with work a removal would lose: in the 409
 * `worktrees_have_work` of `DELETE /api/instances/{id}` (`error.worktrees`).
 */
export interface WorktreeWorkJson {
  /** The session that owns the worktree. */
  session_id: string;
  /** Its branch (null when its checkout is detached). */
  branch: string | null;
  /** What the branch merges into. */
  base: string;
  /** The worktree's directory. */
  path: string;
  /** Its uncommitted (or untracked) files. */
  files: string[];
  /** How many commits of the branch the base lacks. */
  unmerged_commits: number;
}
