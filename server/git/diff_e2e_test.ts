import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
} from "../testing/assert.ts";
import {
  diffBranch,
  diffRefs,
  diffWorkingTree,
  snapshotWorkingTree,
} from "./diff.ts";
import { UnknownRefError } from "./git_errors.ts";
import { TempRepo } from "./test_repo.ts";
import { createWorktree } from "./worktrees.ts";

const LINES = Array.from({ length: 20 }, (_, i) => `line ${i + 1}\n`).join("");

Deno.test("diffWorkingTree: modified, added (untracked, spaces, unicode), deleted, renamed, binary; the checkout is untouched", async () => {
  await using repo = await TempRepo.create({
    "a.txt": "one\ntwo\n",
    "gone.txt": "bye\n",
    "long name.txt": LINES,
    "bin.dat": "x\0y",
    ".gitignore": "*.log\n",
  });
  await repo.write("a.txt", "one\nTWO\nthree\n");
  await Deno.remove(`${repo.path}/gone.txt`);
  await Deno.rename(`${repo.path}/long name.txt`, `${repo.path}/renamed ü.txt`);
  await Deno.writeTextFile(`${repo.path}/renamed ü.txt`, "line 21\n", {
    append: true,
  });
  await repo.write("new dir/nëw fïle.txt", "fresh\n");
  await repo.write("bin.dat", new Uint8Array([0, 1, 2, 3]));
  await repo.write("noise.log", "ignored\n");
  const indexBefore = await Deno.readFile(`${repo.path}/.git/index`);
  const statusBefore = await repo.statusText();

  const diffs = await diffWorkingTree(repo.git, repo.path);

  assertEquals(
    diffs.map((
      d,
    ) => [d.file, d.oldFile, d.status, d.additions, d.deletions, d.binary]),
    [
      ["a.txt", undefined, "modified", 2, 1, false],
      ["bin.dat", undefined, "modified", 0, 0, true],
      ["gone.txt", undefined, "deleted", 0, 1, false],
      ["new dir/nëw fïle.txt", undefined, "added", 1, 0, false],
      ["renamed ü.txt", "long name.txt", "renamed", 1, 0, false],
    ],
  );
  const [a, bin, gone, added, renamed] = diffs;
  assertMatch(
    a!.patch,
    /^diff --git a\/a\.txt b\/a\.txt\nindex [0-9a-f]+\.\.[0-9a-f]+ 100644\n/,
  );
  assertEquals(
    a?.patch.split("\n").slice(2).join("\n"),
    [
      "--- a/a.txt",
      "+++ b/a.txt",
      "@@ -1,2 +1,3 @@",
      " one",
      "-two",
      "+TWO",
      "+three",
      "",
    ].join("\n"),
  );
  assertMatch(
    bin!.patch,
    /^diff --git a\/bin\.dat b\/bin\.dat\n.*\nBinary files a\/bin\.dat and b\/bin\.dat differ\n$/,
  );
  assertMatch(
    gone!.patch,
    /deleted file mode 100644\n.*\n--- a\/gone\.txt\n\+\+\+ \/dev\/null\n@@ -1 \+0,0 @@\n-bye\n$/,
  );
  assertMatch(
    added!.patch,
    /^diff --git a\/new dir\/nëw fïle\.txt b\/new dir\/nëw fïle\.txt\nnew file mode 100644\n/,
  );
  assertMatch(added!.patch, /\n\+fresh\n$/);
  assertMatch(
    renamed!.patch,
    /^diff --git a\/long name\.txt b\/renamed ü\.txt\nsimilarity index \d+%\nrename from long name\.txt\nrename to renamed ü\.txt\n/,
  );
  assertMatch(renamed!.patch, /\+line 21\n$/);
  assert(diffs.every((d) => !d.truncated));

  // The user's index, files and status are exactly as before.
  assertEquals(await Deno.readFile(`${repo.path}/.git/index`), indexBefore);
  assertEquals(await repo.statusText(), statusBefore);
  assertEquals(await repo.read("noise.log"), "ignored\n");
});

Deno.test("diffWorkingTree: a clean tree, a repository without commits, a long patch cut at a line end", async () => {
  await using repo = await TempRepo.create({ "a.txt": "a\n" });
  assertEquals(await diffWorkingTree(repo.git, repo.path), []);
  await repo.write("big.txt", LINES);
  const [big] = await diffWorkingTree(repo.git, repo.path, {
    maxPatchBytes: 200,
  });
  assert(big?.truncated);
  assert(big.patch.length <= 200 && big.patch.endsWith("\n"));
  assertEquals(big.additions, 20);

  await using empty = await TempRepo.create({});
  await empty.write("first.txt", "1\n");
  const diffs = await diffWorkingTree(empty.git, empty.path);
  assertEquals(diffs.map((d) => [d.file, d.status]), [["first.txt", "added"]]);
  // Snapshots are stable: the same content gives the same tree.
  assertEquals(
    await snapshotWorkingTree(empty.git, empty.path),
    await snapshotWorkingTree(empty.git, `${empty.path}/`),
  );
});

Deno.test("diffBranch: committed and uncommitted work against the merge base; base's later commits are not the branch's", async () => {
  await using repo = await TempRepo.create({ "a.txt": "a\n", "b.txt": "b\n" });
  const git = repo.git;
  const wt = await createWorktree(git, {
    repo: repo.path,
    path: repo.at("wt"),
    branch: "work",
  });
  await repo.write("a.txt", "a committed\n", wt.path);
  await repo.commit("commit a", wt.path);
  await repo.write("b.txt", "b uncommitted\n", wt.path);
  await repo.write("c ü.txt", "c untracked\n", wt.path);
  // The base moves on after the branch started.
  await repo.write("main-only.txt", "main\n");
  await repo.commit("main moves");

  const all = await diffBranch(git, { dir: wt.path, base: "main" });
  assertEquals(all.map((d) => [d.file, d.status]), [
    ["a.txt", "modified"],
    ["b.txt", "modified"],
    ["c ü.txt", "added"],
  ]);
  const committed = await diffBranch(git, {
    dir: wt.path,
    base: "main",
    includeUncommitted: false,
  });
  assertEquals(committed.map((d) => d.file), ["a.txt"]);
  assertMatch(committed[0]!.patch, /-a\n\+a committed\n$/);

  const working = await diffWorkingTree(git, wt.path);
  assertEquals(working.map((d) => d.file), ["b.txt", "c ü.txt"]);
  // The worktree's own index is untouched (c is still untracked).
  assertMatch(await repo.statusText(wt.path), /\?\? c ü\.txt/);

  const refs = await diffRefs(git, repo.path, "main~1", "work");
  assertEquals(refs.map((d) => d.file), ["a.txt"]);
  await assertRejects(
    () => diffBranch(git, { dir: wt.path, base: "nope" }),
    UnknownRefError,
  );
  await assertRejects(
    () => diffRefs(git, repo.path, "--output=x", "main"),
    UnknownRefError,
  );
});
