import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
} from "../testing/assert.ts";
import {
  BranchExistsError,
  InvalidBranchNameError,
  MainWorktreeError,
  NotAGitRepositoryError,
  UncommittedChangesError,
  UnknownRefError,
  UnmergedWorkError,
  WorktreeNotFoundError,
  WorktreePathExistsError,
} from "./git_errors.ts";
import { branchCommit } from "./repository.ts";
import { TempRepo } from "./test_repo.ts";
import {
  createWorktree,
  inspectWorktree,
  listWorktrees,
  pruneWorktrees,
  removeWorktree,
} from "./worktrees.ts";

Deno.test("createWorktree: two worktrees edit the same file, each sees only its own change, main untouched", async () => {
  await using repo = await TempRepo.create({ "shared.txt": "original\n" });
  const git = repo.git;
  const mainHead = await repo.rev("HEAD");
  const a = await createWorktree(git, {
    repo: repo.path,
    // Missing parent directories are created.
    path: repo.at("data/worktrees/wt a"),
    branch: "flock/a",
  });
  assertEquals(a, {
    path: repo.at("data/worktrees/wt a"),
    branch: "flock/a",
    base: "main",
    baseCommit: mainHead,
    repo: repo.path,
  });
  const b = await createWorktree(git, {
    repo: `${repo.path}/`,
    path: repo.at("wt-ü"),
    branch: "flock/b",
  });
  await Promise.all([
    repo.write("shared.txt", "from a\n", a.path),
    repo.write("shared.txt", "from b\n", b.path),
  ]);
  await repo.commit("a edits", a.path);
  assertEquals(await repo.read("shared.txt", a.path), "from a\n");
  assertEquals(await repo.read("shared.txt", b.path), "from b\n");
  assertEquals(await repo.read("shared.txt"), "original\n");
  assertEquals(await repo.statusText(), "");
  assertEquals(await repo.rev("main"), mainHead);

  const list = await listWorktrees(git, b.path);
  assertEquals(list.map((w) => [w.path, w.branch, w.main]), [
    [repo.path, "main", true],
    [a.path, "flock/a", false],
    [b.path, "flock/b", false],
  ]);
  assertEquals(list[1]?.head, await repo.rev("flock/a"));
});

Deno.test("createWorktree: bases: a branch by any name, a tag, a commit, a detached HEAD", async () => {
  await using repo = await TempRepo.create();
  const git = repo.git;
  const first = await repo.rev("HEAD");
  await repo.run(["tag", "v1"]);
  await repo.run(["branch", "dev"]);
  await repo.write("more.txt", "more\n");
  const second = await repo.commit("second");

  const fromRef = await createWorktree(git, {
    repo: repo.path,
    path: repo.at("w1"),
    branch: "w1",
    base: "refs/heads/dev",
  });
  assertEquals([fromRef.base, fromRef.baseCommit], ["dev", first]);
  assertEquals(await repo.read("more.txt", fromRef.path), null);

  const fromTag = await createWorktree(git, {
    repo: repo.path,
    path: repo.at("w2"),
    branch: "w2",
    base: "v1",
  });
  assertEquals([fromTag.base, fromTag.baseCommit], ["v1", first]);

  const fromCommit = await createWorktree(git, {
    repo: repo.path,
    path: repo.at("w3"),
    branch: "w3",
    base: second.slice(0, 12),
  });
  assertEquals([fromCommit.base, fromCommit.baseCommit], [
    second.slice(0, 12),
    second,
  ]);

  await repo.run(["checkout", "--quiet", "--detach", first]);
  const fromDetached = await createWorktree(git, {
    repo: repo.path,
    path: repo.at("w4"),
    branch: "w4",
  });
  assertEquals([fromDetached.base, fromDetached.baseCommit], [first, first]);
});

Deno.test("createWorktree: refusals leave no branch and no worktree behind", async () => {
  await using repo = await TempRepo.create();
  const git = repo.git;
  const before = await listWorktrees(git, repo.path);
  const create = (branch: string, base?: string, path = repo.at("wt")) =>
    createWorktree(git, {
      repo: repo.path,
      path,
      branch,
      ...(base === undefined ? {} : { base }),
    });

  for (const bad of ["a b", "-b", "--orphan", "x..y", "@{-1}", "HEAD", ""]) {
    await assertRejects(() => create(bad), InvalidBranchNameError);
  }
  const unknown = await assertRejects(
    () => create("x", "no-such-base"),
    UnknownRefError,
  );
  assertMatch(
    unknown.message,
    /^Cannot create a worktree for x as "no-such-base" is not a known ref/,
  );
  await assertRejects(() => create("x", "--detach"), UnknownRefError);
  await assertRejects(() => create("main"), BranchExistsError);

  await Deno.mkdir(repo.at("occupied"));
  await Deno.writeTextFile(`${repo.at("occupied")}/keep.txt`, "mine");
  await assertRejects(
    () => create("y", undefined, repo.at("occupied")),
    WorktreePathExistsError,
  );
  assertEquals(await branchCommit(git, repo.path, "y"), null);
  assertEquals(
    await Deno.readTextFile(`${repo.at("occupied")}/keep.txt`),
    "mine",
  );

  assertEquals(await listWorktrees(git, repo.path), before);
  assertEquals(
    await repo.run(["branch", "--format=%(refname)"]),
    "refs/heads/main\n",
  );

  const plain = repo.at("plain");
  await Deno.mkdir(plain);
  await assertRejects(
    () => createWorktree(git, { repo: plain, path: repo.at("p"), branch: "p" }),
    NotAGitRepositoryError,
  );
  await using empty = await TempRepo.create({});
  const noCommits = await assertRejects(
    () =>
      createWorktree(git, {
        repo: empty.path,
        path: empty.at("e"),
        branch: "e",
      }),
    UnknownRefError,
  );
  assertMatch(noCommits.message, /the repository has no commits yet/);
});

