-- The notification outbox (package outbox, see store.go), SQLite dialect.
-- Keep names identical to ../postgres (a test compares them). Times are
-- INTEGER Unix microseconds UTC. Versions live in outbox_goose_db_version,
-- apart from the other stores'.

-- +goose Up
-- One row per message. recipient, subject and body are sealed with the
-- PII keyring (AAD outbox/<id>/<column>): a phone number, an address and a
-- one-time code are personal data.
CREATE TABLE outbox_messages (
    id              TEXT PRIMARY KEY,
    channel         TEXT NOT NULL,            -- email, sms
    recipient       TEXT NOT NULL,            -- sealed
    subject         TEXT NOT NULL DEFAULT '', -- sealed
    body            TEXT NOT NULL,            -- sealed
    template        TEXT NOT NULL,
    related         TEXT NOT NULL DEFAULT '', -- the object it is about, e.g. enforcement/case/…
    idempotency_key TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL,            -- queued, sending, sent, delivered, failed, dead
    attempts        INTEGER NOT NULL DEFAULT 0, -- counted at claim time
    max_attempts    INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    provider_id     TEXT NOT NULL DEFAULT '', -- the provider's id, which receipts name
    holder          TEXT,                     -- the node sending it; NULL when not sending
    lease_until     INTEGER,
    lease_seq       INTEGER NOT NULL DEFAULT 0, -- fencing token: grows with every claim
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    delivered_at    INTEGER
) STRICT;
CREATE INDEX outbox_messages_due ON outbox_messages (status, next_attempt_at);
CREATE INDEX outbox_messages_provider ON outbox_messages (channel, provider_id);
CREATE INDEX outbox_messages_related ON outbox_messages (related);

-- One row per attempt, kept with its message.
CREATE TABLE outbox_attempts (
    id          INTEGER PRIMARY KEY,
    message_id  TEXT NOT NULL REFERENCES outbox_messages (id) ON DELETE CASCADE,
    n           INTEGER NOT NULL,
    node        TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    ok          INTEGER NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    provider_id TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX outbox_attempts_message ON outbox_attempts (message_id, id);

-- One row per delivery receipt that changed its message.
CREATE TABLE outbox_receipts (
    id          INTEGER PRIMARY KEY,
    message_id  TEXT NOT NULL REFERENCES outbox_messages (id) ON DELETE CASCADE,
    channel     TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    delivered   INTEGER NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    at          INTEGER NOT NULL,
    received_at INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_receipts_message ON outbox_receipts (message_id, id);

-- +goose Down
DROP TABLE outbox_receipts;
DROP TABLE outbox_attempts;
DROP TABLE outbox_messages;
