-- CityLoop schema, PostgreSQL dialect. Keep table and column names identical
-- to ../sqlite/00001_init.sql (a test compares them). Times are BIGINT Unix
-- microseconds UTC, like SQLite, so comparisons and round trips are the same
-- on both; JSON is TEXT, stored byte for byte as the application wrote it.
-- Key and filter columns use COLLATE "C": byte order, like SQLite's BINARY,
-- so ORDER BY … id breaks ties the same way on both, and index comparisons
-- are plain memcmp whatever the database's locale.

-- +goose Up
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE cases (
    id                   TEXT COLLATE "C" PRIMARY KEY,
    code                 TEXT COLLATE "C" NOT NULL,
    status               TEXT COLLATE "C" NOT NULL,
    is_open              BOOLEAN NOT NULL, -- not status.Terminal(), decided in Go
    source               TEXT NOT NULL,
    category             TEXT COLLATE "C" NOT NULL DEFAULT '',
    filing_condition     INTEGER NOT NULL DEFAULT 0,
    urgency              TEXT NOT NULL DEFAULT '',
    description          TEXT NOT NULL DEFAULT '',
    address              TEXT NOT NULL DEFAULT '',
    lng                  DOUBLE PRECISION NOT NULL,
    lat                  DOUBLE PRECISION NOT NULL,
    grid                 TEXT COLLATE "C" NOT NULL DEFAULT '',
    community            TEXT COLLATE "C" NOT NULL DEFAULT '',
    street               TEXT COLLATE "C" NOT NULL DEFAULT '',
    district             TEXT COLLATE "C" NOT NULL DEFAULT '',
    department           TEXT COLLATE "C" NOT NULL DEFAULT '',
    suggested_department TEXT NOT NULL DEFAULT '',
    reporter_id          TEXT NOT NULL DEFAULT '',
    reporter_name        TEXT NOT NULL DEFAULT '',
    reporter_phone       TEXT NOT NULL DEFAULT '',
    external_ref         TEXT COLLATE "C" NOT NULL DEFAULT '',
    photos               TEXT NOT NULL DEFAULT 'null',
    after_photos         TEXT NOT NULL DEFAULT 'null',
    merged_into          TEXT NOT NULL DEFAULT '',
    recurrence_of        TEXT NOT NULL DEFAULT '',
    self_handled         BOOLEAN NOT NULL DEFAULT FALSE,
    rework_count         INTEGER NOT NULL DEFAULT 0,
    return_count         INTEGER NOT NULL DEFAULT 0,
    shirk_count          INTEGER NOT NULL DEFAULT 0,
    extension_count      INTEGER NOT NULL DEFAULT 0,
    urge_count           INTEGER NOT NULL DEFAULT 0,
    pending_request      TEXT,
    stage                TEXT NOT NULL DEFAULT '',
    stage_clock          TEXT,
    case_clock           TEXT,
    stage_due_at         BIGINT,
    stage_warn_at        BIGINT,
    case_due_at          BIGINT,
    overdue              BOOLEAN NOT NULL DEFAULT FALSE,
    closed_late          BOOLEAN NOT NULL DEFAULT FALSE,
    closure_kind         TEXT NOT NULL DEFAULT '',
    satisfaction         TEXT NOT NULL DEFAULT '',
    reported_at          BIGINT NOT NULL,
    filed_at             BIGINT,
    dispatched_at        BIGINT,
    disposed_at          BIGINT,
    closed_at            BIGINT,
    updated_at           BIGINT NOT NULL,
    version              INTEGER NOT NULL
);

-- The list indexes end in id: FindCases picks a page of ids from the index
-- alone (reported_at DESC, id DESC), then fetches those rows.
CREATE UNIQUE INDEX cases_code ON cases (code);
CREATE INDEX cases_street_status ON cases (street, status, reported_at DESC, id DESC);
CREATE INDEX cases_district_status ON cases (district, status, reported_at, id);
CREATE INDEX cases_community_status ON cases (community, status, reported_at, id);
CREATE INDEX cases_grid ON cases (grid, reported_at, id);
CREATE INDEX cases_department_status ON cases (department, status);
CREATE INDEX cases_status ON cases (status, reported_at, id);
CREATE INDEX cases_due ON cases (overdue, stage_due_at) WHERE is_open;
CREATE INDEX cases_nearby ON cases (category, lat, lng);
CREATE INDEX cases_reported ON cases (reported_at, id);
CREATE INDEX cases_external_ref ON cases (external_ref) WHERE external_ref <> '';

CREATE TABLE case_events (
    id          TEXT COLLATE "C" PRIMARY KEY,
    case_id     TEXT COLLATE "C" NOT NULL REFERENCES cases (id),
    seq         INTEGER NOT NULL,
    action      TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL,
    actor_id    TEXT NOT NULL DEFAULT '',
    actor_name  TEXT NOT NULL DEFAULT '',
    post        TEXT NOT NULL DEFAULT '',
    at          BIGINT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    photos      TEXT NOT NULL DEFAULT 'null',
    lng         DOUBLE PRECISION,
    lat         DOUBLE PRECISION,
    data        TEXT NOT NULL DEFAULT 'null',
    UNIQUE (case_id, seq)
);

CREATE TABLE regions (
    id         TEXT PRIMARY KEY,
    code       TEXT COLLATE "C" NOT NULL,
    name       TEXT NOT NULL,
    level      INTEGER NOT NULL,
    parent     TEXT NOT NULL DEFAULT '',
    geometry   TEXT,
    min_lng    DOUBLE PRECISION NOT NULL DEFAULT 0,
    min_lat    DOUBLE PRECISION NOT NULL DEFAULT 0,
    max_lng    DOUBLE PRECISION NOT NULL DEFAULT 0,
    max_lat    DOUBLE PRECISION NOT NULL DEFAULT 0,
    area_m2    DOUBLE PRECISION NOT NULL DEFAULT 0,
    valid_from BIGINT NOT NULL,
    valid_to   BIGINT,
    version    INTEGER NOT NULL,
    UNIQUE (code, version)
);

CREATE INDEX regions_current ON regions (level, code) WHERE valid_to IS NULL;

CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL DEFAULT '',
    grants        TEXT NOT NULL DEFAULT '[]',
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    must_change   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL,
    last_login_at BIGINT
);

CREATE TABLE tokens (
    hash       BYTEA PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX tokens_account ON tokens (account_id);
CREATE INDEX tokens_expires ON tokens (expires_at);

CREATE TABLE dictionary_edits (
    seq   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind  TEXT NOT NULL,
    key   TEXT NOT NULL,
    body  TEXT NOT NULL,
    actor TEXT NOT NULL DEFAULT '',
    at    BIGINT NOT NULL
);

CREATE TABLE photos (
    id          TEXT PRIMARY KEY,
    mime        TEXT NOT NULL,
    size        BIGINT NOT NULL,
    width       INTEGER,
    height      INTEGER,
    uploaded_by TEXT NOT NULL DEFAULT '',
    at          BIGINT NOT NULL
);

CREATE TABLE leases (
    name   TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until  BIGINT NOT NULL
);

-- +goose Down
DROP TABLE leases;
DROP TABLE photos;
DROP TABLE dictionary_edits;
DROP TABLE tokens;
DROP TABLE accounts;
DROP TABLE regions;
DROP TABLE case_events;
DROP TABLE cases;
DROP TABLE counters;
