/**
 * Git worktrees for sessions: create a branch and its worktree from a base,
 * list, remove (refusing to lose work unless forced) and prune.
 *
 * Rules: only the worktree's own branch is ever deleted, only when its
 * commits are in its base (or when the caller explicitly asks), and with a
 * compare-and-swap (`git update-ref -d <ref> <old>`). The main working tree
 * is never removed.
 *
 * @module
 */
import {
  BranchExistsError,
  GitCommandError,
  MainWorktreeError,
  UncommittedChangesError,
  UnknownRefError,
  UnmergedWorkError,
  WorktreeNotFoundError,
  WorktreePathExistsError,
} from "./git_errors.ts";
import type { GitRunner } from "./git_runner.ts";
import {
  branchCommit,
  countCommits,
  findCommit,
  headState,
  isAncestor,
  localBranchOf,
  repositoryRoot,
  resolveCommit,
  status,
  validateBranchName,
} from "./repository.ts";
import {
  parseWorktreeList,
  type WorktreeEntry,
} from "./worktree_list_parse.ts";

export type { WorktreeEntry } from "./worktree_list_parse.ts";

/** Options for {@linkcode createWorktree}. */
export interface CreateWorktreeOptions {
  /** Any directory inside the repository. */
  repo: string;
  /** Where the worktree goes (absolute; the caller picks a path under Flock's data dir). */
  path: string;
  /** The new branch. */
  branch: string;
  /** What to branch from. Default: the repository's current HEAD. */
  base?: string;
}

/** A created worktree. */
export interface CreatedWorktree {
  /** The worktree's path, as git records it. */
  path: string;
  branch: string;
  /**
   * What the branch merges back into: the local branch name when the base
   * is (or HEAD is on) a local branch, otherwise the ref as given (or the
   * commit id for a detached HEAD), which diffs can use but merges cannot.
   */
  base: string;
  /** The commit the branch starts at. */
  baseCommit: string;
  /** The repository's main work tree (top level of `repo`). */
  repo: string;
}

/**
 * Lists the repository's working trees, the main one first.
 *
 * @throws {NotAGitRepositoryError} when `repo` is not in a work tree.
 */
export async function listWorktrees(
  git: GitRunner,
  repo: string,
): Promise<WorktreeEntry[]> {
  const top = await repositoryRoot(git, repo);
  const result = await git.run(["worktree", "list", "--porcelain", "-z"], {
    dir: top,
  });
  return parseWorktreeList(result.stdout);
}

/**
 * Creates branch `branch` at `base` and checks it out in a new worktree at
 * `path`.
 *
 * @throws {NotAGitRepositoryError} when `repo` is not in a work tree.
 * @throws {InvalidBranchNameError} when git refuses the branch name.
 * @throws {UnknownRefError} when `base` names no commit (or HEAD has none).
 * @throws {BranchExistsError} when the branch exists.
 * @throws {WorktreePathExistsError} when `path` exists and is not empty.
 */
export async function createWorktree(
  git: GitRunner,
  options: CreateWorktreeOptions,
): Promise<CreatedWorktree> {
  const top = await repositoryRoot(git, options.repo);
  const branch = await validateBranchName(git, options.branch);
  const action = `create a worktree for ${branch}`;
  let base: string;
  let baseCommit: string;
  if (options.base === undefined) {
    const head = await headState(git, top);
    if (head.commit === null) {
      throw new UnknownRefError(
        "HEAD",
        action,
        "the repository has no commits yet",
      );
    }
    baseCommit = head.commit;
    base = head.branch ?? head.commit;
  } else {
    baseCommit = await resolveCommit(git, top, options.base, action);
    base = (await localBranchOf(git, top, options.base)) ?? options.base;
  }
  if ((await branchCommit(git, top, branch)) !== null) {
    throw new BranchExistsError(branch);
  }
  const added = await git.run(
    ["worktree", "add", "-b", branch, "--", options.path, baseCommit],
    { dir: top, okCodes: [0, 128] },
  );
  if (added.code !== 0) {
    if (/a branch named .* already exists/.test(added.stderr)) {
      // Someone else created it meanwhile: it is theirs, leave it.
      throw new BranchExistsError(branch);
    }
    // `git worktree add -b` creates the branch before it checks the path;
    // take back the branch this call created, and only if still untouched.
    if ((await branchCommit(git, top, branch)) === baseCommit) {
      await git.run(
        ["update-ref", "-d", `refs/heads/${branch}`, baseCommit],
        { dir: top, okCodes: [0, 1, 128] },
      );
    }
    if (/already exists/.test(added.stderr)) {
      throw new WorktreePathExistsError(options.path);
    }
    throw new GitCommandError(["worktree", "add"], added.code, added.stderr);
  }
  const entry = (await listWorktrees(git, top)).find((w) =>
    w.branch === branch
  );
  return {
    path: entry?.path ?? options.path,
    branch,
    base,
    baseCommit,
    repo: top,
  };
}

