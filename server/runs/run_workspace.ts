/**
 * What the runner does with a run's own worktree around its attempts: an
 * attempt that finished with a reply has its work committed on the run's
 * branch (one commit per attempt's work, named after it) before the run
 * hears of it, so a completed run's branch already holds everything; before
 * an attempt's session is made, the worktree must still be there (else the
 * step is given up with how to restore it) and what earlier attempts left
 * (an errored or aborted one) is committed; when the run completes (also
 * by a person's approve or skip), the rest is committed.
 *
 * A commit that fails (a hook refuses, git is missing) is logged and the
 * run goes on: the work stays in the worktree, uncommitted.
 *
 * Once Flock removed the worktree (after merging its branch, or on
 * request), a person's action that would set the run working again is
 * refused.
 *
 * @module
 */
import { type RunWorktreeRecord, worktreeState } from "../db/run_rows.ts";
import type { RunRecord } from "../db/run_store.ts";
import { log } from "../log.ts";
import type { RunEvent } from "../workflows/decide_types.ts";
import type { AttemptState, RunState } from "../workflows/run_state.ts";
import { workCommitMessage } from "./run_worktree_names.ts";
import type { RunWorktrees } from "./run_worktrees.ts";

/**
 * Commits what is uncommitted in the run's worktree (nothing for a run
 * without one), named after `attempt` (default: the latest ended one).
 * Never throws: a failure is logged.
 */
export async function commitAttemptWork(
  worktrees: RunWorktrees,
  record: RunRecord,
  state: RunState,
  attempt?: AttemptState,
): Promise<void> {
  if (record.worktree === null) return;
  try {
    const commit = await worktrees.commit(
      record.worktree,
      workCommitMessage(state, attempt),
    );
    if (commit !== null) {
      log.info(
        `Run ${state.id}: committed its agents' work on ${record.worktree.branch} (${
          commit.slice(0, 12)
        })`,
      );
    }
  } catch (error) {
    log.warn(
      `Run ${state.id}: cannot commit the work in ${record.worktree.path}; it stays uncommitted there:`,
      error,
    );
  }
}

/**
 * Before an attempt's session: checks the run's worktree and commits the
 * earlier attempts' work.
 *
 * @param state The run's state now (names the commit).
 * @returns Why the worktree cannot be worked in, or null (also for a run
 * without one).
 */
export async function readyWorktree(
  worktrees: RunWorktrees,
  record: RunRecord,
  state: RunState,
): Promise<string | null> {
  if (record.worktree === null) return null;
  const problem = await worktrees.problem(record.worktree, record.directory);
  if (problem !== null) return problem;
  await commitAttemptWork(worktrees, record, state);
  return null;
}

/** When the run completes: commits what is left uncommitted in its worktree. */
export async function commitRunWork(
  worktrees: RunWorktrees,
  record: RunRecord,
): Promise<void> {
  if (record.worktree === null) return;
  if ((await worktrees.problem(record.worktree, record.directory)) !== null) {
    return;
  }
  await commitAttemptWork(worktrees, record, record.state);
}

/** A person's actions that would set the run working again. */
const RESTARTING: ReadonlySet<string> = new Set([
  "resume",
  "retry_step",
  "skip_step",
  "approve",
]);

/**
 * Why a person's action cannot apply to a run whose worktree Flock
 * removed (after merging its branch, or on request): nothing could work
 * in it any more. Null when it can (also for every runner event).
 */
export function removedWorktreeRefusal(
  record: RunRecord,
  event: RunEvent,
): string | null {
  const worktree = record.worktree;
  if (worktree?.removed == null || !RESTARTING.has(event.type)) return null;
  const why = worktree.merged === null
    ? "was removed"
    : `was removed after its branch ${worktree.branch} was merged into ${worktree.base}`;
  return `Cannot ${
    event.type.replace("_step", " a step of")
  } run #${record.state.runNumber} as its worktree ${worktree.path} ${why}; start a new run instead`;
}

/** The record once its worktree was merged or removed (`finished`). */
export function withFinishedWorktree(
  record: RunRecord,
  finished: Pick<RunWorktreeRecord, "merged" | "removed">,
): RunRecord {
  if (record.worktree === null) return record;
  const worktree = { ...record.worktree, ...finished };
  return {
    ...record,
    worktree,
    state: { ...record.state, worktree: worktreeState(worktree) },
  };
}
