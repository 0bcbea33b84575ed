-- The node leases moved to the jobs store (job_leases); nothing reads this
-- table any more.

-- +goose Up
DROP TABLE leases;

-- +goose Down
CREATE TABLE leases (
    name   TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until  BIGINT NOT NULL
);
