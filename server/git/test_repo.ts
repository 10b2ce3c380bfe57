/**
 * Test support: real git repositories in temp dirs, with a git config that
 * the machine's own (`~/.gitconfig`, `/etc/gitconfig`) cannot change.
 *
 * @module
 */
import { GitRunner, type GitRunnerOptions } from "./git_runner.ts";

/** The environment every test git run gets. */
export const TEST_GIT_ENV: Readonly<Record<string, string>> = {
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Flock Test",
  GIT_AUTHOR_EMAIL: "test@flock.invalid",
  GIT_COMMITTER_NAME: "Flock Test",
  GIT_COMMITTER_EMAIL: "test@flock.invalid",
};

/** A runner with the isolated test environment (plus `extra`). */
export function testGit(
  options: GitRunnerOptions = {},
): GitRunner {
  return new GitRunner({
    ...options,
    env: { ...TEST_GIT_ENV, ...options.env },
  });
}

/** Runs `git <args>` in `dir` with the test environment; its stdout. */
export async function gitOut(dir: string, ...args: string[]): Promise<string> {
  return (await testGit().run(args, { dir })).stdout;
}

/** A temp dir holding one repository (`<root>/repo`, on branch `main`). */
export class TempRepo implements AsyncDisposable {
  /** The temp dir (also holds worktrees and non-git dirs the test makes). */
  readonly root: string;
  /** The repository's main checkout. */
  readonly path: string;
  readonly git: GitRunner;

  private constructor(root: string, git: GitRunner) {
    this.root = root;
    this.path = `${root}/repo`;
    this.git = git;
  }

  /**
   * Creates `<root>/repo` with the given files committed as "initial"
   * (no commit when `files` is empty).
   */
  static async create(
    files: Record<string, string> = { "README.md": "hello\n" },
    git: GitRunner = testGit(),
  ): Promise<TempRepo> {
    const root = await Deno.realPath(
      await Deno.makeTempDir({ prefix: "flock-git-" }),
    );
    const repo = new TempRepo(root, git);
    await Deno.mkdir(repo.path);
    await repo.run(["init", "--quiet", "--initial-branch=main"]);
    if (Object.keys(files).length > 0) {
      for (const [name, content] of Object.entries(files)) {
        await repo.write(name, content);
      }
      await repo.commit("initial");
    }
    return repo;
  }

  /** `<root>/<name>`: a path for a worktree or another directory. */
  at(name: string): string {
    return `${this.root}/${name}`;
  }

  /** Runs git in `dir` (default: the main checkout) and returns stdout. */
  async run(args: string[], dir = this.path): Promise<string> {
    return (await this.git.run(args, { dir })).stdout;
  }

  /** Writes a file (creating parent dirs) under `dir`. */
  async write(name: string, content: string | Uint8Array, dir = this.path) {
    const path = `${dir}/${name}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), {
      recursive: true,
    });
    if (typeof content === "string") await Deno.writeTextFile(path, content);
    else await Deno.writeFile(path, content);
  }

  /** Reads a file under `dir`, or null when it does not exist. */
  async read(name: string, dir = this.path): Promise<string | null> {
    try {
      return await Deno.readTextFile(`${dir}/${name}`);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
  }

  /** Stages everything in `dir` and commits it; returns the commit id. */
  async commit(message: string, dir = this.path): Promise<string> {
    await this.run(["add", "--all"], dir);
    await this.run(["commit", "--quiet", "-m", message], dir);
    return await this.rev("HEAD", dir);
  }

  /** The commit id of `ref`. */
  async rev(ref: string, dir = this.path): Promise<string> {
    return (await this.run(["rev-parse", "--verify", ref], dir)).trim();
  }

  /** `git status --porcelain=v1 -z` of `dir`, for before/after comparisons. */
  async statusText(dir = this.path): Promise<string> {
    return await this.run(
      ["status", "--porcelain", "-z", "--untracked-files=all"],
      dir,
    );
  }

  /** Deletes the temp dir. */
  async [Symbol.asyncDispose](): Promise<void> {
    await Deno.remove(this.root, { recursive: true }).catch(() => {});
  }
}
