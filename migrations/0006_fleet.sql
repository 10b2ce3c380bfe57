-- Hibernation, remote instances and memory accounting (issue 14).
-- The status CHECK gains 'hibernating' and 'hibernated', which SQLite can only
-- do by rebuilding the table (https://sqlite.org/lang_altertable.html#otheralter).
-- This migration runs with foreign keys off (see migrations.ts), so dropping
-- the old table does not cascade into the tables that reference it; the
-- runner checks every foreign key before it commits.
CREATE TABLE instances_next (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT 'local' CHECK (kind IN ('local', 'remote')),
    pid INTEGER NOT NULL DEFAULT 0,
    port INTEGER NOT NULL DEFAULT 0,
    working_directory TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'starting'
        CHECK (status IN ('starting', 'running', 'stopping', 'stopped', 'error',
                          'hibernating', 'hibernated')),
    exit_code INTEGER,
    last_error TEXT,
    restart_count INTEGER NOT NULL DEFAULT 0,
    -- Seconds without activity before hibernating; NULL follows --idle-timeout.
    idle_timeout_s INTEGER CHECK (idle_timeout_s IS NULL OR idle_timeout_s >= 0),
    hibernated_at TEXT,
    -- JSON { at, rss_bytes, limit_bytes } of the last memory recycle.
    last_recycle TEXT,
    -- A remote instance's server: origin with an optional user, never a password.
    remote_url TEXT,
    -- The Basic-auth user and password for it (the file is 0600; never served).
    remote_username TEXT,
    remote_password TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK ((kind = 'remote') = (remote_url IS NOT NULL))
) STRICT;

INSERT INTO instances_next (id, name, pid, port, working_directory, status,
    exit_code, last_error, restart_count, created_at, updated_at)
SELECT id, name, pid, port, working_directory, status,
    exit_code, last_error, restart_count, created_at, updated_at
FROM instances;

DROP TABLE instances;
ALTER TABLE instances_next RENAME TO instances;

CREATE INDEX instances_working_directory ON instances (working_directory);
CREATE UNIQUE INDEX instances_remote_url ON instances (remote_url)
    WHERE remote_url IS NOT NULL;
