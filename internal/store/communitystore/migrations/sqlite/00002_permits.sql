-- Permits granted online (package permit), sqlite dialect. Keep names
-- identical to the other dialect. Times are INTEGER Unix microseconds UTC;
-- decided_at and reminded_at are 0 until they happen.

-- +goose Up
CREATE TABLE permits (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    status        TEXT NOT NULL,     -- submitted, approved, rejected (expired is approved past valid_to)
    number        TEXT NOT NULL,     -- '' until approved
    applicant     TEXT NOT NULL,
    uscc          TEXT NOT NULL,
    phone_sealed  TEXT NOT NULL,     -- sealed with the node's keyring
    address       TEXT NOT NULL,
    lng           REAL NOT NULL,
    lat           REAL NOT NULL,
    district      TEXT NOT NULL,
    details       TEXT NOT NULL,
    valid_from    INTEGER NOT NULL,
    valid_to      INTEGER NOT NULL,
    submitted_at  INTEGER NOT NULL,
    due_at        INTEGER NOT NULL,
    decided_at    INTEGER NOT NULL,
    decided_by    TEXT NOT NULL,
    reason        TEXT NOT NULL,
    reminded_at   INTEGER NOT NULL,
    version       INTEGER NOT NULL
) STRICT;
CREATE INDEX permits_list ON permits (kind, status, submitted_at);
CREATE INDEX permits_ending ON permits (status, valid_to);

-- The last number given per prefix (kind and year): 许可证号 are gapless.
CREATE TABLE permit_numbers (
    prefix  TEXT PRIMARY KEY,
    last    INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE permit_numbers;
DROP TABLE permits;
