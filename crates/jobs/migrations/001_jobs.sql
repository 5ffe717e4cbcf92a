-- Jobs: one row per sync or patch export, whoever started it.
CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,
    seq              INTEGER NOT NULL,
    kind             TEXT NOT NULL,          -- sync | patch
    direction        TEXT NOT NULL,
    request          TEXT NOT NULL,          -- JSON
    state            TEXT NOT NULL,          -- queued | running | success | conflict | error | cancelled
    origin           TEXT NOT NULL,          -- cli | api
    done             INTEGER NOT NULL DEFAULT 0,
    total            INTEGER NOT NULL DEFAULT 0,
    results          TEXT NOT NULL DEFAULT '[]',
    report           TEXT,
    error            TEXT,
    log              TEXT NOT NULL DEFAULT '',
    trace_id         TEXT NOT NULL,
    idempotency_key  TEXT UNIQUE,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    attempts         INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    started_at       TEXT,
    finished_at      TEXT,
    duration_ms      INTEGER
);
CREATE INDEX jobs_state ON jobs (state, seq);

-- Every state change and progress step, in order; the SSE stream replays
-- from here after Last-Event-ID.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id     TEXT NOT NULL,
    kind       TEXT NOT NULL,                -- state | progress
    data       TEXT NOT NULL,                -- JSON
    created_at TEXT NOT NULL
);
