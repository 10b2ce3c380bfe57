-- A run may work in a git worktree of its own (`POST /api/runs` with
-- "worktree": true): Flock makes a branch from the instance repository's
-- HEAD and checks it out under its data directory before the first
-- attempt. The run owns it; it stays when the run ends (its branch holds
-- the work for review). `runs.directory` is then the directory inside the
-- worktree where the attempts' sessions work. All four are NULL for a run
-- in the instance's own directory.
ALTER TABLE runs ADD COLUMN worktree_path TEXT;
ALTER TABLE runs ADD COLUMN worktree_branch TEXT;
-- What the branch was made from (a local branch name, or a commit id for a
-- detached HEAD); `base_commit` holds the commit.
ALTER TABLE runs ADD COLUMN worktree_base TEXT;
-- The repository's main working tree (git commands about the worktree run there).
ALTER TABLE runs ADD COLUMN worktree_repo TEXT;

CREATE UNIQUE INDEX runs_worktree_path ON runs (worktree_path)
    WHERE worktree_path IS NOT NULL;
CREATE INDEX runs_instance_id ON runs (instance_id);
