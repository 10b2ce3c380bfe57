/**
 * Facts about a repository: is a directory in a work tree, its top level,
 * HEAD, refs, branch names, status, ancestry and the committer identity.
 *
 * User input that names a ref is only ever passed after
 * `--end-of-options` (or prefixed with `refs/heads/`), and resolved to a
 * commit id once; later commands get the id, so nothing a user types can
 * become an option.
 *
 * @module
 */
import {
  GitCommandError,
  InvalidBranchNameError,
  MissingIdentityError,
  NotABranchError,
  NotAGitRepositoryError,
  UnknownRefError,
} from "./git_errors.ts";
import type { GitRunner } from "./git_runner.ts";
import { parseStatusV2, type StatusEntry } from "./status_parse.ts";

export type { StatusEntry } from "./status_parse.ts";

/** Where HEAD points. */
export interface HeadState {
  /** The checked-out local branch (short name), or null when detached. */
  branch: string | null;
  /** The commit, or null when the branch has no commits yet. */
  commit: string | null;
}

function firstLine(text: string): string {
  return text.trim().split("\n").find((l) => l.trim() !== "")?.trim() ??
    "git gave no reason";
}

/**
 * The top level of the work tree containing `dir`.
 *
 * @throws {NotAGitRepositoryError} when `dir` does not exist, is not in a
 * git work tree, or is inside a `.git` directory or a bare repository.
 */
export async function repositoryRoot(
  git: GitRunner,
  dir: string,
): Promise<string> {
  const inside = await git.run(["rev-parse", "--is-inside-work-tree"], {
    dir,
    okCodes: [0, 128],
  });
  if (inside.code !== 0) {
    throw new NotAGitRepositoryError(dir, firstLine(inside.stderr));
  }
  if (inside.stdout.trim() !== "true") {
    throw new NotAGitRepositoryError(
      dir,
      "it is a git directory or a bare repository, not a work tree",
    );
  }
  const top = await git.run(["rev-parse", "--show-toplevel"], { dir });
  return top.stdout.trim();
}

/** Whether `dir` is inside a git work tree (never throws for a non-repo). */
export async function isInsideWorkTree(
  git: GitRunner,
  dir: string,
): Promise<boolean> {
  try {
    await repositoryRoot(git, dir);
    return true;
  } catch (error) {
    if (error instanceof NotAGitRepositoryError) return false;
    throw error;
  }
}

/** HEAD of the work tree at `dir`: its branch (if any) and commit (if any). */
export async function headState(
  git: GitRunner,
  dir: string,
): Promise<HeadState> {
  const [symbolic, commit] = await Promise.all([
    git.run(["symbolic-ref", "--quiet", "HEAD"], { dir, okCodes: [0, 1] }),
    git.run(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], {
      dir,
      okCodes: [0, 1],
    }),
  ]);
  const ref = symbolic.code === 0 ? symbolic.stdout.trim() : "";
  return {
    branch: ref.startsWith("refs/heads/")
      ? ref.slice("refs/heads/".length)
      : null,
    commit: commit.code === 0 ? commit.stdout.trim() : null,
  };
}

/**
 * The commit a ref (branch, tag, id, `main~2`, …) names, or null.
 * A ref starting with `-` is never an option here.
 */
