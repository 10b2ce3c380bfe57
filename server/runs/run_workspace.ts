/**
 * What the runner does with a run's own worktree around its attempts:
 * before an attempt's session is made, the worktree must still be there
 * (else the step is given up with how to restore it), and what the earlier
 * attempts left uncommitted is committed on the run's branch (one commit
 * per attempt's work, named after it); when the run completes, the rest is
 * committed, so the branch holds all the work for review.
 *
 * A commit that fails (a hook refuses, git is missing) is logged and the
 * run goes on: the work stays in the worktree, uncommitted.
 *
 * @module
 */
import type { RunRecord } from "../db/run_store.ts";
import { log } from "../log.ts";
import type { RunState } from "../workflows/run_state.ts";
import { workCommitMessage } from "./run_worktree_names.ts";
import type { RunWorktrees } from "./run_worktrees.ts";

async function commitWork(
  worktrees: RunWorktrees,
  record: RunRecord,
  state: RunState,
): Promise<void> {
  if (record.worktree === null) return;
  try {
    const commit = await worktrees.commit(
      record.worktree,
      workCommitMessage(state),
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
  await commitWork(worktrees, record, state);
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
  await commitWork(worktrees, record, record.state);
}
