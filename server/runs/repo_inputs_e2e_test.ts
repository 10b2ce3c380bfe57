/**
 * The runner's repository inputs with real git: the commit a run begins at,
 * the files changed since (committed on a new branch, uncommitted and
 * untracked), `{{has_frontend_changes}}` from them, and the progress file.
 */
import { assertEquals } from "../testing/assert.ts";
import { gitRepoInputs, hasFrontendChanges } from "./repo_inputs.ts";
import { initGitRepo } from "./testing/event_log.ts";

async function git(dir: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("git", {
    args: ["-C", dir, ...args],
    env: {
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_AUTHOR_NAME: "T",
      GIT_AUTHOR_EMAIL: "t@x.invalid",
      GIT_COMMITTER_NAME: "T",
      GIT_COMMITTER_EMAIL: "t@x.invalid",
    },
    stdout: "null",
    stderr: "null",
  }).output();
  if (out.code !== 0) throw new Error(`git ${args.join(" ")} failed`);
}

Deno.test("repository inputs: head, files changed since it, front-end changes, progress", async () => {
  const dir = await Deno.makeTempDir({ prefix: "flock-repo-" });
  const plain = await Deno.makeTempDir({ prefix: "flock-plain-" });
  try {
    const inputs = gitRepoInputs();
    // Not a repository: no head, no changes, no front end.
    assertEquals(await inputs.head(plain), null);
    assertEquals(await inputs.changedFiles(plain, null), null);
    assertEquals(await hasFrontendChanges(inputs, plain, null), false);

    await initGitRepo(dir);
    const base = await inputs.head(dir);
    assertEquals(base?.length, 40);
    assertEquals(await inputs.changedFiles(dir, base), []);
    await Deno.mkdir(`${dir}/server`);
    await Deno.writeTextFile(`${dir}/server/db.ts`, "export {};\n");
    assertEquals(await inputs.changedFiles(dir, base), ["server/db.ts"]);
    assertEquals(await hasFrontendChanges(inputs, dir, base), false);
    // Committed on a branch of its own, plus an untracked component.
    await git(dir, "checkout", "-q", "-b", "feature");
    await git(dir, "add", "-A");
    await git(dir, "commit", "-q", "-m", "db");
    await Deno.mkdir(`${dir}/src`);
    await Deno.writeTextFile(`${dir}/src/App.tsx`, "export {};\n");
    assertEquals((await inputs.changedFiles(dir, base))?.sort(), [
      "server/db.ts",
      "src/App.tsx",
    ]);
    assertEquals(await hasFrontendChanges(inputs, dir, base), true);

    assertEquals(await inputs.progress(dir, "run_1"), null);
    await Deno.writeTextFile(`${dir}/progress-run_1.txt`, "## Patterns\n");
    assertEquals(await inputs.progress(dir, "run_1"), "## Patterns\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(plain, { recursive: true });
  }
});
