/**
 * Letting go of worktrees: a session's as it is deleted (inherited by a
 * fork still running in it, else removed) and an instance's as it is
 * deleted (all removed, after checking that none has work to lose unless
 * forced). The rules are in `worktree_heir.ts` and `server/git/worktrees.ts`.
 *
 * @module
 */
import type { WorktreeWorkJson } from "../contract/worktrees.ts";
import type { SessionWorktree, WorktreeStore } from "../db/worktree_store.ts";
import {
  NotAGitRepositoryError,
  WorktreeNotFoundError,
} from "../git/git_errors.ts";
import type { GitRunner } from "../git/git_runner.ts";
import { inspectWorktree, type RemovedWorktree } from "../git/worktrees.ts";
import { log } from "../log.ts";
import { WorktreesHaveWorkError } from "./worktree_errors.ts";
import { heirOf, type WorktreeUser } from "./worktree_heir.ts";
import { removeOwnedWorktree } from "./worktree_review.ts";

/** What {@linkcode WorktreeRemoval.release} did with a session's worktree. */
export type WorktreeRelease =
  | { kind: "removed"; removed: RemovedWorktree }
  | { kind: "handed_over"; to: string; worktree: SessionWorktree };

/** Options for {@linkcode WorktreeRemoval}. */
export interface WorktreeRemovalOptions {
  store: WorktreeStore;
  git: GitRunner;
  /** The instance's root sessions, which may run in a worktree (forks do). */
  sessionsOf: (instanceId: string) => readonly WorktreeUser[];
}

/** Removes (or hands over) the worktrees Flock owns. */
export class WorktreeRemoval {
  readonly #store: WorktreeStore;
  readonly #git: GitRunner;
  readonly #sessionsOf: (instanceId: string) => readonly WorktreeUser[];

  constructor(options: WorktreeRemovalOptions) {
    this.#store = options.store;
    this.#git = options.git;
    this.#sessionsOf = options.sessionsOf;
  }

  /**
   * Lets go of the session's worktree as the session is deleted. Another
   * session still running in it (a fork) inherits it, and nothing is
   * removed; otherwise the worktree is removed (and its branch once
   * merged), refusing uncommitted or unmerged work without `force`.
   *
   * @returns null when the session owns no worktree (a fork's case).
   * @throws {UncommittedChangesError | UnmergedWorkError}
   */
  async release(
    sessionId: string,
    force: boolean,
  ): Promise<WorktreeRelease | null> {
    const worktree = this.#store.get(sessionId);
    if (!worktree) return null;
    const owners = new Set(
      this.#store.listByInstance(worktree.instance_id).map((w) => w.session_id),
    );
    const heir = heirOf(
      worktree,
      this.#sessionsOf(worktree.instance_id),
      owners,
    );
    if (heir !== undefined) {
      this.#store.transfer(sessionId, heir);
      return { kind: "handed_over", to: heir, worktree };
    }
    const removed = await this.remove(worktree, force);
    return removed === null ? null : { kind: "removed", removed };
  }

  /**
   * The instance's worktrees that have work a removal without force would
   * lose (uncommitted files, unmerged commits). Changes nothing.
   *
   * @throws {UnknownRefError} when a worktree's base names no commit.
   * @throws {NotAGitRepositoryError} when a worktree's repository is gone.
   */
  async instanceWork(instanceId: string): Promise<WorktreeWorkJson[]> {
    const work: WorktreeWorkJson[] = [];
    for (const worktree of this.#store.listByInstance(instanceId)) {
      let found;
      try {
        found = await inspectWorktree(this.#git, worktree);
      } catch (error) {
        if (error instanceof WorktreeNotFoundError) continue;
        throw error;
      }
      if (found.files.length === 0 && found.unmergedCommits === 0) continue;
      work.push({
        session_id: worktree.session_id,
        branch: found.branch,
        base: worktree.base,
        path: found.path,
        files: found.files,
        unmerged_commits: found.unmergedCommits,
      });
    }
    return work;
  }

  /**
   * Checks that removing the instance's worktrees without force loses
   * nothing.
   *
   * @throws {WorktreesHaveWorkError} naming each worktree with work to lose.
   */
  async assertNoWorkToLose(instanceId: string): Promise<void> {
    const work = await this.instanceWork(instanceId);
    if (work.length > 0) throw new WorktreesHaveWorkError(instanceId, work);
  }

  /**
   * Removes every worktree of the instance (and each branch once merged),
   * as the instance is deleted. Without `force` it first checks them all
   * and refuses before removing any. With `force`, unmerged branches are
   * still kept, and a worktree whose repository is gone is only forgotten.
   *
   * @throws {WorktreesHaveWorkError} without `force`, naming each worktree
   * with work to lose.
   */
  async removeAll(instanceId: string, force: boolean): Promise<void> {
    if (!force) await this.assertNoWorkToLose(instanceId);
    for (const worktree of this.#store.listByInstance(instanceId)) {
      try {
        await this.remove(worktree, force);
      } catch (error) {
        if (!(force && error instanceof NotAGitRepositoryError)) throw error;
        log.warn(
          `Forgetting the worktree ${worktree.path} of session ${worktree.session_id} as its repository ${worktree.repo} is gone; its directory stays`,
        );
        this.#store.delete(worktree.session_id);
      }
    }
  }

  /**
   * Removes the worktree (and its branch once merged), then forgets it.
   * Without `force` it refuses uncommitted or unmerged work.
   *
   * @returns null when it was already gone (removed by hand).
   * @throws {UncommittedChangesError | UnmergedWorkError}
   */
  async remove(
    worktree: SessionWorktree,
    force: boolean,
  ): Promise<RemovedWorktree | null> {
    const removed = await removeOwnedWorktree(this.#git, worktree, force);
    // Removed, or already gone (removed by hand): nothing left to own.
    this.#store.delete(worktree.session_id);
    return removed;
  }
}
