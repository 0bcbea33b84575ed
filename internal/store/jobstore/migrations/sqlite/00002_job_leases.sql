-- Leased workers' leases (package jobs, Runner.Hold), SQLite dialect:
-- continuous work that one node at a time runs (the hub's delivery engine,
-- the sensing owner). Keep names identical to ../postgres. Times are INTEGER Unix
-- microseconds UTC.

-- +goose Up
CREATE TABLE job_leases (
    name        TEXT PRIMARY KEY,
    ttl_us      INTEGER NOT NULL,          -- the lease's length, for the list
    holder      TEXT,                 -- the node holding it; NULL when free
    lease_until INTEGER,                   -- the lease is free once lease_until < now
    held_since  INTEGER,                   -- when the holder took it
    last_node   TEXT NOT NULL DEFAULT '', -- who released it last
    last_error  TEXT NOT NULL DEFAULT '', -- how that hold ended; '' when cleanly
    updated_at  INTEGER NOT NULL,          -- the last take, renewal or release
    created_at  INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE job_leases;