export async function findCommit(
  git: GitRunner,
  dir: string,
  ref: string,
): Promise<string | null> {
  if (ref === "" || ref.includes("\0")) return null;
  const result = await git.run(
    ["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`],
    { dir, okCodes: [0, 1, 128] },
  );
  return result.code === 0 ? result.stdout.trim() : null;
}

/**
 * The commit a ref names.
 *
 * @param action What the caller is doing, for the message ("merge x").
 * @throws {UnknownRefError} when it names no commit.
 */
export async function resolveCommit(
  git: GitRunner,
  dir: string,
  ref: string,
  action: string,
): Promise<string> {
  const commit = await findCommit(git, dir, ref);
  if (commit === null) throw new UnknownRefError(ref, action);
  return commit;
}

/** Whether a ref names a commit. */
export async function refExists(
  git: GitRunner,
  dir: string,
  ref: string,
): Promise<boolean> {
  return (await findCommit(git, dir, ref)) !== null;
}

/**
 * The local branch a ref names (`main`, `heads/main` and `refs/heads/main`
 * all give `main`), or null for anything else (a tag, an id, `main~1`, a
 * remote-tracking branch).
 */
export async function localBranchOf(
  git: GitRunner,
  dir: string,
  ref: string,
): Promise<string | null> {
  if (ref === "" || ref.includes("\0")) return null;
  const result = await git.run(
    [
      "rev-parse",
      "--verify",
      "--quiet",
      "--symbolic-full-name",
      "--end-of-options",
      ref,
    ],
    { dir, okCodes: [0, 1, 128] },
  );
  const full = result.code === 0 ? result.stdout.trim() : "";
  return full.startsWith("refs/heads/")
    ? full.slice("refs/heads/".length)
    : null;
}

/**
 * The commit of local branch `branch`, or null when there is no such
 * branch.
 */
export async function branchCommit(
  git: GitRunner,
  dir: string,
  branch: string,
): Promise<string | null> {
  // show-ref --verify wants an exact ref name, so `main^` or `main~1`
  // cannot pass for a branch.
  const result = await git.run(
    ["show-ref", "--verify", "--hash", `refs/heads/${branch}`],
    { dir, okCodes: [0, 1, 128] },
  );
  return result.code === 0 ? result.stdout.trim() : null;
}

/**
 * The commit of local branch `branch`.
 *
 * @throws {NotABranchError} when `branch` names a commit but not a local branch.
 * @throws {UnknownRefError} when it names nothing.
 */
export async function requireBranch(
  git: GitRunner,
  dir: string,
  branch: string,
  action: string,
): Promise<string> {
  const commit = await branchCommit(git, dir, branch);
  if (commit !== null) return commit;
  if (await refExists(git, dir, branch)) {
    throw new NotABranchError(branch, action);
  }
  throw new UnknownRefError(branch, action, "no such branch");
}

/**
 * Checks a new branch name with `git check-ref-format --branch`, which
 * refuses what `git branch` refuses (spaces, `..`, `@{`, a leading `-`,
 * `HEAD`, …). Names that git would expand (`@{-1}`) are refused too.
 *
 * @returns The name, unchanged.
 * @throws {InvalidBranchNameError} when git refuses it.
 */
export async function validateBranchName(
  git: GitRunner,
  name: string,
): Promise<string> {
  if (name === "" || name.startsWith("-") || name.includes("\0")) {
    throw new InvalidBranchNameError(name);
  }
  const result = await git.run(["check-ref-format", "--branch", name], {
    okCodes: [0, 1, 128],
  });
  if (result.code !== 0) {
    throw new InvalidBranchNameError(name, firstLine(result.stderr));
  }
  if (result.stdout.trim() !== name) {
    throw new InvalidBranchNameError(
      name,
      `git reads it as ${result.stdout.trim()}`,
    );
  }
  return name;
}

/**
 * The changed paths of the work tree at `dir`: staged, unstaged, unmerged
 * and untracked (each untracked file listed; ignored files are not).
 */
export async function status(
  git: GitRunner,
  dir: string,
): Promise<StatusEntry[]> {
  const result = await git.run([
    "status",
    "--porcelain=v2",
    "-z",
    "--untracked-files=all",
    "--ignore-submodules=none",
  ], { dir });
  return parseStatusV2(result.stdout);
}

/** Whether commit `ancestor` is reachable from `descendant` (or equal). */
export async function isAncestor(
  git: GitRunner,
  dir: string,
  ancestor: string,
  descendant: string,
): Promise<boolean> {
  const result = await git.run(
    ["merge-base", "--is-ancestor", ancestor, descendant],
    { dir, okCodes: [0, 1] },
  );
  return result.code === 0;
}

/** How many commits `to` has that `from` does not (`git rev-list --count from..to`). */
export async function countCommits(
  git: GitRunner,
  dir: string,
  from: string,
  to: string,
): Promise<number> {
  const result = await git.run(["rev-list", "--count", `${from}..${to}`], {
    dir,
  });
  return Number(result.stdout.trim());
}

/**
 * Checks that git knows the author and committer (user.name and
 * user.email, or the environment).
 *
 * @throws {MissingIdentityError} when it does not.
 */
export async function requireIdentity(
  git: GitRunner,
  dir: string,
  action: string,
): Promise<void> {
  for (const variable of ["GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"]) {
    const result = await git.run(["var", variable], {
      dir,
      okCodes: [0, 128],
    });
    if (result.code !== 0) {
      const fatal = result.stderr.split("\n").find((l) =>
        l.startsWith("fatal:")
      );
      throw new MissingIdentityError(
        action,
        fatal?.slice("fatal:".length).trim() ?? firstLine(result.stderr),
      );
    }
  }
}

/** The id of the empty tree in this repository's hash (SHA-1 or SHA-256). */
export async function emptyTree(git: GitRunner, dir: string): Promise<string> {
  // stdin is closed, so this hashes empty input as a tree.
  const result = await git.run(["hash-object", "-t", "tree", "--stdin"], {
    dir,
  });
  const id = result.stdout.trim();
  if (!/^[0-9a-f]{40,64}$/.test(id)) {
    throw new GitCommandError(["hash-object"], 0, id, "it printed no id");
  }
  return id;
}
