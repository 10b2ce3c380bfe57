import { assertEquals } from "../testing/assert.ts";
import { parseWorktreeList } from "./worktree_list_parse.ts";

const A = "804e16c9f3555d40ad013caaf05c6a4c41fcbfee";

Deno.test("parseWorktreeList: main, branch, detached, locked, prunable, paths with spaces", () => {
  const out = [
    "worktree /r/main repo",
    `HEAD ${A}`,
    "branch refs/heads/main",
    "",
    "worktree /data/wt ü",
    `HEAD ${A}`,
    "branch refs/heads/feature/x",
    "locked reason here",
    "",
    "worktree /data/gone",
    `HEAD ${A}`,
    "detached",
    "prunable gitdir file points to non-existent location",
    "",
    "",
  ].join("\0");
  assertEquals(parseWorktreeList(out), [
    {
      path: "/r/main repo",
      head: A,
      branch: "main",
      detached: false,
      bare: false,
      locked: false,
      prunable: false,
      main: true,
    },
    {
      path: "/data/wt ü",
      head: A,
      branch: "feature/x",
      detached: false,
      bare: false,
      locked: true,
      prunable: false,
      main: false,
    },
    {
      path: "/data/gone",
      head: A,
      branch: null,
      detached: true,
      bare: false,
      locked: false,
      prunable: true,
      main: false,
    },
  ]);
});

Deno.test("parseWorktreeList: a bare main repository and an unborn HEAD", () => {
  const out = [
    "worktree /r.git",
    "bare",
    "",
    "worktree /w",
    `HEAD ${"0".repeat(40)}`,
    "branch refs/heads/new",
    "",
    "",
  ].join("\0");
  const [bare, unborn] = parseWorktreeList(out);
  assertEquals(bare?.bare, true);
  assertEquals(bare?.head, null);
  assertEquals(unborn?.head, null);
  assertEquals(unborn?.branch, "new");
  assertEquals(parseWorktreeList(""), []);
});
