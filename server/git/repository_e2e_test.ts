import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
} from "../testing/assert.ts";
import {
  InvalidBranchNameError,
  MissingIdentityError,
  NotABranchError,
  NotAGitRepositoryError,
  UnknownRefError,
} from "./git_errors.ts";
import {
  branchCommit,
  countCommits,
  emptyTree,
  findCommit,
  headState,
  isAncestor,
  isInsideWorkTree,
  localBranchOf,
  refExists,
  repositoryRoot,
  requireBranch,
  requireIdentity,
  resolveCommit,
  status,
  validateBranchName,
} from "./repository.ts";
import { TempRepo, testGit } from "./test_repo.ts";

Deno.test("repositoryRoot / isInsideWorkTree: subdirs, non-git dirs, missing dirs, .git", async () => {
  await using repo = await TempRepo.create({ "sub dir/ü/x.txt": "x\n" });
  const git = repo.git;
  assertEquals(await repositoryRoot(git, `${repo.path}/sub dir/ü`), repo.path);
  assert(await isInsideWorkTree(git, repo.path));
  const plain = repo.at("plain");
  await Deno.mkdir(plain);
  const error = await assertRejects(
    () => repositoryRoot(git, plain),
    NotAGitRepositoryError,
  );
  assertMatch(
    error.message,
    /^Cannot use .*plain as it is not inside a git work tree: fatal: not a git repository/,
  );
  assertEquals(error.code, "not_a_git_repository");
  assertEquals(await isInsideWorkTree(git, plain), false);
  const missing = await assertRejects(
    () => repositoryRoot(git, repo.at("missing")),
    NotAGitRepositoryError,
  );
  assertMatch(missing.message, /cannot change to/);
  await assertRejects(
    () => repositoryRoot(git, `${repo.path}/.git`),
    NotAGitRepositoryError,
  );
});

Deno.test("headState: a branch, a detached HEAD, a repository without commits", async () => {
  await using repo = await TempRepo.create();
  const git = repo.git;
  const head = await repo.rev("HEAD");
  assertEquals(await headState(git, repo.path), {
    branch: "main",
    commit: head,
  });
  await repo.run(["checkout", "--quiet", "--detach"]);
  assertEquals(await headState(git, repo.path), { branch: null, commit: head });
  await using empty = await TempRepo.create({});
  assertEquals(await headState(git, empty.path), {
    branch: "main",
    commit: null,
  });
});

Deno.test("refs: resolve, exists, local branch names, and refs that look like options", async () => {
  await using repo = await TempRepo.create();
  const git = repo.git;
  const head = await repo.rev("HEAD");
  await repo.run(["tag", "v1"]);
  await repo.run(["branch", "feature/ü"]);
  assertEquals(await resolveCommit(git, repo.path, "v1", "test"), head);
  assertEquals(await findCommit(git, repo.path, "feature/ü"), head);
  assert(await refExists(git, repo.path, "main"));
  assertEquals(await refExists(git, repo.path, "nope"), false);
  for (const ref of ["-h", "--output=/tmp/flock-pwned", "--all", ""]) {
    assertEquals(await findCommit(git, repo.path, ref), null, ref);
  }
  const error = await assertRejects(
    () => resolveCommit(git, repo.path, "nope", "create a worktree"),
    UnknownRefError,
  );
  assertEquals(
    error.message,
    'Cannot create a worktree as "nope" is not a known ref: no such commit',
  );
  assertEquals(await localBranchOf(git, repo.path, "main"), "main");
  assertEquals(await localBranchOf(git, repo.path, "refs/heads/main"), "main");
  assertEquals(await localBranchOf(git, repo.path, "heads/main"), "main");
  assertEquals(await localBranchOf(git, repo.path, "main~0"), null);
  assertEquals(await localBranchOf(git, repo.path, "v1"), null);
  assertEquals(await localBranchOf(git, repo.path, head), null);
  assertEquals(await localBranchOf(git, repo.path, "-h"), null);
  assertEquals(await branchCommit(git, repo.path, "feature/ü"), head);
  assertEquals(await branchCommit(git, repo.path, "main^"), null);
  assertEquals(await branchCommit(git, repo.path, "v1"), null);
  assertEquals(await requireBranch(git, repo.path, "main", "merge"), head);
  await assertRejects(
    () => requireBranch(git, repo.path, "v1", "merge"),
    NotABranchError,
  );
  await assertRejects(
    () => requireBranch(git, repo.path, "gone", "merge"),
    UnknownRefError,
  );
});

