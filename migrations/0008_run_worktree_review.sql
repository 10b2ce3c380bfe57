-- Reviewing a run's own worktree from Flock: `POST /api/runs/{id}/merge`
-- merges its branch into its base and then removes the worktree (and the
-- branch, merged by then); `DELETE /api/runs/{id}/worktree` removes it
-- without a merge. The row keeps the worktree's path, branch and base
-- (what the run did stays readable) and says what became of it. All NULL
-- while the worktree is there and unmerged.
-- The base's commit after Flock's merge, and when (ISO 8601).
ALTER TABLE runs ADD COLUMN worktree_merged_commit TEXT;
ALTER TABLE runs ADD COLUMN worktree_merged_at TEXT;
-- When Flock removed the worktree (ISO 8601), and whether its branch was
-- deleted with it (1: merged, so deleted; 0: kept).
ALTER TABLE runs ADD COLUMN worktree_removed_at TEXT;
ALTER TABLE runs ADD COLUMN worktree_branch_deleted INTEGER
    CHECK (worktree_branch_deleted IN (0, 1));
