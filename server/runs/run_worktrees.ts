/**
 * A run's own git worktree (`POST /api/runs` with `"worktree": true`),
 * through the git layer (`server/git/`): made before the run's first
 * attempt (a new branch from the instance repository's HEAD, checked out
 * under Flock's data directory), looked at before each attempt's session
 * (a worktree removed by hand gives the step up with a clear reason), and
 * the agents' uncommitted work committed on its branch between attempts
 * and when the run completes. It is never removed here: the run owns it,
 * and it outlives the run (its branch holds the work for review).
 *
 * @module
 */
import type { InstanceJson } from "../contract/instances.ts";
import type { RunWorktreePlace } from "../db/run_rows.ts";
import { commitAll } from "../git/commit.ts";
import {
  BranchExistsError,
  NotAGitRepositoryError,
  NothingToCommitError,
  UnknownRefError,
} from "../git/git_errors.ts";
import type { GitRunner } from "../git/git_runner.ts";
import { headState, isInsideWorkTree } from "../git/repository.ts";
import { createWorktree, removeWorktree } from "../git/worktrees.ts";
import { RunStartError } from "./run_errors.ts";
import {
  runBranchName,
  worktreeDirectory,
  worktreeGoneReason,
} from "./run_worktree_names.ts";

/** A worktree made for a run that is not saved yet. */
export interface CreatedRunWorktree {
  worktree: RunWorktreePlace;
  /** Where the run's sessions work (the instance's directory, inside the worktree). */
  directory: string;
  /** The commit the branch starts at. */
  baseCommit: string;
}

/** What the runner needs for runs in worktrees of their own. */
export interface RunWorktrees {
  /**
   * Refuses, before anything is made, an instance whose directory cannot
   * have a worktree: a remote one, one outside git, one without commits.
   *
   * @throws {RunStartError} (400, naming the field `worktree`).
   */
  check(instance: InstanceJson): Promise<void>;
  /**
   * Makes the branch (`flock/run-<number>-<task words>`, with a random
   * suffix when that name is taken) and its worktree.
   *
   * @throws {RunStartError} as {@linkcode RunWorktrees.check} does.
   */
  create(
    instance: InstanceJson,
    runNumber: number,
    task: string,
  ): Promise<CreatedRunWorktree>;
  /** Takes back a worktree no run got (its new branch too). */
  discard(created: CreatedRunWorktree): Promise<void>;
  /**
   * Why the run's sessions cannot work in it (it was removed or is no
   * longer a git worktree), with how to restore it; null when it is fine.
   */
  problem(
    worktree: RunWorktreePlace,
    directory: string,
  ): Promise<string | null>;
  /**
   * Commits everything uncommitted in it on the run's branch.
   *
   * @returns The new commit, or null when there was nothing to commit.
   */
  commit(worktree: RunWorktreePlace, message: string): Promise<string | null>;
}

/** Options for {@linkcode gitRunWorktrees}. */
export interface GitRunWorktreesOptions {
  git: GitRunner;
  /** Worktrees go to `<root>/<instance id>/run-<number>-<hex>`. */
  root: string;
  /** Random hex for names. Default: 6 digits from `crypto`. */
  randomHex?: () => string;
}

function randomHex(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(3));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const FIELD = 'Cannot start the run in its own worktree as field "worktree"';

/** {@linkcode RunWorktrees} over the git layer. */
export function gitRunWorktrees(options: GitRunWorktreesOptions): RunWorktrees {
  const { git } = options;
  const root = options.root.replace(/\/+$/, "");
  const hex = options.randomHex ?? randomHex;

  const refuse = (code: string, message: string, cause?: unknown) =>
    new RunStartError(
      message,
      code,
      true,
      cause === undefined ? {} : { cause },
    );

  async function check(instance: InstanceJson): Promise<void> {
    const dir = instance.working_directory;
    if (instance.kind === "remote") {
      throw refuse(
        "worktree_remote",
        `${FIELD} needs a local instance: ${instance.id} is a remote server, which cannot see the worktrees Flock makes on this machine; start the run without "worktree"`,
      );
    }
    if (!(await isInsideWorkTree(git, dir))) {
      throw refuse(
        "worktree_not_git",
        `${FIELD} needs a git repository: the directory of instance ${instance.id} (${dir}) is not in one; run git init there, or start the run without "worktree"`,
      );
    }
    if ((await headState(git, dir)).commit === null) {
      throw refuse(
        "worktree_no_commit",
        `${FIELD} needs a commit to branch from: the repository at ${dir} has no commits yet; commit once, or start the run without "worktree"`,
      );
    }
  }

  async function make(
    instance: InstanceJson,
    runNumber: number,
    branch: string,
  ): Promise<CreatedRunWorktree> {
    const created = await createWorktree(git, {
      repo: instance.working_directory,
      path: `${root}/${instance.id}/run-${runNumber}-${hex()}`,
      branch,
    });
    return {
      worktree: {
        path: created.path,
        branch: created.branch,
        base: created.base,
        repo: created.repo,
      },
      directory: worktreeDirectory(
        created.repo,
        created.path,
        instance.working_directory,
      ),
      baseCommit: created.baseCommit,
    };
  }

  return {
    check,
    async create(instance, runNumber, task) {
      await check(instance);
      try {
        try {
          return await make(
            instance,
            runNumber,
            runBranchName(runNumber, task),
          );
        } catch (error) {
          if (!(error instanceof BranchExistsError)) throw error;
          // Left by an earlier Flock (or made by hand): never reuse it.
          return await make(
            instance,
            runNumber,
            runBranchName(runNumber, task, hex()),
          );
        }
      } catch (error) {
        if (error instanceof NotAGitRepositoryError) {
          throw refuse(
            "worktree_not_git",
            `${FIELD} needs a git repository: ${error.message}`,
            error,
          );
        }
        if (error instanceof UnknownRefError) {
          throw refuse(
            "worktree_no_commit",
            `${FIELD} needs a commit to branch from: ${error.message}`,
            error,
          );
        }
        throw error;
      }
    },
    async discard(created) {
      await removeWorktree(git, {
        repo: created.worktree.repo,
        path: created.worktree.path,
        base: created.baseCommit,
        force: true,
        deleteUnmergedBranch: true,
      });
    },
    async problem(worktree, directory) {
      try {
        const info = await Deno.stat(worktree.path);
        if (!info.isDirectory) {
          return worktreeGoneReason(worktree, "it is no longer a directory");
        }
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        return worktreeGoneReason(worktree, "it was removed");
      }
      if (!(await isInsideWorkTree(git, directory))) {
        return worktreeGoneReason(
          worktree,
          `${directory} is no longer in a git worktree`,
        );
      }
      return null;
    },
    async commit(worktree, message) {
      try {
        return (await commitAll(git, { dir: worktree.path, message })).commit;
      } catch (error) {
        if (error instanceof NothingToCommitError) return null;
        throw error;
      }
    },
  };
}
