import { spawnChild, type SpawnFn } from "../opencode/spawn.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
} from "../testing/assert.ts";
import {
  BaseCheckoutDirtyError,
  InvalidBranchNameError,
  MergeConflictError,
  MissingIdentityError,
  NotABranchError,
  RefChangedError,
  UncommittedChangesError,
  UnknownRefError,
} from "./git_errors.ts";
import { mergeBranch, parseMergeTree } from "./merge.ts";
import { TempRepo, testGit } from "./test_repo.ts";
import { createWorktree, removeWorktree } from "./worktrees.ts";

/** A repo with a worktree `work` (branch `work`, base `main`). */
async function setup(files: Record<string, string> = { "a.txt": "a\n" }) {
  const repo = await TempRepo.create(files);
  const wt = await createWorktree(repo.git, {
    repo: repo.path,
    path: repo.at("wt"),
    branch: "work",
  });
  return { repo, wt };
}

/** Everything a failed merge must leave exactly as it was. */
async function snapshot(repo: TempRepo, wtPath: string, files: string[]) {
  return {
    main: await repo.rev("main"),
    work: await repo.rev("work"),
    mainStatus: await repo.statusText(),
    wtStatus: await repo.statusText(wtPath),
    mainFiles: await Promise.all(files.map((f) => repo.read(f))),
    wtFiles: await Promise.all(files.map((f) => repo.read(f, wtPath))),
  };
}

Deno.test("parseMergeTree: tree and unique conflicted paths", () => {
  assertEquals(parseMergeTree("abc\0x y.txt\0ü\0x y.txt\0\0"), {
    tree: "abc",
    conflicts: ["x y.txt", "ü"],
  });
  assertEquals(parseMergeTree("abc\0"), { tree: "abc", conflicts: [] });
});

Deno.test("mergeBranch: fast-forward into the clean main checkout brings its files along", async () => {
  const { repo, wt } = await setup();
  await using _ = repo;
  const before = await repo.rev("main");
  await repo.write("new ü.txt", "from work\n", wt.path);
  const tip = await repo.commit("work", wt.path);
  await repo.write("untracked-mine.txt", "keep me\n");

  const result = await mergeBranch(repo.git, {
    repo: repo.path,
    branch: "work",
    base: "main",
  });

  assertEquals(result, {
    kind: "fast-forward",
    branch: "work",
    base: "main",
    previous: before,
    commit: tip,
    updatedCheckout: repo.path,
  });
  assertEquals(await repo.rev("main"), tip);
  assertEquals(await repo.read("new ü.txt"), "from work\n");
  assertEquals(await repo.read("untracked-mine.txt"), "keep me\n");
  assertEquals(await repo.statusText(), "?? untracked-mine.txt\0");
  // After the merge, deleting the worktree deletes its branch too.
  const removed = await removeWorktree(repo.git, {
    repo: repo.path,
    path: wt.path,
    base: "main",
  });
  assertEquals(removed.branchDeleted, true);
});

Deno.test("mergeBranch: a base that is not checked out moves by compare-and-swap only", async () => {
  const { repo, wt } = await setup();
  await using _ = repo;
  await repo.run(["branch", "dev"]);
  await repo.write("a.txt", "changed\n", wt.path);
  const tip = await repo.commit("work", wt.path);
  const result = await mergeBranch(repo.git, {
    repo: wt.path,
    branch: "work",
    base: "dev",
  });
  assertEquals([result.kind, result.commit, result.updatedCheckout], [
    "fast-forward",
    tip,
    null,
  ]);
  assertEquals(await repo.rev("dev"), tip);
  assertEquals(await repo.read("a.txt"), "a\n");
  assertMatch(
    await repo.run(["reflog", "-1", "--format=%gs", "dev"]),
    /flock: merge work into dev \(fast-forward\)/,
  );
});

