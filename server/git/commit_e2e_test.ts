import { assertEquals, assertMatch, assertRejects } from "../testing/assert.ts";
import { commitAll } from "./commit.ts";
import {
  GitCommandError,
  InvalidCommitMessageError,
  MissingIdentityError,
  NotAGitRepositoryError,
  NothingToCommitError,
} from "./git_errors.ts";
import { TempRepo, testGit } from "./test_repo.ts";
import { createWorktree } from "./worktrees.ts";

Deno.test("commitAll: new, modified, deleted and renamed files (spaces, unicode) in a worktree; main untouched", async () => {
  await using repo = await TempRepo.create({
    "a.txt": "a\n",
    "gone.txt": "g\n",
    "old name.txt": "rename me\n".repeat(5),
    ".gitignore": "*.log\n",
  });
  const wt = await createWorktree(repo.git, {
    repo: repo.path,
    path: repo.at("wt"),
    branch: "work",
  });
  const mainBefore = await repo.rev("main");
  await repo.write("a.txt", "changed\n", wt.path);
  await Deno.remove(`${wt.path}/gone.txt`);
  await Deno.rename(`${wt.path}/old name.txt`, `${wt.path}/new ü name.txt`);
  await repo.write("sub dir/nëw.txt", "new\n", wt.path);
  await repo.write("debug.log", "ignored\n", wt.path);

  const result = await commitAll(repo.git, {
    dir: `${wt.path}/sub dir`,
    message: "  Agent's work: $(not a shell) \n",
  });

  assertEquals(result.commit, await repo.rev("work"));
  assertEquals(result.files, [
    "a.txt",
    "gone.txt",
    "new ü name.txt",
    "old name.txt",
    "sub dir/nëw.txt",
  ]);
  assertEquals(
    (await repo.run(["log", "-1", "--format=%B", "work"])).trim(),
    "Agent's work: $(not a shell)",
  );
  assertEquals(
    await repo.run([
      "-c",
      "core.quotePath=false",
      "show",
      "--name-status",
      "--format=",
      "-M",
      "work",
    ]),
    "M\ta.txt\nD\tgone.txt\nR100\told name.txt\tnew ü name.txt\nA\tsub dir/nëw.txt\n",
  );
  assertEquals(await repo.statusText(wt.path), "");
  assertEquals(await repo.read("debug.log", wt.path), "ignored\n");
  assertEquals(await repo.rev("main"), mainBefore);
  assertEquals(await repo.statusText(), "");
});

Deno.test("commitAll: refusals", async () => {
  await using repo = await TempRepo.create();
  const git = repo.git;
  const nothing = await assertRejects(
    () => commitAll(git, { dir: repo.path, message: "m" }),
    NothingToCommitError,
  );
  assertMatch(nothing.message, /^Cannot commit in .* as there are no changes$/);
  await repo.write("x.txt", "x\n");
  for (const message of ["", "   \n\t"]) {
    await assertRejects(
      () => commitAll(git, { dir: repo.path, message }),
      InvalidCommitMessageError,
    );
  }
  const plain = repo.at("plain");
  await Deno.mkdir(plain);
  await assertRejects(
    () => commitAll(git, { dir: plain, message: "m" }),
    NotAGitRepositoryError,
  );
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
    () => commitAll(anonymous, { dir: repo.path, message: "m" }),
    MissingIdentityError,
  );
  // A pre-commit hook that refuses is reported; nothing is committed.
  const head = await repo.rev("HEAD");
  await repo.write(
    ".git/hooks/pre-commit",
    "#!/bin/sh\necho 'hook says no' >&2\nexit 1\n",
  );
  await Deno.chmod(`${repo.path}/.git/hooks/pre-commit`, 0o755);
  const refused = await assertRejects(
    () => commitAll(git, { dir: repo.path, message: "m" }),
    GitCommandError,
  );
  assertMatch(refused.message, /hook says no/);
  assertEquals(await repo.rev("HEAD"), head);
});
