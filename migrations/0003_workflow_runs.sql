-- Workflows and their runs (server/db/workflow_store.ts, run_store.ts).

-- Every install of a workflow id adds a revision; the installed workflow is
-- the newest revision that is not removed. A run points at the revision it
-- started with, whose spec and agent texts (`pinned`) never change, so a
-- newer install never changes a run in progress.
CREATE TABLE workflow_revisions (
    workflow_id TEXT NOT NULL,
    revision INTEGER NOT NULL CHECK (revision >= 1),
    -- The spec's own `version`.
    version INTEGER NOT NULL,
    yaml TEXT NOT NULL,
    -- JSON { spec, systems }: what runs of this revision follow.
    pinned TEXT NOT NULL,
    -- JSON WorkflowJson as installed (agents, steps, warnings, path).
    info TEXT NOT NULL,
    installed_at TEXT NOT NULL,
    removed_at TEXT,
    PRIMARY KEY (workflow_id, revision)
) STRICT;

CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    run_number INTEGER NOT NULL UNIQUE,
    workflow_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    instance_id TEXT NOT NULL,
    -- Where the attempts' sessions work (the instance's directory).
    directory TEXT NOT NULL,
    -- HEAD when the run was created, when the directory is a git repository.
    base_commit TEXT,
    status TEXT NOT NULL
        CHECK (status IN ('running', 'blocked', 'completed', 'failed', 'cancelled')),
    blocked_reason TEXT,
    -- JSON: the engine's RunState without its pinned workflow.
    state TEXT NOT NULL,
    -- JSON: RunSummaryJson (what lists and run.updated carry).
    summary TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (workflow_id, revision)
        REFERENCES workflow_revisions (workflow_id, revision)
) STRICT;

CREATE INDEX runs_status ON runs (status);
CREATE INDEX runs_workflow_id ON runs (workflow_id);

-- The commands `decide` asked for and the runner has not confirmed yet,
-- written in the same transaction as the state that asked for them.
CREATE TABLE run_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL REFERENCES runs (id),
    -- JSON RunCommand.
    command TEXT NOT NULL
) STRICT;

CREATE INDEX run_outbox_run_id ON run_outbox (run_id);

-- One row per attempt (one OpenCode session), kept in step with the state.
CREATE TABLE run_attempts (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs (id),
    number INTEGER NOT NULL,
    step TEXT NOT NULL,
    story TEXT,
    phase TEXT NOT NULL
        CHECK (phase IN ('preparing', 'creating_session', 'prompting', 'running', 'waiting_input', 'ended')),
    outcome TEXT,
    session_id TEXT,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    UNIQUE (run_id, number),
    CHECK ((phase = 'ended') = (outcome IS NOT NULL))
) STRICT;

-- A run has at most one live attempt, so no step ever has two: enforced by
-- the database, not by care.
CREATE UNIQUE INDEX run_attempts_one_live ON run_attempts (run_id)
    WHERE phase <> 'ended';
CREATE INDEX run_attempts_session_id ON run_attempts (session_id);

-- Append-only: every event a run accepted, in order.
CREATE TABLE run_transitions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL REFERENCES runs (id),
    at TEXT NOT NULL,
    -- The event's type (`start`, `attempt_finished`, `approve`, …).
    type TEXT NOT NULL,
    -- JSON RunEvent.
    event TEXT NOT NULL,
    -- The run's status after it.
    status TEXT NOT NULL
) STRICT;

CREATE INDEX run_transitions_run_id ON run_transitions (run_id, seq);
