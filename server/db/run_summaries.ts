/**
 * Listing runs: their stored summaries, filtered, newest first, with the
 * worktree as its columns say (a merge changes no summary).
 *
 * @module
 */
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import type { RunStatusJson, RunSummaryJson } from "../contract/workflows.ts";
import { toWorktreeJson } from "../workflows/run_json.ts";
import { prepareCached } from "./database.ts";
import {
  isSummary,
  WORKTREE_COLUMNS,
  worktreeOf,
  worktreeState,
} from "./run_rows.ts";
import { jsonColumn } from "./workflow_store.ts";

/** Filters for {@linkcode listRunSummaries}. */
export interface RunFilter {
  workflow?: string | undefined;
  status?: RunStatusJson | undefined;
  instance?: string | undefined;
}

/** Summaries of the runs that pass the filter, newest first. */
export function listRunSummaries(
  db: DatabaseSync,
  filter: RunFilter = {},
  limit = 500,
): RunSummaryJson[] {
  const where: string[] = [];
  const values: SQLInputValue[] = [];
  if (filter.workflow !== undefined) {
    where.push("workflow_id = ?");
    values.push(filter.workflow);
  }
  if (filter.status !== undefined) {
    where.push("status = ?");
    values.push(filter.status);
  }
  if (filter.instance !== undefined) {
    where.push("instance_id = ?");
    values.push(filter.instance);
  }
  const clause = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
  return prepareCached(
    db,
    `SELECT summary, ${WORKTREE_COLUMNS} FROM runs ${clause}
     ORDER BY run_number DESC LIMIT ?`,
  ).all(...values, limit).map((row) => {
    // The worktree columns are its one truth (a merge changes no summary).
    const worktree = worktreeState(worktreeOf(row));
    return {
      ...jsonColumn(row, "summary", isSummary),
      worktree: worktree === null ? null : toWorktreeJson(worktree),
    };
  });
}
