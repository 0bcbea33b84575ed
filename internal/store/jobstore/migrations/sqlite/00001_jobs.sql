-- The jobs runner's tables (package jobs, see jobstore.go), SQLite dialect.
-- Keep names identical to ../postgres (a test compares them). Times are
-- INTEGER Unix microseconds UTC. Versions live in jobs_goose_db_version,
-- apart from the other stores'.

-- +goose Up
-- One row per job: the due time being worked on, when it may next be
-- claimed, the lease of the node running it, and how the last attempt went.
CREATE TABLE jobs (
    name             TEXT PRIMARY KEY,
    schedule         TEXT NOT NULL,            -- the short form, e.g. "daily 02:30 +workdays"
    due_at           INTEGER NOT NULL,         -- the scheduled time being worked on
    next_run_at      INTEGER NOT NULL,         -- when it may be claimed (after due_at during a retry's backoff)
    attempt          INTEGER NOT NULL DEFAULT 0, -- attempts made at due_at, counted at claim time
    holder           TEXT,                     -- the node holding the lease; NULL when free
    lease_until      INTEGER,                  -- the lease is free once lease_until < now
    lease_seq        INTEGER NOT NULL DEFAULT 0, -- fencing token: grows with every claim
    last_node        TEXT NOT NULL DEFAULT '',
    last_started_at  INTEGER,
    last_finished_at INTEGER,
    last_duration_us INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL
) STRICT;

-- One row per finished attempt, pruned to the newest few hundred per job.
CREATE TABLE job_runs (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL REFERENCES jobs (name) ON DELETE CASCADE,
    due_at      INTEGER NOT NULL,
    attempt     INTEGER NOT NULL,
    node        TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    duration_us INTEGER NOT NULL,
    error       TEXT NOT NULL DEFAULT '' -- '' on success
) STRICT;
CREATE INDEX job_runs_name ON job_runs (name, id);

-- +goose Down
DROP TABLE job_runs;
DROP TABLE jobs;
