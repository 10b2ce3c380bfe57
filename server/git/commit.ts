/**
 * "Commit all" in a worktree: stage every change (new, modified, deleted,
 * renamed; ignored files stay out) and commit it with a message. The
 * repository's own commit hooks run, as for any `git commit`.
 *
 * @module
 */
import {
  GitCommandError,
  InvalidCommitMessageError,
  NothingToCommitError,
} from "./git_errors.ts";
import type { GitRunner } from "./git_runner.ts";
import { repositoryRoot, requireIdentity, status } from "./repository.ts";

/** Options for {@linkcode commitAll}. */
export interface CommitAllOptions {
  /** The work tree (any directory in it). */
  dir: string;
  /** The commit message (must not be blank). */
  message: string;
}

/** What {@linkcode commitAll} committed. */
export interface CommitAllResult {
  /** The new commit. */
  commit: string;
  /** The paths it changed (both sides of a rename), sorted as git sorts. */
  files: string[];
}

/**
 * Stages everything and commits it.
 *
 * @throws {InvalidCommitMessageError} when the message is blank.
 * @throws {NothingToCommitError} when there are no changes.
 * @throws {MissingIdentityError} when git does not know the committer.
 * @throws {GitCommandError} when a hook (or git) refuses the commit.
 */
export async function commitAll(
  git: GitRunner,
  options: CommitAllOptions,
): Promise<CommitAllResult> {
  const message = options.message.trim();
  if (message === "" || message.includes("\0")) {
    throw new InvalidCommitMessageError();
  }
  const top = await repositoryRoot(git, options.dir);
  const changes = await status(git, top);
  if (changes.length === 0) throw new NothingToCommitError(top);
  await requireIdentity(git, top, `commit in ${top}`);
  await git.run(["add", "--all", "--", "."], { dir: top });
  const committed = await git.run(
    ["commit", "--quiet", "--no-edit", "-m", message],
    { dir: top, okCodes: [0, 1] },
  );
  if (committed.code !== 0) {
    throw new GitCommandError(
      ["commit"],
      committed.code,
      committed.stderr || committed.stdout,
      "git refused the commit (a hook, or nothing left to commit)",
    );
  }
  const head = (await git.run(["rev-parse", "--verify", "HEAD^{commit}"], {
    dir: top,
  })).stdout.trim();
  const changed = await git.run([
    "diff-tree",
    "-r",
    "-z",
    "--no-commit-id",
    "--name-only",
    "--no-renames",
    "--root",
    head,
  ], { dir: top });
  return {
    commit: head,
    files: changed.stdout.split("\0").filter((p) => p !== ""),
  };
}
