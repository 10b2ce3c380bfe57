/**
 * The git layer's typed errors. Each has a stable `code` and, where it is
 * about files, the `files` it names, so the HTTP layer can map it in one
 * place (`server/http/errors.ts`):
 *
 * | status | errors |
 * |---|---|
 * | 400 | {@linkcode NotAGitRepositoryError}, {@linkcode InvalidBranchNameError}, {@linkcode UnknownRefError}, {@linkcode NotABranchError}, {@linkcode InvalidCommitMessageError} |
 * | 404 | {@linkcode WorktreeNotFoundError} |
 * | 409 | {@linkcode BranchExistsError}, {@linkcode WorktreePathExistsError}, {@linkcode MainWorktreeError}, {@linkcode UncommittedChangesError}, {@linkcode UnmergedWorkError}, {@linkcode MergeConflictError}, {@linkcode BaseCheckoutDirtyError}, {@linkcode RefChangedError}, {@linkcode NothingToCommitError}, {@linkcode MissingIdentityError} |
 * | 500 | {@linkcode GitNotFoundError}, {@linkcode GitVersionError}, {@linkcode GitCommandError} |
 *
 * Messages follow `Cannot X as Y: detail`.
 *
 * @module
 */

/** The base of every git-layer error. */
export class GitError extends Error {
  /** A stable, machine-readable code (snake_case). */
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "GitError";
    this.code = code;
  }
}

/** Lists files in a message: the first `max`, then "and N more". */
export function fileList(files: readonly string[], max = 10): string {
  const shown = files.slice(0, max).join(", ");
  return files.length > max ? `${shown} and ${files.length - max} more` : shown;
}

/** The `git` executable could not be started (missing, or not on PATH). */
export class GitNotFoundError extends GitError {
  readonly binary: string;
  constructor(binary: string, options?: ErrorOptions) {
    super(
      "git_not_found",
      `Cannot run git as it is not installed or not on PATH (tried ${binary}); install git 2.38 or newer`,
      options,
    );
    this.name = "GitNotFoundError";
    this.binary = binary;
  }
}

/** The installed git is too old for what Flock uses. */
export class GitVersionError extends GitError {
  readonly version: string;
  constructor(version: string, needed: string) {
    super(
      "git_too_old",
      `Cannot use git ${version} as Flock needs git ${needed} or newer (for merge-tree --write-tree)`,
    );
    this.name = "GitVersionError";
    this.version = version;
  }
}

