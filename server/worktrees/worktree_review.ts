/**
 * Reviewing and finishing a worktree Flock owns, whoever owns it (a
 * session, `session_worktrees.ts`, or a run, `server/runs/run_review.ts`):
 * its diff as the API shows it, the merge of its branch into its base, and
 * its removal. Each is one call into the git layer (`server/git/`) plus the
 * wire shape, so both owners answer alike.
 *
 * @module
 */
import type { DiffFileJson, MergeResultJson } from "../contract/worktrees.ts";
import { diffBranch, diffWorkingTree, type FileDiff } from "../git/diff.ts";
import { WorktreeNotFoundError } from "../git/git_errors.ts";
import type { GitRunner } from "../git/git_runner.ts";
import { mergeBranch } from "../git/merge.ts";
import { type RemovedWorktree, removeWorktree } from "../git/worktrees.ts";

/** A worktree Flock made: where it is, its branch and what it merges into. */
export interface OwnedWorktree {
  /** The worktree's top directory. */
  path: string;
  /** The repository's main working tree. */
  repo: string;
  branch: string;
  base: string;
}

/** One changed file as the API shows it. */
export function toDiffFile(d: FileDiff): DiffFileJson {
  return {
    file: d.file,
    ...(d.oldFile === undefined ? {} : { old_file: d.oldFile }),
    status: d.status,
    additions: d.additions,
    deletions: d.deletions,
    binary: d.binary,
    patch: d.patch,
    truncated: d.truncated,
  };
}

/** A diff as the API shows it: the files and what they were compared with. */
export interface WorktreeDiff {
  /** The directory the diff is of. */
  directory: string;
  /** For a branch diff: the base; null for a working tree's. */
  base: string | null;
  files: DiffFileJson[];
}

/**
 * The directory's working tree (untracked files included) against HEAD.
 *
 * @throws {NotAGitRepositoryError} when the directory is not in git.
 */
export async function workingDiff(
  git: GitRunner,
  directory: string,
): Promise<WorktreeDiff> {
  const files = await diffWorkingTree(git, directory);
  return { directory, base: null, files: files.map(toDiffFile) };
}

/**
 * The worktree's whole branch (committed or not) against its base, from
 * where they forked.
 *
 * @throws {NotAGitRepositoryError} when its directory is gone.
 * @throws {UnknownRefError} when the base names no commit.
 */
export async function branchDiff(
  git: GitRunner,
  worktree: Pick<OwnedWorktree, "path" | "base">,
): Promise<WorktreeDiff> {
  const { path, base } = worktree;
  const files = await diffBranch(git, { dir: path, base });
  return { directory: path, base, files: files.map(toDiffFile) };
}

/**
 * Merges the worktree's branch into its base: fast-forward when possible,
 * a merge commit otherwise; a conflict or uncommitted work changes nothing.
 *
 * @throws {UncommittedChangesError | MergeConflictError | BaseCheckoutDirtyError | NotABranchError | RefChangedError | MissingIdentityError}
 */
export async function mergeWorktree(
  git: GitRunner,
  worktree: OwnedWorktree,
): Promise<MergeResultJson> {
  const result = await mergeBranch(git, {
    repo: worktree.repo,
    branch: worktree.branch,
    base: worktree.base,
  });
  return {
    kind: result.kind,
    branch: result.branch,
    base: result.base,
    previous: result.previous,
    commit: result.commit,
    updated_checkout: result.updatedCheckout,
  };
}

/**
 * Removes the worktree, and its branch once merged into the base. Without
 * `force` it refuses uncommitted or unmerged work; with it, an unmerged
 * branch is still kept.
 *
 * @returns null when it was already gone (removed by hand and pruned).
 * @throws {UncommittedChangesError | UnmergedWorkError}
 */
export async function removeOwnedWorktree(
  git: GitRunner,
  worktree: Omit<OwnedWorktree, "branch">,
  force: boolean,
): Promise<RemovedWorktree | null> {
  try {
    return await removeWorktree(git, {
      repo: worktree.repo,
      path: worktree.path,
      base: worktree.base,
      force,
    });
  } catch (error) {
    if (error instanceof WorktreeNotFoundError) return null;
    throw error;
  }
}
