import { strictEqual } from "node:assert/strict";
import type { RunWorktreeJson } from "../../server/contract/workflows.ts";
import type { RunMergeResultJson } from "../../server/contract/worktrees.ts";
import {
  mergedText,
  removedText,
  worktreeOutcome,
} from "./run_changes_view.ts";

const merge: RunMergeResultJson = {
  run_id: "run_1",
  kind: "fast-forward",
  branch: "flock/run-1-x",
  base: "main",
  previous: "aaaaaaaaaaaa",
  commit: "0123456789ab",
  updated_checkout: "/w/project",
  removed: { path: "/d/wt", branch: "flock/run-1-x", branch_deleted: true },
};

Deno.test("a merge says how the base moved and what became of the worktree", () => {
  strictEqual(
    mergedText(merge),
    "Merged flock/run-1-x into main (fast-forward, 01234567); its worktree and branch were removed.",
  );
  strictEqual(
    mergedText({ ...merge, kind: "merge-commit", removed: null }),
    "Merged flock/run-1-x into main (merge commit, 01234567); its worktree could not be removed and stays.",
  );
});

Deno.test("a removal says whether the branch went too", () => {
  const removal = { path: "/d/wt", branch: "flock/run-1-x" };
  strictEqual(
    removedText({ ...removal, branch_deleted: false }),
    "Its worktree was removed; its branch flock/run-1-x stays.",
  );
  strictEqual(
    removedText({ ...removal, branch_deleted: true }),
    "Its worktree and branch were removed.",
  );
});

Deno.test("a worktree's outcome: none while it is there, else merged and/or removed", () => {
  const worktree: RunWorktreeJson = {
    path: "/d/wt",
    branch: "flock/run-1-x",
    base: "main",
    merged: null,
    removed: null,
  };
  strictEqual(worktreeOutcome(worktree), null);
  const merged = { commit: "0123456789ab", at: "2026-12-01T10:00:00.000Z" };
  const at = "2026-12-01T10:00:01.000Z";
  strictEqual(
    worktreeOutcome({
      ...worktree,
      merged,
      removed: { at, branch_deleted: true },
    }),
    "Merged flock/run-1-x into main (01234567); its worktree and branch were removed.",
  );
  strictEqual(
    worktreeOutcome({ ...worktree, merged }),
    "Merged flock/run-1-x into main (01234567); its worktree is still there.",
  );
  strictEqual(
    worktreeOutcome({ ...worktree, removed: { at, branch_deleted: false } }),
    "Its worktree was removed; its branch flock/run-1-x stays.",
  );
  strictEqual(
    worktreeOutcome({ ...worktree, removed: { at, branch_deleted: true } }),
    "Its worktree and branch flock/run-1-x were removed.",
  );
});
