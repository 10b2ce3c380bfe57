/**
 * Reading and writing the JSON columns of the run tables: the checks that
 * turn a stored value back into a typed one (no casts), and the stored form
 * of a state.
 *
 * @module
 */
import { RUN_STATUSES, type RunSummaryJson } from "../contract/workflows.ts";
import type { RunCommand, RunEvent } from "../workflows/decide_types.ts";
import { toAttemptJson } from "../workflows/run_json.ts";
import type {
  AttemptState,
  RunState,
  RunWorktreeState,
} from "../workflows/run_state.ts";
import { intOrNull, type Row, textOrNull } from "./row.ts";

/**
 * A state as stored: without its pinned workflow (kept with the revision)
 * and its worktree (kept in the `worktree_*` columns).
 */
export type StoredState = Omit<RunState, "workflow" | "worktree">;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether a parsed `state` column is a stored state. */
export function isStoredState(value: unknown): value is StoredState {
  return isRecord(value) && typeof value.id === "string" &&
    RUN_STATUSES.some((status) => status === value.status) &&
    Array.isArray(value.steps) && Array.isArray(value.stories) &&
    Array.isArray(value.attempts) && isRecord(value.context);
}

/** Whether a parsed `summary` column is a run summary. */
export function isSummary(value: unknown): value is RunSummaryJson {
  return isRecord(value) && typeof value.id === "string" &&
    typeof value.run_number === "number";
}

/** Whether a parsed outbox `command` is a command. */
export function isCommand(value: unknown): value is RunCommand {
  return isRecord(value) && typeof value.type === "string";
}

/** Whether a parsed transition `event` is an event. */
export function isEvent(value: unknown): value is RunEvent {
  return isRecord(value) && typeof value.type === "string" &&
    typeof value.at === "number";
}

/** Epoch ms → ISO 8601. */
export const iso = (ms: number) => new Date(ms).toISOString();

/** The `state` column of a state (its pinned workflow lives with the revision, its worktree in columns). */
export function storedStateOf(state: RunState): string {
  const { workflow: _pinned, worktree: _worktree, ...rest } = state;
  return JSON.stringify(rest);
}

/** Whether two versions of an attempt read the same (no row update needed). */
export function sameAttempt(a: AttemptState, b: AttemptState): boolean {
  return a.phase === b.phase &&
    JSON.stringify(toAttemptJson(a)) === JSON.stringify(toAttemptJson(b));
}

/** Where a run's worktree is: what its JSON shows first, plus the repository. */
export interface RunWorktreePlace {
  path: string;
  branch: string;
  base: string;
  /** The repository's main working tree. */
  repo: string;
}

/** A run's worktree as stored: where it is, and what became of it. */
export interface RunWorktreeRecord
  extends RunWorktreePlace, Pick<RunWorktreeState, "merged" | "removed"> {}

/** The columns a run's worktree is read from. */
export const WORKTREE_COLUMNS =
  "worktree_path, worktree_branch, worktree_base, worktree_repo, worktree_merged_commit, worktree_merged_at, worktree_removed_at, worktree_branch_deleted";

/** The columns a run record is read from. */
export const RECORD_COLUMNS =
  `workflow_id, revision, directory, base_commit, state, ${WORKTREE_COLUMNS}`;

/** The `worktree_*` columns of a runs row, or null when the run has none. */
export function worktreeOf(row: Row): RunWorktreeRecord | null {
  const path = textOrNull(row, "worktree_path");
  const branch = textOrNull(row, "worktree_branch");
  const base = textOrNull(row, "worktree_base");
  const repo = textOrNull(row, "worktree_repo");
  if (path === null || branch === null || base === null || repo === null) {
    return null;
  }
  const mergedCommit = textOrNull(row, "worktree_merged_commit");
  const mergedAt = textOrNull(row, "worktree_merged_at");
  const removedAt = textOrNull(row, "worktree_removed_at");
  return {
    path,
    branch,
    base,
    repo,
    merged: mergedCommit === null || mergedAt === null
      ? null
      : { commit: mergedCommit, at: mergedAt },
    removed: removedAt === null ? null : {
      at: removedAt,
      branchDeleted: intOrNull(row, "worktree_branch_deleted") === 1,
    },
  };
}

/** The worktree a run's state carries (without the repository). */
export function worktreeState(
  worktree: RunWorktreeRecord | null,
): RunWorktreeState | null {
  if (worktree === null) return null;
  const { repo: _repo, ...state } = worktree;
  return state;
}