/** Options for {@linkcode removeWorktree}. */
export interface RemoveWorktreeOptions {
  /** Any directory inside the repository. */
  repo: string;
  /** The worktree's path (as {@linkcode createWorktree} returned it). */
  path: string;
  /** The worktree branch's base, which decides whether its work is merged. */
  base: string;
  /**
   * Remove even with uncommitted changes or unmerged commits. The branch
   * itself is still kept when it has unmerged commits, unless
   * `deleteUnmergedBranch` is set too.
   */
  force?: boolean;
  /** Delete the branch even when its commits are not in `base`. */
  deleteUnmergedBranch?: boolean;
}

/** What {@linkcode removeWorktree} did. */
export interface RemovedWorktree {
  path: string;
  /** The branch the worktree had checked out, if any. */
  branch: string | null;
  /** Whether that branch was deleted. */
  branchDeleted: boolean;
  /** Whether its directory was already gone (only git's records were removed). */
  pruned: boolean;
}

function samePath(a: string, b: string): boolean {
  const strip = (p: string) => p.length > 1 ? p.replace(/\/+$/, "") : p;
  return strip(a) === strip(b);
}

/** What removing a worktree without force would lose ({@linkcode inspectWorktree}). */
export interface WorktreeWork {
  /** The worktree's path, as git records it. */
  path: string;
  /** The branch it has checked out, or null when detached. */
  branch: string | null;
  /** Its uncommitted (or untracked) files; none when its directory is gone. */
  files: string[];
  /** How many commits of its branch `base` lacks (0 when merged). */
  unmergedCommits: number;
}

/** Options for {@linkcode inspectWorktree}. */
export interface InspectWorktreeOptions {
  /** Any directory inside the repository. */
  repo: string;
  /** The worktree's path. */
  path: string;
  /** The worktree branch's base, which decides whether its work is merged. */
  base: string;
}

interface Located {
  top: string;
  entry: WorktreeEntry;
  action: string;
}

async function locate(
  git: GitRunner,
  repo: string,
  path: string,
): Promise<Located> {
  const top = await repositoryRoot(git, repo);
  const entry = (await listWorktrees(git, top)).find((w) =>
    samePath(w.path, path)
  );
  if (!entry) throw new WorktreeNotFoundError(path, top);
  if (entry.main) throw new MainWorktreeError(entry.path);
  return { top, entry, action: `remove the worktree ${entry.path}` };
}

interface BranchState {
  baseCommit: string | null;
  branchTip: string | null;
  merged: boolean;
}

async function branchState(
  git: GitRunner,
  { top, entry, action }: Located,
  base: string,
  force: boolean,
): Promise<BranchState> {
  const baseCommit = force
    ? await findCommit(git, top, base)
    : await resolveCommit(git, top, base, action);
  const branchTip = entry.branch === null
    ? null
    : await branchCommit(git, top, entry.branch);
  const merged = branchTip !== null && baseCommit !== null &&
    await isAncestor(git, top, branchTip, baseCommit);
  return { baseCommit, branchTip, merged };
}

