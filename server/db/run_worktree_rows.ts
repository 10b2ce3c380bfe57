/**
 * The rows of a run's worktree outcome: what became of it (merged, removed)
 * and which directories the runs of an instance work in. `RunStore` is the
 * public face; these are its worktree statements.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { RunNotFoundError } from "../runs/run_errors.ts";
import { prepareCached } from "./database.ts";
import { text } from "./row.ts";
import type { RunWorktreeRecord } from "./run_rows.ts";

/**
 * Records what became of a run's worktree.
 *
 * @throws {RunNotFoundError} when the run has no worktree (or no row).
 */
export function finishRunWorktree(
  db: DatabaseSync,
  runId: string,
  change: Pick<RunWorktreeRecord, "merged" | "removed">,
): void {
  const changed = prepareCached(
    db,
    `UPDATE runs SET worktree_merged_commit = ?, worktree_merged_at = ?,
       worktree_removed_at = ?, worktree_branch_deleted = ?
     WHERE id = ? AND worktree_path IS NOT NULL`,
  ).run(
    change.merged?.commit ?? null,
    change.merged?.at ?? null,
    change.removed?.at ?? null,
    change.removed === null ? null : change.removed.branchDeleted ? 1 : 0,
    runId,
  );
  if (Number(changed.changes) !== 1) throw new RunNotFoundError(runId);
}

/** The directories the runs of an instance that have worktrees work in. */
export function runWorktreeDirectories(
  db: DatabaseSync,
  instanceId: string,
): string[] {
  return prepareCached(
    db,
    `SELECT DISTINCT directory FROM runs
     WHERE instance_id = ? AND worktree_path IS NOT NULL`,
  ).all(instanceId).map((row) => text(row, "directory"));
}
