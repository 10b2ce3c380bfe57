/**
 * Runs' own worktrees over real git (`gitRunWorktrees`): made from HEAD on
 * a branch named after the run, at the instance's place inside them;
 * refused with a 400-kind error naming `worktree` for a directory outside
 * git, a repository without commits and a remote instance; a taken branch
 * name gets a suffix; the agents' work is committed on the branch; a
 * worktree removed by hand is reported with how to restore it; a
 * worktree no run got is taken back.
 */
import { TempRepo } from "../git/test_repo.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
} from "../testing/assert.ts";
import { instanceJson } from "../testing/instance_fixtures.ts";
import { RunStartError } from "./run_errors.ts";
import { gitRunWorktrees } from "./run_worktrees.ts";

Deno.test("a run's worktree over real git", async (t) => {
  await using repo = await TempRepo.create({
    "README.md": "hi\n",
    "pkg/a/x.txt": "x\n",
  });
  let n = 0;
  const worktrees = gitRunWorktrees({
    git: repo.git,
    root: repo.at("data/worktrees"),
    randomHex: () => `00000${++n}`,
  });
  const instance = instanceJson({ id: "inst_a", working_directory: repo.path });
  const head = await repo.rev("HEAD");
  const made = await worktrees.create(instance, 3, "Add a greeting");

  await t.step(
    "made from HEAD on the run's branch; the repository's checkout is untouched",
    async () => {
      assertEquals(made.worktree, {
        path: repo.at("data/worktrees/inst_a/run-3-000001"),
        branch: "flock/run-3-add-a-greeting",
        base: "main",
        repo: repo.path,
      });
      assertEquals(made.directory, made.worktree.path);
      assertEquals(made.baseCommit, head);
      assertEquals(await repo.rev("flock/run-3-add-a-greeting"), head);
      assertEquals(await repo.read("README.md", made.worktree.path), "hi\n");
      assertEquals(await repo.statusText(), "");
      assertEquals(
        await worktrees.problem(made.worktree, made.directory),
        null,
      );
    },
  );

  await t.step("the work is committed on the branch, once", async () => {
    await repo.write("greeting.txt", "hello\n", made.worktree.path);
    const commit = await worktrees.commit(made.worktree, "Run #3: implement");
    assert(commit !== null);
    assertEquals(await repo.rev("flock/run-3-add-a-greeting"), commit);
    assertEquals(
      (await repo.run(["show", "--format=%s", "--name-only", commit])).trim()
        .split("\n").filter((l) => l !== ""),
      ["Run #3: implement", "greeting.txt"],
    );
    assertEquals(await worktrees.commit(made.worktree, "again"), null);
    assertEquals(await repo.read("greeting.txt"), null, "not in the checkout");
  });

  await t.step(
    "a removed worktree is reported with how to restore it, which works",
    async () => {
      await Deno.remove(made.worktree.path, { recursive: true });
      const problem = await worktrees.problem(made.worktree, made.directory);
      assertMatch(problem ?? "", /worktree .*run-3-000001 as it was removed/);
      assertMatch(
        problem ?? "",
        /branch flock\/run-3-add-a-greeting keeps what was committed/,
      );
      await repo.run(["worktree", "prune"]);
      await repo.run([
        "worktree",
        "add",
        made.worktree.path,
        made.worktree.branch,
      ]);
      assertEquals(
        await worktrees.problem(made.worktree, made.directory),
        null,
      );
      assertEquals(
        await repo.read("greeting.txt", made.worktree.path),
        "hello\n",
      );
    },
  );

  await t.step(
    "a taken branch name gets a suffix; nothing of the other branch changes",
    async () => {
      await repo.run(["branch", "flock/run-4-fix-it"]);
      const made = await worktrees.create(instance, 4, "Fix it");
      assertMatch(made.worktree.branch, /^flock\/run-4-fix-it-00000\d$/);
      assertEquals(await repo.rev("flock/run-4-fix-it"), head);
    },
  );

  await t.step(
    "an instance in a subdirectory works at the same place in the worktree",
    async () => {
      const sub = instanceJson({
        id: "inst_b",
        working_directory: `${repo.path}/pkg/a`,
      });
      const made = await worktrees.create(sub, 5, "Sub");
      assertEquals(made.directory, `${made.worktree.path}/pkg/a`);
      assertEquals(await repo.read("x.txt", made.directory), "x\n");
    },
  );

  await t.step(
    "a worktree no run got is taken back with its branch",
    async () => {
      const made = await worktrees.create(instance, 6, "Discarded");
      await worktrees.discard(made);
      assertEquals(await repo.read("README.md", made.worktree.path), null);
      assertEquals(
        (await repo.run(["branch", "--list", made.worktree.branch])).trim(),
        "",
      );
    },
  );

  await t.step(
    "refused, naming the field: outside git, no commits yet, a remote instance",
    async () => {
      const plain = repo.at("plain");
      await Deno.mkdir(plain);
      const outside = await assertRejects(
        () =>
          worktrees.create(instanceJson({ working_directory: plain }), 7, "x"),
        RunStartError,
      );
      assertEquals([outside.code, outside.badRequest], [
        "worktree_not_git",
        true,
      ]);
      assertMatch(outside.message, /field "worktree" needs a git repository/);
      assertMatch(outside.message, new RegExp(`\\(${plain}\\) is not in one`));

      const empty = repo.at("empty");
      await Deno.mkdir(empty);
      await repo.run(["init", "--quiet"], empty);
      const fresh = await assertRejects(
        () => worktrees.check(instanceJson({ working_directory: empty })),
        RunStartError,
      );
      assertEquals(fresh.code, "worktree_no_commit");
      assertMatch(
        fresh.message,
        /field "worktree" needs a commit to branch from/,
      );

      const remote = await assertRejects(
        () =>
          worktrees.check(instanceJson({
            kind: "remote",
            url: "http://box:4096",
            working_directory: repo.path,
          })),
        RunStartError,
      );
      assertEquals(remote.code, "worktree_remote");
      assertMatch(remote.message, /field "worktree" needs a local instance/);
    },
  );
});