Deno.test("removeWorktree: refuses uncommitted and unmerged work; force removes it and git worktree list agrees", async () => {
  await using repo = await TempRepo.create({ "f.txt": "f\n" });
  const git = repo.git;
  const wt = await createWorktree(git, {
    repo: repo.path,
    path: repo.at("wt"),
    branch: "flock/s1",
  });
  const remove = (force?: boolean) =>
    removeWorktree(git, {
      repo: repo.path,
      path: wt.path,
      base: wt.base,
      ...(force === undefined ? {} : { force }),
    });

  await repo.write("new ü file.txt", "x\n", wt.path);
  await repo.write("f.txt", "changed\n", wt.path);
  const dirty = await assertRejects(() => remove(), UncommittedChangesError);
  assertEquals(dirty.files, ["f.txt", "new ü file.txt"]);
  assertEquals(dirty.code, "uncommitted_changes");
  assertMatch(
    dirty.message,
    /^Cannot remove the worktree .*\/wt as .*\/wt has uncommitted changes: f\.txt, new ü file\.txt; commit them first$/,
  );

  const tip = await repo.commit("work", wt.path);
  const unmerged = await assertRejects(() => remove(), UnmergedWorkError);
  assertEquals([unmerged.branch, unmerged.base, unmerged.commits], [
    "flock/s1",
    "main",
    1,
  ]);
  assertMatch(unmerged.message, /has 1 commit not merged into main/);
  assert((await Deno.stat(wt.path)).isDirectory);

  await repo.write("f.txt", "dirty again\n", wt.path);
  const removed = await remove(true);
  assertEquals(removed, {
    path: wt.path,
    branch: "flock/s1",
    branchDeleted: false,
    pruned: false,
  });
  await assertRejects(() => Deno.stat(wt.path), Deno.errors.NotFound);
  const list = await listWorktrees(git, repo.path);
  assertEquals(list.map((w) => w.path), [repo.path]);
  assertEquals(
    await repo.run(["worktree", "list", "--porcelain"]),
    [
      `worktree ${repo.path}`,
      `HEAD ${await repo.rev("main")}`,
      "branch refs/heads/main",
      "",
      "",
    ].join("\n"),
  );
  // Unmerged commits survive on the branch.
  assertEquals(await branchCommit(git, repo.path, "flock/s1"), tip);
  assertEquals(await repo.read("f.txt"), "f\n");
  assertEquals(await repo.statusText(), "");
});

Deno.test("removeWorktree: a merged (or untouched) branch is deleted; deleteUnmergedBranch deletes an unmerged one", async () => {
  await using repo = await TempRepo.create();
  const git = repo.git;
  const untouched = await createWorktree(git, {
    repo: repo.path,
    path: repo.at("u"),
    branch: "untouched",
  });
  assertEquals(
    (await removeWorktree(git, {
      repo: repo.path,
      path: untouched.path,
      base: "main",
    })).branchDeleted,
    true,
  );
  assertEquals(await branchCommit(git, repo.path, "untouched"), null);

  const merged = await createWorktree(git, {
    repo: repo.path,
    path: repo.at("m"),
    branch: "merged",
  });
  await repo.write("m.txt", "m", merged.path);
  await repo.commit("m", merged.path);
  await repo.run(["merge", "--quiet", "--ff-only", "merged"]);
  const result = await removeWorktree(git, {
    repo: repo.path,
    path: `${merged.path}/`,
    base: "main",
  });
  assertEquals([result.branch, result.branchDeleted], ["merged", true]);

  const unmerged = await createWorktree(git, {
    repo: repo.path,
    path: repo.at("x"),
    branch: "unmerged",
  });
  await repo.write("x.txt", "x", unmerged.path);
  await repo.commit("x", unmerged.path);
  const forced = await removeWorktree(git, {
    repo: repo.path,
    path: unmerged.path,
    base: "main",
    force: true,
    deleteUnmergedBranch: true,
  });
  assertEquals(forced.branchDeleted, true);
  assertEquals(await branchCommit(git, repo.path, "unmerged"), null);
  assertEquals(await repo.read("m.txt"), "m");
  assertEquals(
    await repo.run(["branch", "--format=%(refname)"]),
    "refs/heads/main\n",
  );
});

