-- Permits granted online (package permit), postgres dialect. Keep names
-- identical to the other dialect. Times are BIGINT Unix microseconds UTC;
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
    lng           DOUBLE PRECISION NOT NULL,
    lat           DOUBLE PRECISION NOT NULL,
    district      TEXT NOT NULL,
    details       TEXT NOT NULL,
    valid_from    BIGINT NOT NULL,
    valid_to      BIGINT NOT NULL,
    submitted_at  BIGINT NOT NULL,
    due_at        BIGINT NOT NULL,
    decided_at    BIGINT NOT NULL,
    decided_by    TEXT NOT NULL,
    reason        TEXT NOT NULL,
    reminded_at   BIGINT NOT NULL,
    version       BIGINT NOT NULL
);
CREATE INDEX permits_list ON permits (kind, status, submitted_at);
CREATE INDEX permits_ending ON permits (status, valid_to);

-- The last number given per prefix (kind and year): 许可证号 are gapless.
CREATE TABLE permit_numbers (
    prefix  TEXT PRIMARY KEY,
    last    BIGINT NOT NULL
);

-- +goose Down
DROP TABLE permit_numbers;
DROP TABLE permits;
