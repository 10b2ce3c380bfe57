-- Driving many agents (issue 11): what Flock keeps beside OpenCode's data.

-- Sessions: subagents' child sessions are recorded too (parent_id), with
-- the model, variant and agent the session used last (what Flock sends
-- next) and its token and cost totals.
ALTER TABLE sessions ADD COLUMN parent_id TEXT;
ALTER TABLE sessions ADD COLUMN model TEXT;
ALTER TABLE sessions ADD COLUMN variant TEXT;
ALTER TABLE sessions ADD COLUMN agent TEXT;
ALTER TABLE sessions ADD COLUMN tokens TEXT; -- JSON: { input, output, reasoning, cache: { read, write } }
ALTER TABLE sessions ADD COLUMN cost REAL;

CREATE INDEX sessions_parent_id ON sessions (parent_id);

-- Follow-ups sent while their session was busy, in sending order (seq).
CREATE TABLE message_queue (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    session_id TEXT NOT NULL,
    instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('message', 'command')),
    text TEXT NOT NULL,
    command TEXT,
    model TEXT,
    agent TEXT,
    variant TEXT,
    status TEXT NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'sending', 'failed')),
    error TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE INDEX message_queue_session ON message_queue (session_id, seq);

-- Tool calls last seen pending or running (OpenCode's tool parts), so the
-- ones that die with their OpenCode can be marked interrupted.
CREATE TABLE live_tool_parts (
    part_id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    tool TEXT NOT NULL
) STRICT;

CREATE INDEX live_tool_parts_instance ON live_tool_parts (instance_id);

-- Flock's marks on parts and messages OpenCode leaves without an end
-- (key: the part id of an interrupted tool call, or the message id of a
-- reply aborted while retrying).
CREATE TABLE marks (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('interrupted', 'aborted')),
    session_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    part_id TEXT,
    tool TEXT,
    instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE INDEX marks_session ON marks (session_id);

-- Search: the text of every session title and message text part, fed from
-- the events, with an FTS5 index over it (external content).
CREATE TABLE search_docs (
    rowid INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE, -- 'title:<session id>' or the part id
    kind TEXT NOT NULL CHECK (kind IN ('title', 'text')),
    session_id TEXT NOT NULL,
    instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    message_id TEXT,
    part_id TEXT,
    body TEXT NOT NULL
) STRICT;

CREATE INDEX search_docs_session ON search_docs (session_id);

CREATE VIRTUAL TABLE search_fts USING fts5(
    body,
    content = 'search_docs',
    content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_fts (rowid, body) VALUES (new.rowid, new.body);
END;

CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, body)
        VALUES ('delete', old.rowid, old.body);
END;

CREATE TRIGGER search_docs_au AFTER UPDATE OF body ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, body)
        VALUES ('delete', old.rowid, old.body);
    INSERT INTO search_fts (rowid, body) VALUES (new.rowid, new.body);
END;