/** git ran but failed in a way no other error describes (or timed out). */
export class GitCommandError extends GitError {
  readonly args: readonly string[];
  readonly exitCode: number;
  readonly stderr: string;
  constructor(
    args: readonly string[],
    exitCode: number,
    stderr: string,
    detail?: string,
  ) {
    const tail = stderr.trim().split("\n").slice(-3).join(" ").slice(0, 500);
    super(
      "git_failed",
      `Cannot run git ${args.slice(0, 2).join(" ")} as ${
        detail ?? `it exited with code ${exitCode}`
      }: ${tail || "no output"}`,
    );
    this.name = "GitCommandError";
    this.args = args;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** The directory is not inside a git work tree (or does not exist). */
export class NotAGitRepositoryError extends GitError {
  readonly directory: string;
  constructor(directory: string, detail: string) {
    super(
      "not_a_git_repository",
      `Cannot use ${directory} as it is not inside a git work tree: ${detail}`,
    );
    this.name = "NotAGitRepositoryError";
    this.directory = directory;
  }
}

/** git refuses the name as a branch name (`git check-ref-format --branch`). */
export class InvalidBranchNameError extends GitError {
  readonly branch: string;
  constructor(branch: string, detail = "git refuses it as a branch name") {
    super(
      "invalid_branch_name",
      `Cannot use ${JSON.stringify(branch)} as a branch name as ${detail}`,
    );
    this.name = "InvalidBranchNameError";
    this.branch = branch;
  }
}

/** A ref (branch, tag, commit) does not exist. */
export class UnknownRefError extends GitError {
  readonly ref: string;
  constructor(ref: string, action: string, detail = "no such commit") {
    super(
      "unknown_ref",
      `Cannot ${action} as ${
        JSON.stringify(ref)
      } is not a known ref: ${detail}`,
    );
    this.name = "UnknownRefError";
    this.ref = ref;
  }
}

/** A ref exists but is not a local branch (so it cannot be merged into). */
export class NotABranchError extends GitError {
  readonly ref: string;
  constructor(ref: string, action: string) {
    super(
      "not_a_branch",
      `Cannot ${action} as ${
        JSON.stringify(ref)
      } is not a local branch: only refs/heads/* can be updated`,
    );
    this.name = "NotABranchError";
    this.ref = ref;
  }
}

/** The branch to create already exists. */
export class BranchExistsError extends GitError {
  readonly branch: string;
  constructor(branch: string) {
    super(
      "branch_exists",
      `Cannot create branch ${branch} as it already exists: pick another name`,
    );
    this.name = "BranchExistsError";
    this.branch = branch;
  }
}

/** The path for a new worktree already exists and is not empty. */
export class WorktreePathExistsError extends GitError {
  readonly path: string;
  constructor(path: string) {
    super(
      "worktree_path_exists",
      `Cannot create a worktree at ${path} as it already exists`,
    );
    this.name = "WorktreePathExistsError";
    this.path = path;
  }
}

/** No worktree of the repository is at that path. */
export class WorktreeNotFoundError extends GitError {
  readonly path: string;
  constructor(path: string, repo: string) {
    super(
      "worktree_not_found",
      `Cannot find a worktree at ${path} as git lists none there for ${repo}`,
    );
    this.name = "WorktreeNotFoundError";
    this.path = path;
  }
}

/** The path is the repository's main working tree, which is never removed. */
export class MainWorktreeError extends GitError {
  readonly path: string;
  constructor(path: string) {
    super(
      "main_worktree",
      `Cannot remove ${path} as it is the repository's main working tree`,
    );
    this.name = "MainWorktreeError";
    this.path = path;
  }
}

/** A working tree has uncommitted (or untracked) changes. */
export class UncommittedChangesError extends GitError {
  readonly path: string;
  readonly files: readonly string[];
  constructor(action: string, path: string, files: readonly string[]) {
    super(
      "uncommitted_changes",
      `Cannot ${action} as ${path} has uncommitted changes: ${
        fileList(files)
      }; commit them first`,
    );
    this.name = "UncommittedChangesError";
    this.path = path;
    this.files = files;
  }
}

/** A branch has commits its base does not contain. */
export class UnmergedWorkError extends GitError {
  readonly branch: string;
  readonly base: string;
  readonly commits: number;
  constructor(action: string, branch: string, base: string, commits: number) {
    super(
      "unmerged_work",
      `Cannot ${action} as branch ${branch} has ${commits} commit${
        commits === 1 ? "" : "s"
      } not merged into ${base}: merge it first or force`,
    );
    this.name = "UnmergedWorkError";
    this.branch = branch;
    this.base = base;
    this.commits = commits;
  }
}

/** Merging would conflict; nothing was changed. */
export class MergeConflictError extends GitError {
  readonly branch: string;
  readonly base: string;
  readonly files: readonly string[];
  constructor(branch: string, base: string, files: readonly string[]) {
    super(
      "merge_conflict",
      `Cannot merge ${branch} into ${base} as they conflict in ${
        fileList(files)
      }; nothing was changed`,
    );
    this.name = "MergeConflictError";
    this.branch = branch;
    this.base = base;
    this.files = files;
  }
}

/**
 * The base branch is checked out in a working tree (usually the user's main
 * checkout) that has changes to tracked files, so Flock will not move it.
 */
export class BaseCheckoutDirtyError extends GitError {
  readonly base: string;
  readonly path: string;
  readonly files: readonly string[];
  constructor(base: string, path: string, files: readonly string[]) {
    super(
      "base_checkout_dirty",
      `Cannot merge into ${base} as its checkout at ${path} has uncommitted changes: ${
        fileList(files)
      }; commit or stash them there first`,
    );
    this.name = "BaseCheckoutDirtyError";
    this.base = base;
    this.path = path;
    this.files = files;
  }
}

/** A ref moved between reading and updating it (someone else changed it). */
export class RefChangedError extends GitError {
  readonly ref: string;
  constructor(ref: string, detail: string) {
    super(
      "ref_changed",
      `Cannot update ${ref} as it changed while Flock was working on it: ${detail}; try again`,
    );
    this.name = "RefChangedError";
    this.ref = ref;
  }
}

/** A commit message is empty. */
export class InvalidCommitMessageError extends GitError {
  constructor() {
    super(
      "invalid_commit_message",
      "Cannot commit as the message is empty: give a message",
    );
    this.name = "InvalidCommitMessageError";
  }
}

/** There is nothing to commit. */
export class NothingToCommitError extends GitError {
  readonly path: string;
  constructor(path: string) {
    super(
      "nothing_to_commit",
      `Cannot commit in ${path} as there are no changes`,
    );
    this.name = "NothingToCommitError";
    this.path = path;
  }
}

/** git does not know who is committing (no user.name / user.email). */
export class MissingIdentityError extends GitError {
  constructor(action: string, detail: string) {
    super(
      "missing_identity",
      `Cannot ${action} as git does not know who is committing: ${detail}; set user.name and user.email (git config --global)`,
    );
    this.name = "MissingIdentityError";
  }
}
