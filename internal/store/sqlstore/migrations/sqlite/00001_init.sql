-- CityLoop schema, SQLite dialect. Keep table and column names identical to
-- ../postgres/00001_init.sql (a test compares them). Times are INTEGER Unix
-- microseconds UTC; booleans are INTEGER 0/1; JSON is TEXT.

-- +goose Up
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT;

CREATE TABLE cases (
    id                   TEXT PRIMARY KEY,
    code                 TEXT NOT NULL,
    status               TEXT NOT NULL,
    is_open              INTEGER NOT NULL, -- not status.Terminal(), decided in Go
    source               TEXT NOT NULL,
    category             TEXT NOT NULL DEFAULT '', -- "event:0501"; '' when unclassified
    filing_condition     INTEGER NOT NULL DEFAULT 0,
    urgency              TEXT NOT NULL DEFAULT '',
    description          TEXT NOT NULL DEFAULT '',
    address              TEXT NOT NULL DEFAULT '',
    lng                  REAL NOT NULL,
    lat                  REAL NOT NULL,
    grid                 TEXT NOT NULL DEFAULT '',
    community            TEXT NOT NULL DEFAULT '',
    street               TEXT NOT NULL DEFAULT '',
    district             TEXT NOT NULL DEFAULT '',
    department           TEXT NOT NULL DEFAULT '',
    suggested_department TEXT NOT NULL DEFAULT '',
    reporter_id          TEXT NOT NULL DEFAULT '',
    reporter_name        TEXT NOT NULL DEFAULT '',
    reporter_phone       TEXT NOT NULL DEFAULT '',
    external_ref         TEXT NOT NULL DEFAULT '',
    photos               TEXT NOT NULL DEFAULT 'null', -- JSON array of photo ids
    after_photos         TEXT NOT NULL DEFAULT 'null',
    merged_into          TEXT NOT NULL DEFAULT '',
    recurrence_of        TEXT NOT NULL DEFAULT '',
    self_handled         INTEGER NOT NULL DEFAULT 0,
    rework_count         INTEGER NOT NULL DEFAULT 0,
    return_count         INTEGER NOT NULL DEFAULT 0,
    shirk_count          INTEGER NOT NULL DEFAULT 0,
    extension_count      INTEGER NOT NULL DEFAULT 0,
    urge_count           INTEGER NOT NULL DEFAULT 0,
    pending_request      TEXT, -- JSON casework.Request
    stage                TEXT NOT NULL DEFAULT '',
    stage_clock          TEXT, -- JSON worktime.Clock
    case_clock           TEXT,
    stage_due_at         INTEGER,
    stage_warn_at        INTEGER,
    case_due_at          INTEGER,
    overdue              INTEGER NOT NULL DEFAULT 0,
    closed_late          INTEGER NOT NULL DEFAULT 0,
    closure_kind         TEXT NOT NULL DEFAULT '',
    satisfaction         TEXT NOT NULL DEFAULT '',
    reported_at          INTEGER NOT NULL,
    filed_at             INTEGER,
    dispatched_at        INTEGER,
    disposed_at          INTEGER,
    closed_at            INTEGER,
    updated_at           INTEGER NOT NULL,
    version              INTEGER NOT NULL
) STRICT;

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
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    seq         INTEGER NOT NULL,
    action      TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL,
    actor_id    TEXT NOT NULL DEFAULT '',
    actor_name  TEXT NOT NULL DEFAULT '',
    post        TEXT NOT NULL DEFAULT '',
    at          INTEGER NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    photos      TEXT NOT NULL DEFAULT 'null',
    lng         REAL,
    lat         REAL,
    data        TEXT NOT NULL DEFAULT 'null', -- JSON object
    UNIQUE (case_id, seq)
) STRICT;

CREATE TABLE regions (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    level      INTEGER NOT NULL,
    parent     TEXT NOT NULL DEFAULT '',
    geometry   TEXT, -- GeoJSON Polygon or MultiPolygon
    min_lng    REAL NOT NULL DEFAULT 0,
    min_lat    REAL NOT NULL DEFAULT 0,
    max_lng    REAL NOT NULL DEFAULT 0,
    max_lat    REAL NOT NULL DEFAULT 0,
    area_m2    REAL NOT NULL DEFAULT 0,
    valid_from INTEGER NOT NULL,
    valid_to   INTEGER,
    version    INTEGER NOT NULL,
    UNIQUE (code, version)
) STRICT;

CREATE INDEX regions_current ON regions (level, code) WHERE valid_to IS NULL;

CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL DEFAULT '',
    grants        TEXT NOT NULL DEFAULT '[]', -- JSON []org.Grant
    disabled      INTEGER NOT NULL DEFAULT 0,
    must_change   INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    last_login_at INTEGER
) STRICT;

CREATE TABLE tokens (
    hash       BLOB PRIMARY KEY, -- SHA-256 of the bearer token
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

CREATE INDEX tokens_account ON tokens (account_id);
CREATE INDEX tokens_expires ON tokens (expires_at);

-- Append-only: the app replays these over the built-in dictionary at start.
CREATE TABLE dictionary_edits (
    seq   INTEGER PRIMARY KEY, -- rowid; rows are never deleted, so it only grows
    kind  TEXT NOT NULL,
    key   TEXT NOT NULL,
    body  TEXT NOT NULL, -- JSON
    actor TEXT NOT NULL DEFAULT '',
    at    INTEGER NOT NULL
) STRICT;

CREATE TABLE photos (
    id          TEXT PRIMARY KEY, -- SHA-256 of the content, hex
    mime        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    width       INTEGER,
    height      INTEGER,
    uploaded_by TEXT NOT NULL DEFAULT '',
    at          INTEGER NOT NULL
) STRICT;

CREATE TABLE leases (
    name   TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until  INTEGER NOT NULL
) STRICT;

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