Deno.test("mergeBranch: diverged branches get a merge commit with both parents", async () => {
  const { repo, wt } = await setup({ "a.txt": "a\n", "b.txt": "b\n" });
  await using _ = repo;
  await repo.write("a.txt", "a from work\n", wt.path);
  const workTip = await repo.commit("work edits a", wt.path);
  await repo.write("b.txt", "b from main\n");
  const mainTip = await repo.commit("main edits b");

  const result = await mergeBranch(repo.git, {
    repo: repo.path,
    branch: "work",
    base: "main",
  });

  assertEquals(result.kind, "merge-commit");
  assertEquals(result.previous, mainTip);
  assertEquals(await repo.rev("main"), result.commit);
  assertEquals(
    (await repo.run(["rev-list", "--parents", "-n", "1", "main"])).trim(),
    `${result.commit} ${mainTip} ${workTip}`,
  );
  assertEquals(
    (await repo.run(["log", "-1", "--format=%s", "main"])).trim(),
    "Merge branch 'work' into main",
  );
  assertEquals(await repo.read("a.txt"), "a from work\n");
  assertEquals(await repo.read("b.txt"), "b from main\n");
  assertEquals(await repo.statusText(), "");
  // The worktree's branch is now merged.
  assertEquals(await repo.rev("work"), workTip);
  assertEquals(
    (await removeWorktree(repo.git, {
      repo: repo.path,
      path: wt.path,
      base: "main",
    })).branchDeleted,
    true,
  );
});

Deno.test("mergeBranch: a conflict lists the files and leaves both branches and every tree byte-for-byte as before", async () => {
  const files = ["shared ü.txt", "other.txt", "only-work.txt"];
  const { repo, wt } = await setup({
    "shared ü.txt": "base\n",
    "other.txt": "o\n",
  });
  await using _ = repo;
  await repo.write("shared ü.txt", "work\n", wt.path);
  await repo.write("only-work.txt", "w\n", wt.path);
  await repo.commit("work", wt.path);
  await repo.write("shared ü.txt", "main\n");
  await repo.commit("main");
  await repo.write("untracked.txt", "u\n");
  const before = await snapshot(repo, wt.path, files);

  const error = await assertRejects(
    () =>
      mergeBranch(repo.git, { repo: repo.path, branch: "work", base: "main" }),
    MergeConflictError,
  );

  assertEquals(error.files, ["shared ü.txt"]);
  assertEquals(error.code, "merge_conflict");
  assertEquals(
    error.message,
    "Cannot merge work into main as they conflict in shared ü.txt; nothing was changed",
  );
  assertEquals(await snapshot(repo, wt.path, files), before);
  assertEquals(await repo.read("shared ü.txt"), "main\n");
  assertEquals(await repo.read("shared ü.txt", wt.path), "work\n");
});

Deno.test("mergeBranch: uncommitted work in the worktree is refused before anything happens", async () => {
  const { repo, wt } = await setup();
  await using _ = repo;
  await repo.write("a.txt", "committed\n", wt.path);
  await repo.commit("work", wt.path);
  await repo.write("a.txt", "uncommitted\n", wt.path);
  await repo.write("new file.txt", "n\n", wt.path);
  const before = await snapshot(repo, wt.path, ["a.txt", "new file.txt"]);
  const error = await assertRejects(
    () =>
      mergeBranch(repo.git, { repo: repo.path, branch: "work", base: "main" }),
    UncommittedChangesError,
  );
  assertEquals(error.files, ["a.txt", "new file.txt"]);
  assertMatch(
    error.message,
    /^Cannot merge work into main as .*\/wt has uncommitted changes: a\.txt, new file\.txt/,
  );
  assertEquals(
    await snapshot(repo, wt.path, ["a.txt", "new file.txt"]),
    before,
  );
});

Deno.test("mergeBranch: a main checkout with changes to tracked files is never touched", async () => {
  const { repo, wt } = await setup({ "a.txt": "a\n", "mine.txt": "m\n" });
  await using _ = repo;
  await repo.write("a.txt", "work\n", wt.path);
  await repo.commit("work", wt.path);
  await repo.write("mine.txt", "my uncommitted edit\n");
  await repo.write("staged.txt", "staged\n");
  await repo.run(["add", "staged.txt"]);
  const before = await snapshot(repo, wt.path, [
    "a.txt",
    "mine.txt",
    "staged.txt",
  ]);
  const index = await Deno.readFile(`${repo.path}/.git/index`);

  const error = await assertRejects(
    () =>
      mergeBranch(repo.git, { repo: repo.path, branch: "work", base: "main" }),
    BaseCheckoutDirtyError,
  );

  assertEquals(error.files, ["mine.txt", "staged.txt"]);
  assertEquals(error.path, repo.path);
  assertMatch(
    error.message,
    /^Cannot merge into main as its checkout at .* has uncommitted changes: mine\.txt, staged\.txt; commit or stash them there first$/,
  );
  assertEquals(
    await snapshot(repo, wt.path, ["a.txt", "mine.txt", "staged.txt"]),
    before,
  );
  assertEquals(await Deno.readFile(`${repo.path}/.git/index`), index);
});

