/**
 * Reviewing what a run did in its own worktree, and landing it: the diff
 * of its branch (or of what is uncommitted in it), the merge of its branch
 * into its base, and the removal of its worktree. The git work is the one
 * sessions' worktrees use (`server/worktrees/worktree_review.ts`), so the
 * answers, rules and refusals are theirs; what is the run's own:
 *
 * - a run that is running or blocked may still change its branch, so its
 *   merge and removal are refused (`run_active`);
 * - after a merge the worktree is removed, and with it the branch (merged
 *   by then), as deleting a session does after its merge: the run is over
 *   and its work is on the base. If that removal fails the merge stands
 *   and the worktree stays (a later merge, up to date, or a removal tries
 *   again);
 * - merges and removals go through the run's queue (`RunEngine.withWorktree`),
 *   after the commit of its last attempt's work, and what became of the
 *   worktree is kept with the run (`worktree.merged`, `worktree.removed`);
 *   once removed, the run cannot be set working again.
 *
 * @module
 */
import type {
  DiffScope,
  RunDiffJson,
  RunMergeResultJson,
  WorktreeRemovalJson,
} from "../contract/worktrees.ts";
import type { RunWorktreeRecord } from "../db/run_rows.ts";
import type { RunRecord } from "../db/run_store.ts";
import type { GitRunner } from "../git/git_runner.ts";
import { log } from "../log.ts";
import {
  branchDiff,
  mergeWorktree,
  removeOwnedWorktree,
  workingDiff,
} from "../worktrees/worktree_review.ts";
import type { RunEngine } from "./run_engine.ts";
import { RunNotFoundError, RunWorktreeError } from "./run_errors.ts";
import type { RunWorktrees } from "./run_worktrees.ts";

/** Options for {@linkcode RunReview}. */
export interface RunReviewOptions {
  /** The runner: a run's record, and its queue. */
  engine: Pick<RunEngine, "record" | "withWorktree">;
  /** Tells whether a run's worktree is still there. */
  worktrees: Pick<RunWorktrees, "problem">;
  git: GitRunner;
  /** Epoch ms. Default `Date.now`. */
  now?: () => number;
}

function label(record: RunRecord): string {
  return `run #${record.state.runNumber} (${record.state.id})`;
}

/** See the module documentation. */
export class RunReview {
  readonly #engine: RunReviewOptions["engine"];
  readonly #worktrees: RunReviewOptions["worktrees"];
  readonly #git: GitRunner;
  readonly #now: () => number;

