-- A persistent floor for SSE event ids, so ids stay unique and increasing
-- across Flock restarts. Flock reserves ids in blocks and records the block end.
CREATE TABLE event_sequence (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    next_block_start INTEGER NOT NULL
) STRICT;

INSERT INTO event_sequence (id, next_block_start) VALUES (1, 1);
