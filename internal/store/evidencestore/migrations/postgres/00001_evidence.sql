-- Evidence of penalty cases and the chains of custody (package evidence),
-- postgres dialect. Keep names identical to the other dialect. Times are
-- BIGINT Unix microseconds UTC.

-- +goose Up
CREATE TABLE evidence_items (
    id             TEXT PRIMARY KEY,          -- UUIDv7, also the tus upload id
    case_id        TEXT NOT NULL,             -- the penalty case
    kind           TEXT NOT NULL,             -- photo, video, audio, document
    mime           TEXT NOT NULL,             -- sniffed from the content
    size           BIGINT NOT NULL,            -- bytes the device sent
    sha256         TEXT NOT NULL,             -- of those bytes
    stored_size    BIGINT NOT NULL,            -- bytes kept (photos: EXIF stripped)
    stored_sha256  TEXT NOT NULL,
    captured_at    BIGINT,                     -- NULL when unknown
    lng            DOUBLE PRECISION,            -- WGS-84; both NULL when unknown
    lat            DOUBLE PRECISION,
    capture_source TEXT NOT NULL DEFAULT '',  -- exif, device or ''
    device_id      TEXT NOT NULL DEFAULT '',
    officer_id     TEXT NOT NULL,             -- the uploading account
    filename       TEXT NOT NULL DEFAULT '',  -- sealed with the pii keyring
    note           TEXT NOT NULL DEFAULT '',  -- sealed with the pii keyring
    uploaded_at    BIGINT NOT NULL
);
CREATE INDEX evidence_items_case ON evidence_items (case_id, uploaded_at, id);

-- One link per act on evidence; hash covers the row and prev_hash, the
-- previous link's hash (see evidence.Seal).
CREATE TABLE evidence_custody (
    case_id     TEXT NOT NULL,
    seq         BIGINT NOT NULL,               -- 1, 2, … per case
    at          BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    evidence_id TEXT NOT NULL,
    detail      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);

-- The head of each case's chain: its row lock orders concurrent appends.
CREATE TABLE evidence_chains (
    case_id TEXT PRIMARY KEY,
    seq     BIGINT NOT NULL,                   -- the last entry's seq; 0 before the first
    head    TEXT NOT NULL                     -- the last entry's hash
);

-- +goose Down
DROP TABLE evidence_chains;
DROP TABLE evidence_custody;
DROP TABLE evidence_items;