  constructor(options: RunReviewOptions) {
    this.#engine = options.engine;
    this.#worktrees = options.worktrees;
    this.#git = options.git;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The run's changes: `branch`, its whole branch (committed or not)
   * against its base; `working`, what is uncommitted in its worktree.
   *
   * @throws {RunNotFoundError}
   * @throws {RunWorktreeError} without a worktree (400), or when it was
   * removed or its directory is gone (409).
   */
  async diff(runId: string, scope: DiffScope): Promise<RunDiffJson> {
    const record = this.#engine.record(runId);
    if (record === undefined) throw new RunNotFoundError(runId);
    const worktree = this.#open(record, "diff");
    const problem = await this.#worktrees.problem(worktree, worktree.path);
    if (problem !== null) {
      throw new RunWorktreeError(runId, "worktree_missing", problem);
    }
    const diff = scope === "branch"
      ? await branchDiff(this.#git, worktree)
      : await workingDiff(this.#git, worktree.path);
    return { run_id: runId, scope, ...diff };
  }

  /**
   * Merges the run's branch into its base (fast-forward when possible, a
   * merge commit otherwise), then removes its worktree and branch.
   *
   * @throws {RunNotFoundError}
   * @throws {RunWorktreeError} without a worktree, once it was removed, or
   * while the run is active.
   * @throws {UncommittedChangesError | MergeConflictError | BaseCheckoutDirtyError | NotABranchError | RefChangedError | MissingIdentityError}
   * (nothing changed).
   */
  merge(runId: string): Promise<RunMergeResultJson> {
    return this.#engine.withWorktree(runId, async (record) => {
      const worktree = this.#open(record, "merge");
      this.#assertEnded(record, "merge its branch");
      const merge = await mergeWorktree(this.#git, worktree);
      const merged = {
        commit: merge.commit,
        at: new Date(this.#now()).toISOString(),
      };
      let removed: WorktreeRemovalJson | null = null;
      try {
        removed = await this.#remove(worktree, false);
      } catch (error) {
        log.warn(
          `Merged ${
            label(record)
          }'s branch ${worktree.branch} into ${worktree.base}, but cannot remove its worktree ${worktree.path}; it stays:`,
          error,
        );
      }
      return {
        result: { ...merge, run_id: runId, removed },
        finished: { merged, removed: this.#removedAt(removed) },
      };
    });
  }

  /**
   * Removes the run's worktree, and its branch once merged into its base.
   * Without `force` it refuses uncommitted or unmerged work; with it, an
   * unmerged branch is still kept.
   *
   * @throws {RunNotFoundError}
   * @throws {RunWorktreeError} without a worktree, once it was removed, or
   * while the run is active.
   * @throws {UncommittedChangesError | UnmergedWorkError} without `force`.
   */
  remove(runId: string, force: boolean): Promise<WorktreeRemovalJson> {
    return this.#engine.withWorktree(runId, async (record) => {
      const worktree = this.#open(record, "remove the worktree of");
      this.#assertEnded(record, "remove its worktree");
      const removed = await this.#remove(worktree, force);
      return {
        result: removed,
        finished: {
          merged: worktree.merged,
          removed: this.#removedAt(removed),
        },
      };
    });
  }

  async #remove(
    worktree: RunWorktreeRecord,
    force: boolean,
  ): Promise<WorktreeRemovalJson> {
    const removed = await removeOwnedWorktree(this.#git, worktree, force);
    return {
      path: worktree.path,
      branch: worktree.branch,
      // null: already gone from git's list (removed and pruned by hand).
      branch_deleted: removed?.branchDeleted ?? false,
    };
  }

  #removedAt(
    removed: WorktreeRemovalJson | null,
  ): RunWorktreeRecord["removed"] {
    return removed === null ? null : {
      at: new Date(this.#now()).toISOString(),
      branchDeleted: removed.branch_deleted,
    };
  }

  /** The run's worktree, while Flock has not removed it. */
  #open(record: RunRecord, action: string): RunWorktreeRecord {
    const worktree = record.worktree;
    const id = record.state.id;
    if (worktree === null) {
      throw new RunWorktreeError(
        id,
        "no_worktree",
        `Cannot ${action} ${
          label(record)
        } as it has no worktree of its own: it worked in its instance's directory; start a run with "worktree": true to review it here`,
      );
    }
    if (worktree.removed !== null) {
      const merged = worktree.merged === null
        ? ""
        : ` after its branch was merged into ${worktree.base} (now at ${
          worktree.merged.commit.slice(0, 12)
        })`;
      throw new RunWorktreeError(
        id,
        "worktree_removed",
        `Cannot ${action} ${
          label(record)
        } as its worktree ${worktree.path} was removed${merged}`,
      );
    }
    return worktree;
  }

  /** Refuses a run that may still change its branch. */
  #assertEnded(record: RunRecord, action: string): void {
    const { status } = record.state;
    if (status === "running") {
      throw new RunWorktreeError(
        record.state.id,
        "run_active",
        `Cannot ${action} as ${
          label(record)
        } is still running: its agents may still change the branch; wait for it to end, or stop it`,
      );
    }
    if (status === "blocked") {
      throw new RunWorktreeError(
        record.state.id,
        "run_active",
        `Cannot ${action} as ${
          label(record)
        } is blocked, waiting for you: it may still change the branch; carry it on to its end (approve, retry or skip) or stop it first`,
      );
    }
  }
}
