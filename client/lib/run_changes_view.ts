/**
 * What a run's "Changes" section says, decided purely: what a merge did,
 * what a removal did, and what became of a worktree Flock merged or
 * removed.
 *
 * @module
 */
import type { RunWorktreeJson } from "../../server/contract/workflows.ts";
import type {
  RunMergeResultJson,
  WorktreeRemovalJson,
} from "../../server/contract/worktrees.ts";

const MERGE_KIND: Record<RunMergeResultJson["kind"], string> = {
  "up-to-date": "already up to date",
  "fast-forward": "fast-forward",
  "merge-commit": "merge commit",
};

const short = (commit: string) => commit.slice(0, 8);

function removalText(removal: WorktreeRemovalJson): string {
  return removal.branch_deleted
    ? "its worktree and branch were removed"
    : `its worktree was removed; its branch ${removal.branch} stays`;
}

/**
 * The sentence after a merge.
 *
 * @example
 * ```ts
 * mergedText({ kind: "fast-forward", branch: "flock/run-1-x", base: "main", commit: "0123456789", removed: { path: "/w", branch: "flock/run-1-x", branch_deleted: true }, … });
 * // "Merged flock/run-1-x into main (fast-forward, 01234567); its worktree and branch were removed."
 * ```
 */
export function mergedText(result: RunMergeResultJson): string {
  const removed = result.removed === null
    ? "its worktree could not be removed and stays"
    : removalText(result.removed);
  return `Merged ${result.branch} into ${result.base} (${
    MERGE_KIND[result.kind] ?? result.kind
  }, ${short(result.commit)}); ${removed}.`;
}

/** The sentence after a removal without a merge. */
export function removedText(removal: WorktreeRemovalJson): string {
  const text = removalText(removal);
  return text.charAt(0).toUpperCase() + text.slice(1) + ".";
}

/**
 * What became of a worktree Flock merged or removed, or null while it is
 * there and unmerged.
 */
export function worktreeOutcome(worktree: RunWorktreeJson): string | null {
  const { merged, removed, branch, base } = worktree;
  if (merged === null) {
    if (removed === null) return null;
    return removed.branch_deleted
      ? `Its worktree and branch ${branch} were removed.`
      : `Its worktree was removed; its branch ${branch} stays.`;
  }
  const after = removed === null
    ? "its worktree is still there"
    : removalText({ path: worktree.path, branch, ...removed });
  return `Merged ${branch} into ${base} (${short(merged.commit)}); ${after}.`;
}
