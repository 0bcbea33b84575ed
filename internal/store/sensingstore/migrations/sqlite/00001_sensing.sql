-- Sensing schema (sqlite). Own goose table: sensing_goose_db_version. Keep names identical
-- across dialects (a test compares them). Times are Unix microseconds UTC; booleans 0/1;
-- registry rows keep their document as JSON text in body.

-- +goose Up
CREATE TABLE sensing_devices (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    body         TEXT NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE sensing_cameras (
    id           TEXT PRIMARY KEY,
    body         TEXT NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE sensing_rules (
    id           TEXT PRIMARY KEY,
    body         TEXT NOT NULL
) STRICT;

CREATE TABLE sensing_policies (
    category     TEXT PRIMARY KEY,
    body         TEXT NOT NULL
) STRICT;

CREATE TABLE sensing_zones (
    id           TEXT PRIMARY KEY,
    body         TEXT NOT NULL
) STRICT;

CREATE TABLE sensing_lots (
    id           TEXT PRIMARY KEY,
    body         TEXT NOT NULL
) STRICT;

CREATE TABLE sensing_points (
    id           TEXT PRIMARY KEY,
    body         TEXT NOT NULL
) STRICT;

CREATE TABLE sensing_readings (
    device_id    TEXT NOT NULL,
    metric       TEXT NOT NULL,
    ts           INTEGER NOT NULL,
    value        REAL NOT NULL,
    PRIMARY KEY (device_id, metric, ts)
) STRICT;

CREATE TABLE sensing_aggregates (
    device_id    TEXT NOT NULL,
    metric       TEXT NOT NULL,
    res          TEXT NOT NULL,
    bucket       INTEGER NOT NULL,
    n            INTEGER NOT NULL,
    total        REAL NOT NULL,
    min_value    REAL NOT NULL,
    max_value    REAL NOT NULL,
    PRIMARY KEY (device_id, metric, res, bucket)
) STRICT;

CREATE TABLE sensing_rule_states (
    device_id    TEXT NOT NULL,
    rule_id      TEXT NOT NULL,
    phase        TEXT NOT NULL,
    since        INTEGER NOT NULL,
    last_ts      INTEGER NOT NULL,
    peak         REAL NOT NULL,
    case_id      TEXT NOT NULL DEFAULT '',
    resolve      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (device_id, rule_id)
) STRICT;

CREATE TABLE sensing_tracks (
    id           TEXT PRIMARY KEY,
    camera_id    TEXT NOT NULL,
    vendor       TEXT NOT NULL,
    category     TEXT NOT NULL,
    cell         TEXT NOT NULL,
    phase        TEXT NOT NULL,
    first_at     INTEGER NOT NULL,
    last_at      INTEGER NOT NULL,
    sightings    INTEGER NOT NULL,
    confidence   REAL NOT NULL,
    snapshot     TEXT NOT NULL DEFAULT '',
    reminded_at  INTEGER,
    case_id      TEXT NOT NULL DEFAULT '',
    auto_filed   INTEGER NOT NULL DEFAULT 0,
    outcome      TEXT NOT NULL DEFAULT '',
    community    TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE sensing_reminders (
    id           TEXT PRIMARY KEY,
    track_id     TEXT NOT NULL,
    camera_id    TEXT NOT NULL,
    category     TEXT NOT NULL,
    channel      TEXT NOT NULL,
    text         TEXT NOT NULL,
    at           INTEGER NOT NULL
) STRICT;

CREATE TABLE sensing_collections (
    point_id     TEXT NOT NULL,
    at           INTEGER NOT NULL,
    by_actor     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (point_id, at)
) STRICT;

CREATE TABLE sensing_incidents (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    ref          TEXT NOT NULL,
    point_id     TEXT NOT NULL DEFAULT '',
    community    TEXT NOT NULL DEFAULT '',
    at           INTEGER NOT NULL,
    case_id      TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE sensing_meta (
    name         TEXT PRIMARY KEY,
    value        INTEGER NOT NULL
) STRICT;

CREATE INDEX sensing_readings_ts ON sensing_readings (ts);
CREATE INDEX sensing_aggregates_res_bucket ON sensing_aggregates (res, bucket);
CREATE INDEX sensing_tracks_last_at ON sensing_tracks (last_at);
CREATE INDEX sensing_tracks_undecided ON sensing_tracks (outcome, case_id);
CREATE INDEX sensing_incidents_at ON sensing_incidents (at);

-- +goose Down
DROP TABLE sensing_meta;
DROP TABLE sensing_incidents;
DROP TABLE sensing_collections;
DROP TABLE sensing_reminders;
DROP TABLE sensing_tracks;
DROP TABLE sensing_rule_states;
DROP TABLE sensing_aggregates;
DROP TABLE sensing_readings;
DROP TABLE sensing_points;
DROP TABLE sensing_lots;
DROP TABLE sensing_zones;
DROP TABLE sensing_policies;
DROP TABLE sensing_rules;
DROP TABLE sensing_cameras;
DROP TABLE sensing_devices;