async function workOf(
  git: GitRunner,
  located: Located,
  state: BranchState,
): Promise<WorktreeWork> {
  const { top, entry } = located;
  const files = entry.prunable
    ? []
    : (await status(git, entry.path)).map((c) => c.path);
  const { baseCommit, branchTip, merged } = state;
  const unmergedCommits = branchTip !== null && baseCommit !== null && !merged
    ? await countCommits(git, top, baseCommit, branchTip)
    : 0;
  return { path: entry.path, branch: entry.branch, files, unmergedCommits };
}

/**
 * What a removal without force would refuse for: the worktree's
 * uncommitted files and its branch's commits that `base` lacks. Changes
 * nothing.
 *
 * @throws {WorktreeNotFoundError} when git lists no worktree at `path`.
 * @throws {MainWorktreeError} for the repository's main working tree.
 * @throws {UnknownRefError} when `base` names no commit.
 * @throws {NotAGitRepositoryError} when `repo` is not in a work tree.
 */
export async function inspectWorktree(
  git: GitRunner,
  options: InspectWorktreeOptions,
): Promise<WorktreeWork> {
  const located = await locate(git, options.repo, options.path);
  const state = await branchState(git, located, options.base, false);
  return await workOf(git, located, state);
}

/**
 * Removes a linked worktree and, when its commits are in `base`, its
 * branch.
 *
 * @throws {WorktreeNotFoundError} when git lists no worktree at `path`.
 * @throws {MainWorktreeError} for the repository's main working tree.
 * @throws {UncommittedChangesError} (unless forced) when it has changes.
 * @throws {UnmergedWorkError} (unless forced) when its branch has commits
 * that `base` lacks.
 * @throws {UnknownRefError} (unless forced) when `base` names no commit.
 */
export async function removeWorktree(
  git: GitRunner,
  options: RemoveWorktreeOptions,
): Promise<RemovedWorktree> {
  const located = await locate(git, options.repo, options.path);
  const { top, entry, action } = located;
  const force = options.force ?? false;
  const state = await branchState(git, located, options.base, force);
  const { branchTip, merged } = state;

  if (!force) {
    const work = await workOf(git, located, state);
    if (work.files.length > 0) {
      throw new UncommittedChangesError(action, entry.path, work.files);
    }
    if (work.unmergedCommits > 0) {
      throw new UnmergedWorkError(
        action,
        entry.branch ?? branchTip ?? entry.path,
        options.base,
        work.unmergedCommits,
      );
    }
  }

  // Also right for a directory that is already gone: git then drops just
  // this worktree's records (unlike `git worktree prune`, which drops all).
  await git.run(
    ["worktree", "remove", ...(force ? ["--force"] : []), "--", entry.path],
    { dir: top },
  );

  let branchDeleted = false;
  const baseBranch = await localBranchOf(git, top, options.base);
  if (
    entry.branch !== null && branchTip !== null &&
    entry.branch !== baseBranch &&
    (merged || options.deleteUnmergedBranch === true)
  ) {
    // Compare-and-swap: a branch that moved meanwhile is left alone.
    const deleted = await git.run(
      ["update-ref", "-d", `refs/heads/${entry.branch}`, branchTip],
      { dir: top, okCodes: [0, 1, 128] },
    );
    branchDeleted = deleted.code === 0;
  }
  return {
    path: entry.path,
    branch: entry.branch,
    branchDeleted,
    pruned: entry.prunable,
  };
}

/**
 * Drops git's records of worktrees whose directories are gone.
 *
 * @returns The paths that were pruned.
 */
export async function pruneWorktrees(
  git: GitRunner,
  repo: string,
): Promise<string[]> {
  const before = await listWorktrees(git, repo);
  const stale = before.filter((w) => w.prunable && !w.locked);
  if (stale.length === 0) return [];
  const top = await repositoryRoot(git, repo);
  await git.run(["worktree", "prune"], { dir: top });
  const after = new Set((await listWorktrees(git, top)).map((w) => w.path));
  return stale.map((w) => w.path).filter((p) => !after.has(p));
}
