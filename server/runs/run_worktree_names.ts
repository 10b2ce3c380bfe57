/**
 * The names and words around a run's own worktree (pure): its branch, the
 * directory its sessions work in, the message of the commits Flock makes
 * on its branch, and what to tell a person when it is gone.
 *
 * @module
 */
import type { RunWorktreePlace } from "../db/run_rows.ts";
import type { AttemptState, RunState } from "../workflows/run_state.ts";

const MAX_WORDS = 40;
const MAX_TASK_LINE = 200;

/**
 * The branch of run `runNumber`: `flock/run-<number>-<words of the task>`
 * (lower case, ASCII letters and digits, at most 40 characters of words),
 * `flock/run-<number>` without usable words, and `-<suffix>` when given
 * (when the plain name is taken).
 *
 * @example
 * ```ts
 * runBranchName(3, "Add a greeting command!"); // "flock/run-3-add-a-greeting-command"
 * runBranchName(3, "Add it", "a1b2c3"); // "flock/run-3-add-it-a1b2c3"
 * ```
 */
export function runBranchName(
  runNumber: number,
  task: string,
  suffix?: string,
): string {
  const words = (task.split("\n").find((line) => line.trim() !== "") ?? "")
    .toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "")
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+/, "").slice(0, MAX_WORDS)
    .replace(/-+$/, "");
  const name = words === ""
    ? `flock/run-${runNumber}`
    : `flock/run-${runNumber}-${words}`;
  return suffix === undefined ? name : `${name}-${suffix}`;
}

/**
 * Where a run's sessions work in its worktree: the instance's directory
 * is `repo` or a directory inside it, and the same place inside the
 * worktree is chosen (so a monorepo package keeps its agents in it).
 *
 * @param repo The repository's main working tree (its top level).
 * @param worktree The worktree's top directory.
 * @param instanceDir The instance's working directory.
 * @example
 * ```ts
 * worktreeDirectory("/r", "/w/run-1", "/r/pkg/a"); // "/w/run-1/pkg/a"
 * worktreeDirectory("/r", "/w/run-1", "/r"); // "/w/run-1"
 * ```
 */
export function worktreeDirectory(
  repo: string,
  worktree: string,
  instanceDir: string,
): string {
  const top = repo.replace(/\/+$/, "");
  const dir = instanceDir.replace(/\/+$/, "");
  const inside = dir.startsWith(top + "/") ? dir.slice(top.length) : "";
  return worktree.replace(/\/+$/, "") + inside;
}

/**
 * The message of the commit Flock makes on a run's branch for the work
 * its agents left uncommitted: named after `attempt` (default: the run's
 * latest ended attempt, whose work it mostly is), with the task's first
 * line in the body.
 *
 * @example
 * ```ts
 * // "Run #3 of feature-dev: implement S-1 (attempt run_ab.5)\n\nTask: Add a greeting\n…"
 * ```
 */
export function workCommitMessage(
  state: RunState,
  attempt?: AttemptState,
): string {
  const last = attempt ??
    state.attempts.findLast((a) => a.phase === "ended");
  const what = last === undefined
    ? "work"
    : `${last.step}${
      last.story === null ? "" : ` ${last.story}`
    } (attempt ${last.id})`;
  const task = (state.task.split("\n").find((line) => line.trim() !== "") ??
    "").trim().slice(0, MAX_TASK_LINE);
  return [
    `Run #${state.runNumber} of ${state.workflow.spec.id}: ${what}`,
    "",
    ...(task === "" ? [] : [`Task: ${task}`]),
    "Committed by Flock: what the run's agents left uncommitted.",
  ].join("\n");
}

/** Quotes a word for a POSIX shell (left as is when it needs no quotes). */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word)
    ? word
    : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Why an attempt cannot run when the run's worktree is gone, and how a
 * person restores it (the branch keeps what was committed).
 */
export function worktreeGoneReason(
  worktree: RunWorktreePlace,
  detail: string,
): string {
  const repo = shellWord(worktree.repo);
  return `Cannot work in the run's worktree ${worktree.path} as ${detail}; its branch ${worktree.branch} keeps what was committed. To carry on, restore it (git -C ${repo} worktree prune && git -C ${repo} worktree add ${
    shellWord(worktree.path)
  } ${shellWord(worktree.branch)}) and retry the step, or stop the run`;
}
