/**
 * A fake {@linkcode RunWorktrees} for in-process runner tests: it records
 * what the runner asks (worktrees made and discarded, commits with how
 * many sessions existed then) and answers as told (a refusal, a gone
 * worktree).
 *
 * @module
 */
import type { InstanceJson } from "../../contract/instances.ts";
import type { RunWorktreePlace } from "../../db/run_rows.ts";
import type { RunStartError } from "../run_errors.ts";
import type { CreatedRunWorktree, RunWorktrees } from "../run_worktrees.ts";

/** Records what the runner asks of its worktrees. */
export class FakeWorktrees implements RunWorktrees {
  readonly made: CreatedRunWorktree[] = [];
  readonly discarded: string[] = [];
  readonly commits: string[] = [];
  gone: string | null = null;
  /** How many sessions exist (told at each commit, for the order). */
  sessions: () => number = () => 0;
  refusal: RunStartError | null = null;
  beforeCreate: () => void = () => {};

  check(_instance: InstanceJson): Promise<void> {
    return this.refusal === null
      ? Promise.resolve()
      : Promise.reject(this.refusal);
  }

  create(
    _instance: InstanceJson,
    runNumber: number,
    _task: string,
  ): Promise<CreatedRunWorktree> {
    this.beforeCreate();
    const path = `/data/worktrees/inst_a/run-${runNumber}-abcdef`;
    const made = {
      worktree: {
        path,
        branch: `flock/run-${runNumber}-x`,
        base: "main",
        repo: "/w/project",
      },
      directory: path,
      baseCommit: "c0ffee",
    };
    this.made.push(made);
    return Promise.resolve(made);
  }

  discard(created: CreatedRunWorktree): Promise<void> {
    this.discarded.push(created.worktree.path);
    return Promise.resolve();
  }

  problem(_worktree: RunWorktreePlace, _dir: string): Promise<string | null> {
    return Promise.resolve(this.gone);
  }

  commit(_worktree: RunWorktreePlace, message: string): Promise<string> {
    this.commits.push(`${message.split("\n")[0]!} @${this.sessions()}`);
    return Promise.resolve(`c${this.commits.length}`);
  }
}
