/**
 * Diffs as `[{ file, status, additions, deletions, binary, patch }]`.
 *
 * The working tree (tracked, modified and untracked files, honouring
 * `.gitignore`) is first captured as a tree object through a scratch index
 * (`GIT_INDEX_FILE=<git dir>/flock-snapshot-index`, `git add -A`,
 * `git write-tree`), so every diff is tree-to-tree plumbing
 * (`git diff-tree`): one consistent snapshot, new files and renames
 * included, and the checkout's own index, files and refs untouched. The
 * scratch index lives in the work tree's own git dir (for a linked
 * worktree, `.git/worktrees/<name>/`, which `git worktree remove` deletes)
 * and keeps stat data between runs, so only changed files are re-hashed.
 *
 * @module
 */
import {
  DiffParseError,
  type DiffStat,
  parseRawNumstat,
  splitPatch,
} from "./diff_parse.ts";
import type { GitRunner } from "./git_runner.ts";
import {
  emptyTree,
  headState,
  repositoryRoot,
  resolveCommit,
} from "./repository.ts";

export type { DiffStat, FileStatus } from "./diff_parse.ts";

/** One changed file with its unified patch. */
export interface FileDiff extends DiffStat {
  /**
   * The unified diff (`diff --git` header, hunks); for a binary file the
   * header and `Binary files … differ`.
   */
  patch: string;
  /** The patch was cut at `maxPatchBytes` (at a line end). */
  truncated: boolean;
}

/** Options shared by the diff functions. */
export interface DiffOptions {
  /** A longer patch is cut (at a line end) and marked `truncated`. Default 1 MiB. */
  maxPatchBytes?: number;
}

const SCRATCH_INDEX = "flock-snapshot-index";

/**
 * Records the working tree at `dir` (every non-ignored file, tracked or
 * not) as a tree object, without touching its index, files or refs.
 *
 * @returns The tree id.
 * @throws {NotAGitRepositoryError} when `dir` is not in a work tree.
 */
export async function snapshotWorkingTree(
  git: GitRunner,
  dir: string,
): Promise<string> {
  return await snapshotAt(git, await repositoryRoot(git, dir));
}

async function snapshotAt(git: GitRunner, top: string): Promise<string> {
  const indexPath = (await git.run([
    "rev-parse",
    "--path-format=absolute",
    "--git-path",
    SCRATCH_INDEX,
  ], { dir: top })).stdout.trim();
  return await git.serialize(indexPath, async () => {
    const env = { GIT_INDEX_FILE: indexPath };
    await git.run(["add", "--all", "--", "."], { dir: top, env });
    return (await git.run(["write-tree"], { dir: top, env })).stdout.trim();
  });
}

/**
 * The working tree at `dir` (including untracked files) against HEAD
 * (against the empty tree before the first commit).
 */
export async function diffWorkingTree(
  git: GitRunner,
  dir: string,
  options: DiffOptions = {},
): Promise<FileDiff[]> {
  const top = await repositoryRoot(git, dir);
  const head = await headState(git, top);
  const from = head.commit ?? await emptyTree(git, top);
  const to = await snapshotAt(git, top);
  return await diffTrees(git, top, from, to, options);
}

/** Options for {@linkcode diffBranch}. */
export interface BranchDiffOptions extends DiffOptions {
  /** The worktree (any directory in it). */
  dir: string;
  /** The branch's base (a branch, tag or commit). */
  base: string;
  /** Include uncommitted and untracked files. Default true. */
  includeUncommitted?: boolean;
}

/**
 * The whole branch checked out at `dir` against its base: from the merge
 * base of `base` and HEAD to the working tree (or to HEAD with
 * `includeUncommitted: false`). Commits made on `base` since the branch
 * started are not shown as changes.
 *
 * @throws {UnknownRefError} when `base` names no commit.
 */
export async function diffBranch(
  git: GitRunner,
  options: BranchDiffOptions,
): Promise<FileDiff[]> {
  const top = await repositoryRoot(git, options.dir);
  const action = `diff against ${options.base}`;
  const baseCommit = await resolveCommit(git, top, options.base, action);
  const head = await resolveCommit(git, top, "HEAD", action);
  const mergeBase = await git.run(["merge-base", baseCommit, head], {
    dir: top,
    okCodes: [0, 1],
  });
  // Unrelated histories have no merge base; compare with the base itself.
  const from = mergeBase.code === 0 ? mergeBase.stdout.trim() : baseCommit;
  const to = options.includeUncommitted === false
    ? head
    : await snapshotAt(git, top);
  return await diffTrees(git, top, from, to, options);
}

/**
 * Between two commits or trees (any refs; user input is resolved after
 * `--end-of-options`).
 *
 * @throws {UnknownRefError} when either names nothing.
 */
export async function diffRefs(
  git: GitRunner,
  dir: string,
  from: string,
  to: string,
  options: DiffOptions = {},
): Promise<FileDiff[]> {
  const top = await repositoryRoot(git, dir);
  const action = `diff ${from} and ${to}`;
  const [a, b] = await Promise.all([
    resolveCommit(git, top, from, action),
    resolveCommit(git, top, to, action),
  ]);
  return await diffTrees(git, top, a, b, options);
}

const PATCH_ARGS = [
  "-c",
  "core.quotePath=false",
  "diff-tree",
  "-r",
  "-M",
  "-p",
  "--no-color",
  "--no-ext-diff",
  "--no-textconv",
  "--src-prefix=a/",
  "--dst-prefix=b/",
];

/** Diffs two tree-ish ids (already resolved, so never options). */
async function diffTrees(
  git: GitRunner,
  dir: string,
  from: string,
  to: string,
  options: DiffOptions,
): Promise<FileDiff[]> {
  const [stats, patch] = await Promise.all([
    git.run(["diff-tree", "-r", "-z", "-M", "--raw", "--numstat", from, to], {
      dir,
    }),
    git.run([...PATCH_ARGS, from, to], { dir }),
  ]);
  const files = parseRawNumstat(stats.stdout);
  const pieces = splitPatch(patch.stdout);
  if (pieces.length !== files.length) {
    // Never pair a file with another file's patch.
    throw new DiffParseError(
      `${files.length} changed files do not match ${pieces.length} patches`,
    );
  }
  const max = options.maxPatchBytes ?? 1024 * 1024;
  return files.map((file, index) => {
    const full = pieces[index] ?? "";
    if (full.length <= max) return { ...file, patch: full, truncated: false };
    const cut = full.lastIndexOf("\n", max - 1);
    return {
      ...file,
      patch: full.slice(0, cut > 0 ? cut + 1 : max),
      truncated: true,
    };
  });
}
