-- Sessions remember the directory OpenCode runs them in (a worktree's for a
-- session in its own worktree), and Flock records the worktrees it owns.
-- session_worktrees has no foreign key to sessions on purpose: a session row
-- can be replaced by a resync, while the worktree on disk stays Flock's to
-- remove. It goes with its instance's row.
ALTER TABLE sessions ADD COLUMN directory TEXT;

CREATE TABLE session_worktrees (
    session_id TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    path TEXT NOT NULL UNIQUE,
    repo TEXT NOT NULL,
    branch TEXT NOT NULL,
    base TEXT NOT NULL,
    base_commit TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE INDEX session_worktrees_instance_id ON session_worktrees (instance_id);
