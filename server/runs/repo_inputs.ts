/**
 * The repository facts a run's templates may need: `{{progress}}` (the
 * text of `progress-<run id>.txt` in the run's directory) and
 * `{{has_frontend_changes}}` (whether the files changed since the run
 * began touch the front end), plus the commit a run begins at.
 *
 * Git runs through the injected `SpawnFn` (never a shell): a minimal typed
 * call until the git layer (`server/git/`) is on `main`, which can then
 * implement {@linkcode RepoInputs} instead.
 *
 * @module
 */
import { spawnChild, type SpawnFn } from "../opencode/spawn.ts";
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

interface GitOutput {
  code: number;
  stdout: string;
}

async function git(
  spawn: SpawnFn,
  dir: string,
  args: readonly string[],
): Promise<GitOutput> {
  const child = spawn({
    command: "git",
    args: ["-C", dir, ...args],
    env: { GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0", LC_ALL: "C" },
  });
  const [stdout] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  const { code } = await child.status;
  return { code, stdout };
}

function lines(text: string): string[] {
  return text.split("\n").map((line) => line.trim()).filter((l) => l !== "");
}

/** {@linkcode RepoInputs} over the `git` CLI and the file system. */
export function gitRepoInputs(spawn: SpawnFn = spawnChild): RepoInputs {
  return {
    progress: readProgress,
    async head(dir) {
      const out = await git(spawn, dir, [
        "rev-parse",
        "--verify",
        "-q",
        "HEAD",
      ]);
      return out.code === 0 ? out.stdout.trim() || null : null;
    },
    async changedFiles(dir, base) {
      const inside = await git(spawn, dir, [
        "rev-parse",
        "--is-inside-work-tree",
      ]);
      if (inside.code !== 0 || inside.stdout.trim() !== "true") return null;
      const tracked = base === null
        ? await git(spawn, dir, ["ls-files"])
        : await git(spawn, dir, ["diff", "--name-only", base]);
      const untracked = await git(spawn, dir, [
        "ls-files",
        "--others",
        "--exclude-standard",
      ]);
      return [
        ...new Set([...lines(tracked.stdout), ...lines(untracked.stdout)]),
      ];
    },
  };
}
