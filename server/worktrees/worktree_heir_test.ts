import { assertEquals } from "../testing/assert.ts";
import { heirOf, isInside, type WorktreeUser } from "./worktree_heir.ts";

const worktree = { session_id: "ses_owner", path: "/data/wt/inst/a-1" };

function user(id: string, directory: string | undefined, day: number) {
  const session: WorktreeUser = {
    id,
    created_at: `2026-01-0${day}T00:00:00.000Z`,
  };
  if (directory !== undefined) session.directory = directory;
  return session;
}

Deno.test("isInside: the worktree itself or below it, never a sibling with the same prefix", () => {
  assertEquals(isInside("/data/wt/inst/a-1", "/data/wt/inst/a-1"), true);
  assertEquals(isInside("/data/wt/inst/a-1/", "/data/wt/inst/a-1"), true);
  assertEquals(isInside("/data/wt/inst/a-1/pkg", "/data/wt/inst/a-1/"), true);
  assertEquals(isInside("/data/wt/inst/a-10", "/data/wt/inst/a-1"), false);
  assertEquals(isInside("/data/wt/inst", "/data/wt/inst/a-1"), false);
});

Deno.test("heirOf: the oldest other session running inside the worktree", () => {
  const sessions = [
    user("ses_owner", "/data/wt/inst/a-1", 1),
    user("ses_late", "/data/wt/inst/a-1", 4),
    user("ses_early", "/data/wt/inst/a-1/pkg", 2),
    user("ses_main", "/repo", 1),
    user("ses_old_row", undefined, 1),
    user("ses_sibling", "/data/wt/inst/a-10", 1),
  ];
  assertEquals(heirOf(worktree, sessions, new Set(["ses_owner"])), "ses_early");
});

Deno.test("heirOf: none when only the owner (or other owners) run there", () => {
  assertEquals(
    heirOf(worktree, [user("ses_owner", "/data/wt/inst/a-1", 1)], new Set()),
    undefined,
  );
  assertEquals(
    heirOf(worktree, [
      user("ses_owner", "/data/wt/inst/a-1", 1),
      user("ses_other_owner", "/data/wt/inst/a-1", 2),
    ], new Set(["ses_owner", "ses_other_owner"])),
    undefined,
  );
});

Deno.test("heirOf: a tie in age is broken by id, so the choice is stable", () => {
  const sessions = [
    user("ses_b", "/data/wt/inst/a-1", 2),
    user("ses_a", "/data/wt/inst/a-1", 2),
  ];
  assertEquals(heirOf(worktree, sessions, new Set()), "ses_a");
});