Deno.test("removeWorktree / pruneWorktrees: a deleted directory is pruned; the main tree and unknown paths are refused", async () => {
  await using repo = await TempRepo.create();
  const git = repo.git;
  const gone = await createWorktree(git, {
    repo: repo.path,
    path: repo.at("gone"),
    branch: "gone",
  });
  const gone2 = await createWorktree(git, {
    repo: repo.path,
    path: repo.at("gone2"),
    branch: "gone2",
  });
  await Deno.remove(gone.path, { recursive: true });
  await Deno.remove(gone2.path, { recursive: true });
  assertEquals(
    (await listWorktrees(git, repo.path)).filter((w) => w.prunable).length,
    2,
  );
  const removed = await removeWorktree(git, {
    repo: repo.path,
    path: gone.path,
    base: "main",
  });
  assertEquals([removed.pruned, removed.branchDeleted], [true, true]);
  // Only that worktree's records went.
  assertEquals(
    (await listWorktrees(git, repo.path)).map((w) => [w.path, w.prunable]),
    [[repo.path, false], [gone2.path, true]],
  );
  assertEquals(await pruneWorktrees(git, repo.path), [gone2.path]);
  assertEquals((await listWorktrees(git, repo.path)).length, 1);
  // Pruning never deletes a branch.
  assert(await branchCommit(git, repo.path, "gone2"));

  const kept = await createWorktree(git, {
    repo: repo.path,
    path: repo.at("kept"),
    branch: "kept",
  });
  const stale = await createWorktree(git, {
    repo: repo.path,
    path: repo.at("stale"),
    branch: "stale",
  });
  await Deno.remove(stale.path, { recursive: true });
  assertEquals(await pruneWorktrees(git, repo.path), [stale.path]);
  assertEquals((await listWorktrees(git, repo.path)).map((w) => w.path), [
    repo.path,
    kept.path,
  ]);

  await assertRejects(
    () =>
      removeWorktree(git, { repo: repo.path, path: repo.path, base: "main" }),
    MainWorktreeError,
  );
  const missing = await assertRejects(
    () =>
      removeWorktree(git, {
        repo: repo.path,
        path: repo.at("never"),
        base: "main",
      }),
    WorktreeNotFoundError,
  );
  assertEquals(missing.code, "worktree_not_found");
  await assertRejects(
    () =>
      removeWorktree(git, { repo: repo.path, path: kept.path, base: "nope" }),
    UnknownRefError,
  );
  // Forced, an unknown base cannot prove the branch merged: it is kept.
  const forced = await removeWorktree(git, {
    repo: repo.path,
    path: kept.path,
    base: "nope",
    force: true,
  });
  assertEquals(forced.branchDeleted, false);
});

Deno.test("inspectWorktree: names uncommitted files and unmerged commits, changes nothing", async () => {
  await using repo = await TempRepo.create({ "f.txt": "f\n" });
  const git = repo.git;
  const wt = await createWorktree(git, {
    repo: repo.path,
    path: repo.at("wt"),
    branch: "flock/look",
  });
  const inspect = (base = wt.base) =>
    inspectWorktree(git, { repo: repo.path, path: wt.path, base });
  assertEquals(await inspect(), {
    path: wt.path,
    branch: "flock/look",
    files: [],
    unmergedCommits: 0,
  });

  await repo.write("a.txt", "a\n", wt.path);
  await repo.commit("one", wt.path);
  await repo.write("b.txt", "b\n", wt.path);
  await repo.commit("two", wt.path);
  await repo.write("f.txt", "changed\n", wt.path);
  await repo.write("new.txt", "new\n", wt.path);
  const before = await repo.statusText(wt.path);
  assertEquals(await inspect(), {
    path: wt.path,
    branch: "flock/look",
    files: ["f.txt", "new.txt"],
    unmergedCommits: 2,
  });
  assertEquals(await repo.statusText(wt.path), before);
  assert((await Deno.stat(wt.path)).isDirectory);

  await assertRejects(() => inspect("nope"), UnknownRefError);
  await assertRejects(
    () =>
      inspectWorktree(git, { repo: repo.path, path: repo.path, base: "main" }),
    MainWorktreeError,
  );
  await assertRejects(
    () =>
      inspectWorktree(git, {
        repo: repo.path,
        path: repo.at("elsewhere"),
        base: "main",
      }),
    WorktreeNotFoundError,
  );
  // A worktree whose directory is gone has no files to lose, only commits.
  await Deno.remove(wt.path, { recursive: true });
  assertEquals(await inspect(), {
    path: wt.path,
    branch: "flock/look",
    files: [],
    unmergedCommits: 2,
  });
});
