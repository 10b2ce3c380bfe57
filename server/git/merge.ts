/**
 * Merges a worktree's branch into its base without a working tree:
 * `git merge-tree --write-tree` computes the result, `git commit-tree`
 * records a merge commit (fast-forward when the base has not moved), and the
 * base ref moves by compare-and-swap. A conflict therefore changes nothing:
 * no ref, no file, no index.
 *
 * When the base is checked out somewhere (usually the user's main
 * checkout), moving the ref alone would leave that checkout's files behind
 * (its status would show the merge undone), so:
 * - a checkout with changes to tracked files is refused
 *   ({@linkcode BaseCheckoutDirtyError}) before anything happens;
 * - a clean one is moved with `git merge --ff-only <result>` run there,
 *   which updates its files and index and refuses (changing nothing) if a
 *   file it must touch was modified meanwhile or an untracked file would
 *   be overwritten. Untracked files are otherwise left alone.
 *
 * @module
 */
import {
  BaseCheckoutDirtyError,
  GitCommandError,
  InvalidBranchNameError,
  MergeConflictError,
  RefChangedError,
  UncommittedChangesError,
} from "./git_errors.ts";
import type { GitRunner } from "./git_runner.ts";
import {
  branchCommit,
  isAncestor,
  repositoryRoot,
  requireBranch,
  requireIdentity,
  status,
} from "./repository.ts";
import { touchesTrackedFile } from "./status_parse.ts";
import { listWorktrees } from "./worktrees.ts";

/** Options for {@linkcode mergeBranch}. */
export interface MergeOptions {
  /** Any directory inside the repository. */
  repo: string;
  /** The branch to merge (a worktree's branch). */
  branch: string;
  /** The local branch to merge it into. */
  base: string;
  /** The merge commit's message. Default `Merge branch '<branch>' into <base>`. */
  message?: string;
}

/** How the base moved. */
export type MergeKind = "up-to-date" | "fast-forward" | "merge-commit";

/** What {@linkcode mergeBranch} did. */
export interface MergeResult {
  kind: MergeKind;
  branch: string;
  base: string;
  /** The base's commit before. */
  previous: string;
  /** The base's commit after. */
  commit: string;
  /** The checkout of `base` whose files were brought along, if any. */
  updatedCheckout: string | null;
}

/**
 * Parses `git merge-tree --write-tree -z --name-only --no-messages`:
 * the tree id, then the conflicted paths, NUL-separated (pure).
 */
export function parseMergeTree(
  output: string,
): { tree: string; conflicts: string[] } {
  const tokens = output.split("\0");
  const tree = tokens[0]?.trim() ?? "";
  const conflicts: string[] = [];
  for (const token of tokens.slice(1)) {
    if (token === "") break;
    if (!conflicts.includes(token)) conflicts.push(token);
  }
  return { tree, conflicts };
}

/** Paths git lists tab-indented under an error (local changes, untracked files). */
function indentedPaths(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l.startsWith("\t"))
    .map((l) => l.slice(1));
}

/**
 * Merges `branch` into `base`: fast-forward when possible, a merge commit
 * otherwise.
 *
 * @throws {UnknownRefError} / {NotABranchError} when either is not a local branch.
 * @throws {UncommittedChangesError} when the branch's worktree has changes
 * (nothing happens).
 * @throws {BaseCheckoutDirtyError} when `base` is checked out with changes
 * to tracked files (nothing happens).
 * @throws {MergeConflictError} listing the files (nothing happens).
 * @throws {MissingIdentityError} when a merge commit is needed and git does
 * not know the committer.
 * @throws {RefChangedError} when `base` moved meanwhile (nothing happens).
 */
export async function mergeBranch(
  git: GitRunner,
  options: MergeOptions,
): Promise<MergeResult> {
  const { branch, base } = options;
  const top = await repositoryRoot(git, options.repo);
  const action = `merge ${branch} into ${base}`;
  if (branch === base) {
    throw new InvalidBranchNameError(branch, "it is the base itself");
  }
  const branchTip = await requireBranch(git, top, branch, action);
  const baseTip = await requireBranch(git, top, base, action);
  const worktrees = (await listWorktrees(git, top)).filter((w) =>
    !w.bare && !w.prunable
  );

  const branchCheckout = worktrees.find((w) => w.branch === branch);
  if (branchCheckout) {
    const changes = await status(git, branchCheckout.path);
    if (changes.length > 0) {
      throw new UncommittedChangesError(
        action,
        branchCheckout.path,
        changes.map((c) => c.path),
      );
    }
  }
  const result = (
    kind: MergeKind,
    commit: string,
    checkout: string | null,
  ) => ({
    kind,
    branch,
    base,
    previous: baseTip,
    commit,
    updatedCheckout: checkout,
  });
  if (await isAncestor(git, top, branchTip, baseTip)) {
    return result("up-to-date", baseTip, null);
  }

  const baseCheckout = worktrees.find((w) => w.branch === base);
  if (baseCheckout) {
    const dirty = (await status(git, baseCheckout.path)).filter(
      touchesTrackedFile,
    );
    if (dirty.length > 0) {
      throw new BaseCheckoutDirtyError(
        base,
        baseCheckout.path,
        dirty.map((c) => c.path),
      );
    }
  }

  let kind: MergeKind;
  let commit: string;
  if (await isAncestor(git, top, baseTip, branchTip)) {
    kind = "fast-forward";
    commit = branchTip;
  } else {
    const merged = await git.run([
      "merge-tree",
      "--write-tree",
      "-z",
      "--name-only",
      "--no-messages",
      baseTip,
      branchTip,
    ], { dir: top, okCodes: [0, 1] });
    const { tree, conflicts } = parseMergeTree(merged.stdout);
    if (merged.code === 1) {
      throw new MergeConflictError(branch, base, conflicts);
    }
    await requireIdentity(git, top, action);
    const message = options.message?.trim() ||
      `Merge branch '${branch}' into ${base}`;
    kind = "merge-commit";
    commit = (await git.run(
      ["commit-tree", tree, "-p", baseTip, "-p", branchTip, "-m", message],
      { dir: top },
    )).stdout.trim();
  }

  const ref = `refs/heads/${base}`;
  if (!baseCheckout) {
    const updated = await git.run(
      ["update-ref", "-m", `flock: ${action} (${kind})`, ref, commit, baseTip],
      { dir: top, okCodes: [0, 1, 128] },
    );
    if (updated.code !== 0) {
      throw new RefChangedError(ref, updated.stderr.trim() || "it moved");
    }
    return result(kind, commit, null);
  }

  if ((await branchCommit(git, top, base)) !== baseTip) {
    throw new RefChangedError(ref, `it is no longer at ${baseTip}`);
  }
  const moved = await git.run(
    ["merge", "--ff-only", "--quiet", commit],
    { dir: baseCheckout.path, okCodes: [0, 1, 128] },
  );
  if (moved.code !== 0) {
    const files = indentedPaths(moved.stderr);
    if (files.length > 0) {
      throw new BaseCheckoutDirtyError(base, baseCheckout.path, files);
    }
    if ((await branchCommit(git, top, base)) !== baseTip) {
      throw new RefChangedError(ref, moved.stderr.trim());
    }
    throw new GitCommandError(["merge", "--ff-only"], moved.code, moved.stderr);
  }
  return result(kind, commit, baseCheckout.path);
}
