-- Interoperability tables (Open311, the 12345 hotline, the data-sharing
-- hub), PostgreSQL dialect. Keep names identical to ../sqlite (a test compares
-- them). Times are BIGINT Unix microseconds UTC; JSON is TEXT (kept as text so both dialects read it alike). Versions live
-- in hub_goose_db_version, apart from sqlstore's.

-- +goose Up
-- hub_events is the hub's outbox: case timeline events copied from
-- case_events by the feeder (and records that partners publish), each with a
-- gap-free position that subscriptions and pull cursors count in.
CREATE TABLE hub_events (
    pos          BIGINT PRIMARY KEY,
    event_id     TEXT NOT NULL UNIQUE, -- idempotency key
    dataset      TEXT NOT NULL,
    kind         TEXT NOT NULL,        -- case.<action> | record.upsert
    case_id      TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL DEFAULT '',
    department   TEXT NOT NULL DEFAULT '',
    external_ref TEXT NOT NULL DEFAULT '',
    check_result BIGINT NOT NULL DEFAULT 0, -- an on-site verify/check result
    changed_at   BIGINT NOT NULL,     -- when the change was stored
    fed_at       BIGINT NOT NULL,
    payload      TEXT NOT NULL         -- JSON, as delivered
);
CREATE INDEX hub_events_changed ON hub_events (changed_at);
CREATE INDEX hub_events_case ON hub_events (case_id, pos);

CREATE TABLE hub_state (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE hub_datasets (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    owner       TEXT NOT NULL, -- department code
    description TEXT NOT NULL DEFAULT '',
    schema      TEXT NOT NULL DEFAULT '{}', -- JSON Schema of one record
    frequency   TEXT NOT NULL,  -- realtime | hourly | daily | weekly | monthly
    builtin     BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE hub_records (
    dataset      TEXT NOT NULL REFERENCES hub_datasets (code),
    key          TEXT NOT NULL,
    body         TEXT NOT NULL, -- JSON
    publisher    TEXT NOT NULL DEFAULT '',
    published_at BIGINT NOT NULL,
    PRIMARY KEY (dataset, key)
);

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
    max_batch  BIGINT NOT NULL DEFAULT 100,
    active     BIGINT NOT NULL DEFAULT 1,
    cursor     BIGINT NOT NULL DEFAULT 0, -- last hub_events.pos delivered
    created_by TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE hub_deliveries (
    id              TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL,
    department      TEXT NOT NULL,
    first_pos       BIGINT NOT NULL,
    last_pos        BIGINT NOT NULL,
    events          BIGINT NOT NULL,
    attempts        BIGINT NOT NULL,
    http_status     BIGINT NOT NULL DEFAULT 0,
    delay_p50_us    BIGINT NOT NULL DEFAULT 0,
    delay_max_us    BIGINT NOT NULL DEFAULT 0,
    checks          BIGINT NOT NULL DEFAULT 0, -- check results delivered to another department
    delivered_at    BIGINT NOT NULL
);
CREATE INDEX hub_deliveries_department ON hub_deliveries (department, delivered_at);

CREATE TABLE hub_dead_letters (
    id              TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL,
    first_pos       BIGINT NOT NULL,
    last_pos        BIGINT NOT NULL,
    events          BIGINT NOT NULL,
    attempts        BIGINT NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    replayed_at     BIGINT
);
CREATE INDEX hub_dead_letters_open ON hub_dead_letters (subscription_id, created_at);

CREATE TABLE open311_keys (
    hash       BYTEA PRIMARY KEY, -- SHA-256 of the api_key
    account_id TEXT NOT NULL,
    label      TEXT NOT NULL DEFAULT '',
    source     TEXT NOT NULL DEFAULT 'citizen',
    created_by TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE open311_requests (
    case_id      TEXT PRIMARY KEY,
    token        TEXT NOT NULL UNIQUE,
    service_code TEXT NOT NULL,
    media_url    TEXT NOT NULL DEFAULT '',
    attributes   TEXT NOT NULL DEFAULT '{}', -- JSON code → []string
    account_id   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);

CREATE TABLE hotline_orders (
    order_no      TEXT PRIMARY KEY,
    case_id       TEXT NOT NULL,
    received_at   BIGINT NOT NULL,
    contact_due   BIGINT NOT NULL,
    contacted_at  BIGINT,
    reply_due     BIGINT NOT NULL,
    replied_at    BIGINT,
    reply         TEXT NOT NULL DEFAULT '',
    callback_at   BIGINT,
    satisfaction  TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL, -- received | replied | closed
    closed_at     BIGINT,
    raw           TEXT NOT NULL DEFAULT '{}',
    updated_at    BIGINT NOT NULL
);
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