Deno.test("validateBranchName: git's rules", async () => {
  const git = testGit();
  for (const good of ["feature/x", "flock/ses_1", "ü-ñ", "a.b"]) {
    assertEquals(await validateBranchName(git, good), good);
  }
  for (
    const bad of [
      "",
      "a b",
      "a..b",
      "-x",
      "--force",
      "@{-1}",
      "HEAD",
      "x.lock",
      "x/",
      "a~1",
      "a:b",
      "a\0b",
    ]
  ) {
    const error = await assertRejects(
      () => validateBranchName(git, bad),
      InvalidBranchNameError,
    );
    assertEquals(error.branch, bad);
    assertMatch(error.message, /^Cannot use ".*" as a branch name as /);
  }
});

Deno.test("status: spaces, unicode, renames, staged, untracked; ignored files left out", async () => {
  await using repo = await TempRepo.create({
    "a file.txt": "1\n",
    "old name.txt": "rename me\n".repeat(5),
    ".gitignore": "*.log\n",
  });
  const git = repo.git;
  assertEquals(await status(git, repo.path), []);
  await repo.write("a file.txt", "2\n");
  await repo.run(["mv", "old name.txt", "new ü name.txt"]);
  await repo.write("new dir/ünï cödé.txt", "new\n");
  await repo.write("debug.log", "ignored\n");
  const entries = await status(git, repo.path);
  assertEquals(entries, [
    { path: "a file.txt", kind: "changed", index: ".", worktree: "M" },
    {
      path: "new ü name.txt",
      origPath: "old name.txt",
      kind: "renamed",
      index: "R",
      worktree: ".",
    },
    {
      path: "new dir/ünï cödé.txt",
      kind: "untracked",
      index: "?",
      worktree: "?",
    },
  ]);
});

Deno.test("ancestry and counts", async () => {
  await using repo = await TempRepo.create();
  const git = repo.git;
  const first = await repo.rev("HEAD");
  await repo.write("b.txt", "b");
  const second = await repo.commit("second");
  assert(await isAncestor(git, repo.path, first, second));
  assertEquals(await isAncestor(git, repo.path, second, first), false);
  assert(await isAncestor(git, repo.path, first, first));
  assertEquals(await countCommits(git, repo.path, first, second), 1);
  assertEquals(await countCommits(git, repo.path, second, first), 0);
  assertEquals(
    await emptyTree(git, repo.path),
    "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
  );
});

Deno.test("requireIdentity: refuses when git cannot tell who commits", async () => {
  await using repo = await TempRepo.create();
  await requireIdentity(repo.git, repo.path, "commit");
  const anonymous = testGit({
    env: {
      GIT_AUTHOR_NAME: "",
      GIT_AUTHOR_EMAIL: "",
      GIT_COMMITTER_NAME: "",
      GIT_COMMITTER_EMAIL: "",
      // Never guess from the host name, so this fails on every machine.
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "user.useConfigOnly",
      GIT_CONFIG_VALUE_0: "true",
    },
  });
  const error = await assertRejects(
    () => requireIdentity(anonymous, repo.path, "merge x into main"),
    MissingIdentityError,
  );
  assertMatch(
    error.message,
    /^Cannot merge x into main as git does not know who is committing: .+; set user\.name and user\.email/,
  );
});
