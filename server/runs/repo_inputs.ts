/**
 * The repository facts a run's templates may need: `{{progress}}` (the
 * text of `progress-<run id>.txt` in the run's directory) and
 * `{{has_frontend_changes}}` (whether the files changed since the run
 * began touch the front end), plus the commit a run begins at.
 *
 * Git runs through the git layer (`server/git/`, the `git` CLI through the
 * injected spawn, never a shell).
 *
 * @module
 */
import { snapshotWorkingTree } from "../git/diff.ts";
import { GitRunner } from "../git/git_runner.ts";
import {
  emptyTree,
  headState,
  isInsideWorkTree,
  repositoryRoot,
} from "../git/repository.ts";
import { touchesFrontEnd } from "../workflows/frontend_files.ts";

/** What the runner reads from a run's directory. */
export interface RepoInputs {
  /** `progress-<runId>.txt` in `dir`, or null when there is none. */
  progress(dir: string, runId: string): Promise<string | null>;
  /**
   * The paths changed since `base` (committed, uncommitted and untracked),
   * or null when `dir` is not a git repository.
   */
  changedFiles(dir: string, base: string | null): Promise<string[] | null>;
  /** The commit HEAD points at, or null (not a repository, or no commit yet). */
  head(dir: string): Promise<string | null>;
}

/** The largest progress file read, in characters (the rest is cut). */
export const MAX_PROGRESS_CHARS = 64 * 1024;

/** Whether the changes since `base` touch the front end (false outside git). */
export async function hasFrontendChanges(
  inputs: RepoInputs,
  dir: string,
  base: string | null,
): Promise<boolean> {
  const files = await inputs.changedFiles(dir, base);
  return files !== null && touchesFrontEnd(files);
}

/** Reads `progress-<runId>.txt` (run ids are `run_` and hex, so the name is safe). */
export async function readProgress(
  dir: string,
  runId: string,
): Promise<string | null> {
  try {
    const text = await Deno.readTextFile(`${dir}/progress-${runId}.txt`);
    return text.length > MAX_PROGRESS_CHARS
      ? `${text.slice(0, MAX_PROGRESS_CHARS)}\n…(cut)`
      : text;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/**
 * {@linkcode RepoInputs} over the git layer (`server/git/`): HEAD from
 * `headState`; the changes since `base` by diffing it against a snapshot of
 * the working tree (`snapshotWorkingTree`: tracked and untracked files,
 * without touching the index).
 */
export function gitRepoInputs(git: GitRunner = new GitRunner()): RepoInputs {
  return {
    progress: readProgress,
    async head(dir) {
      if (!(await isInsideWorkTree(git, dir))) return null;
      return (await headState(git, dir)).commit;
    },
    async changedFiles(dir, base) {
      if (!(await isInsideWorkTree(git, dir))) return null;
      const top = await repositoryRoot(git, dir);
      const tree = await snapshotWorkingTree(git, top);
      const from = base ?? await emptyTree(git, top);
      const out = await git.run(
        ["diff-tree", "-r", "-z", "--name-only", "--no-renames", from, tree],
        { dir: top },
      );
      return out.stdout.split("\0").filter((path) => path !== "");
    },
  };
}