Deno.test("mergeBranch: an untracked file the merge would overwrite is refused, and kept", async () => {
  const { repo, wt } = await setup();
  await using _ = repo;
  await repo.write("clash.txt", "from work\n", wt.path);
  await repo.commit("work", wt.path);
  await repo.write("clash.txt", "my untracked notes\n");
  const before = await snapshot(repo, wt.path, ["clash.txt"]);
  const error = await assertRejects(
    () =>
      mergeBranch(repo.git, { repo: repo.path, branch: "work", base: "main" }),
    BaseCheckoutDirtyError,
  );
  assertEquals(error.files, ["clash.txt"]);
  assertEquals(await snapshot(repo, wt.path, ["clash.txt"]), before);
});

Deno.test("mergeBranch: up to date, not a branch, unknown, itself", async () => {
  const { repo, wt } = await setup();
  await using _ = repo;
  const main = await repo.rev("main");
  assertEquals(
    await mergeBranch(repo.git, {
      repo: repo.path,
      branch: "work",
      base: "main",
    }),
    {
      kind: "up-to-date",
      branch: "work",
      base: "main",
      previous: main,
      commit: main,
      updatedCheckout: null,
    },
  );
  await repo.run(["tag", "v1"]);
  await repo.write("x.txt", "x", wt.path);
  await repo.commit("x", wt.path);
  const tag = await assertRejects(
    () =>
      mergeBranch(repo.git, { repo: repo.path, branch: "work", base: "v1" }),
    NotABranchError,
  );
  assertMatch(
    tag.message,
    /^Cannot merge work into v1 as "v1" is not a local branch/,
  );
  await assertRejects(
    () =>
      mergeBranch(repo.git, { repo: repo.path, branch: "work", base: main }),
    NotABranchError,
  );
  await assertRejects(
    () =>
      mergeBranch(repo.git, { repo: repo.path, branch: "gone", base: "main" }),
    UnknownRefError,
  );
  await assertRejects(
    () =>
      mergeBranch(repo.git, { repo: repo.path, branch: "-x", base: "main" }),
    UnknownRefError,
  );
  await assertRejects(
    () =>
      mergeBranch(repo.git, { repo: repo.path, branch: "main", base: "main" }),
    InvalidBranchNameError,
  );
  assertEquals(await repo.rev("main"), main);
});

Deno.test("mergeBranch: a merge commit needs an identity; without one nothing moves", async () => {
  const { repo, wt } = await setup({ "a.txt": "a\n", "b.txt": "b\n" });
  await using _ = repo;
  await repo.write("a.txt", "w\n", wt.path);
  await repo.commit("w", wt.path);
  await repo.write("b.txt", "m\n");
  await repo.commit("m");
  const before = await snapshot(repo, wt.path, ["a.txt", "b.txt"]);
  const anonymous = testGit({
    env: {
      GIT_AUTHOR_NAME: "",
      GIT_AUTHOR_EMAIL: "",
      GIT_COMMITTER_NAME: "",
      GIT_COMMITTER_EMAIL: "",
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "user.useConfigOnly",
      GIT_CONFIG_VALUE_0: "true",
    },
  });
  await assertRejects(
    () =>
      mergeBranch(anonymous, { repo: repo.path, branch: "work", base: "main" }),
    MissingIdentityError,
  );
  assertEquals(await snapshot(repo, wt.path, ["a.txt", "b.txt"]), before);
});

Deno.test("mergeBranch: a base that moves meanwhile is not overwritten", async () => {
  const { repo, wt } = await setup();
  await using _ = repo;
  await repo.run(["branch", "dev"]);
  await repo.write("a.txt", "work\n", wt.path);
  await repo.commit("work", wt.path);
  // Someone else moves dev to a new commit just before Flock updates it.
  await repo.write("d.txt", "d\n");
  const elsewhere = await repo.commit("elsewhere");
  let moved = false;
  const spawn: SpawnFn = (options) => {
    if (!moved && options.args.includes("update-ref")) {
      moved = true;
      const race = new Deno.Command("git", {
        args: ["-C", repo.path, "update-ref", "refs/heads/dev", elsewhere],
        env: options.env ? { ...options.env } : {},
      }).outputSync();
      assert(race.success);
    }
    return spawnChild(options);
  };
  const error = await assertRejects(
    () =>
      mergeBranch(testGit({ spawn }), {
        repo: repo.path,
        branch: "work",
        base: "dev",
      }),
    RefChangedError,
  );
  assertEquals(error.ref, "refs/heads/dev");
  assertEquals(await repo.rev("dev"), elsewhere);
});
