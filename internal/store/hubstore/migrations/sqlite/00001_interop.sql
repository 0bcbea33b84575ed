-- Interoperability tables (Open311, the 12345 hotline, the data-sharing
-- hub), SQLite dialect. Keep names identical to ../postgres (a test compares
-- them). Times are INTEGER Unix microseconds UTC; JSON is TEXT. Versions live
-- in hub_goose_db_version, apart from sqlstore's.

-- +goose Up
-- hub_events is the hub's outbox: case timeline events copied from
-- case_events by the feeder (and records that partners publish), each with a
-- gap-free position that subscriptions and pull cursors count in.
CREATE TABLE hub_events (
    pos          INTEGER PRIMARY KEY,
    event_id     TEXT NOT NULL UNIQUE, -- idempotency key
    dataset      TEXT NOT NULL,
    kind         TEXT NOT NULL,        -- case.<action> | record.upsert
    case_id      TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL DEFAULT '',
    department   TEXT NOT NULL DEFAULT '',
    external_ref TEXT NOT NULL DEFAULT '',
    check_result INTEGER NOT NULL DEFAULT 0, -- an on-site verify/check result
    changed_at   INTEGER NOT NULL,     -- when the change was stored
    fed_at       INTEGER NOT NULL,
    payload      TEXT NOT NULL         -- JSON, as delivered
) STRICT;
CREATE INDEX hub_events_changed ON hub_events (changed_at);
CREATE INDEX hub_events_case ON hub_events (case_id, pos);

CREATE TABLE hub_state (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE hub_datasets (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    owner       TEXT NOT NULL, -- department code
    description TEXT NOT NULL DEFAULT '',
    schema      TEXT NOT NULL DEFAULT '{}', -- JSON Schema of one record
    frequency   TEXT NOT NULL,  -- realtime | hourly | daily | weekly | monthly
    builtin     INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE hub_records (
    dataset      TEXT NOT NULL REFERENCES hub_datasets (code),
    key          TEXT NOT NULL,
    body         TEXT NOT NULL, -- JSON
    publisher    TEXT NOT NULL DEFAULT '',
    published_at INTEGER NOT NULL,
    PRIMARY KEY (dataset, key)
) STRICT;

CREATE TABLE hub_subscriptions (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    department TEXT NOT NULL,
    kind       TEXT NOT NULL DEFAULT 'webhook', -- webhook | hotline
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    datasets   TEXT NOT NULL DEFAULT '[]', -- JSON []string; empty = all
    sources    TEXT NOT NULL DEFAULT '[]',
    actions    TEXT NOT NULL DEFAULT '[]',
    max_batch  INTEGER NOT NULL DEFAULT 100,
    active     INTEGER NOT NULL DEFAULT 1,
    cursor     INTEGER NOT NULL DEFAULT 0, -- last hub_events.pos delivered
    created_by TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE hub_deliveries (
    id              TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL,
    department      TEXT NOT NULL,
    first_pos       INTEGER NOT NULL,
    last_pos        INTEGER NOT NULL,
    events          INTEGER NOT NULL,
    attempts        INTEGER NOT NULL,
    http_status     INTEGER NOT NULL DEFAULT 0,
    delay_p50_us    INTEGER NOT NULL DEFAULT 0,
    delay_max_us    INTEGER NOT NULL DEFAULT 0,
    checks          INTEGER NOT NULL DEFAULT 0, -- check results delivered to another department
    delivered_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX hub_deliveries_department ON hub_deliveries (department, delivered_at);

CREATE TABLE hub_dead_letters (
    id              TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL,
    first_pos       INTEGER NOT NULL,
    last_pos        INTEGER NOT NULL,
    events          INTEGER NOT NULL,
    attempts        INTEGER NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    replayed_at     INTEGER
) STRICT;
CREATE INDEX hub_dead_letters_open ON hub_dead_letters (subscription_id, created_at);

CREATE TABLE open311_keys (
    hash       BLOB PRIMARY KEY, -- SHA-256 of the api_key
    account_id TEXT NOT NULL,
    label      TEXT NOT NULL DEFAULT '',
    source     TEXT NOT NULL DEFAULT 'citizen',
    created_by TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;

CREATE TABLE open311_requests (
    case_id      TEXT PRIMARY KEY,
    token        TEXT NOT NULL UNIQUE,
    service_code TEXT NOT NULL,
    media_url    TEXT NOT NULL DEFAULT '',
    attributes   TEXT NOT NULL DEFAULT '{}', -- JSON code → []string
    account_id   TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE hotline_orders (
    order_no      TEXT PRIMARY KEY,
    case_id       TEXT NOT NULL,
    received_at   INTEGER NOT NULL,
    contact_due   INTEGER NOT NULL,
    contacted_at  INTEGER,
    reply_due     INTEGER NOT NULL,
    replied_at    INTEGER,
    reply         TEXT NOT NULL DEFAULT '',
    callback_at   INTEGER,
    satisfaction  TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL, -- received | replied | closed
    closed_at     INTEGER,
    raw           TEXT NOT NULL DEFAULT '{}',
    updated_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX hotline_orders_case ON hotline_orders (case_id);

-- +goose Down
DROP TABLE hotline_orders;
DROP TABLE open311_requests;
DROP TABLE open311_keys;
DROP TABLE hub_dead_letters;
DROP TABLE hub_deliveries;
DROP TABLE hub_subscriptions;
DROP TABLE hub_records;
DROP TABLE hub_datasets;
DROP TABLE hub_state;
DROP TABLE hub_events;
