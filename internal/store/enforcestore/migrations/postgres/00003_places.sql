-- The registry of places AI cameras watch and the reminders sent to their
-- parties (柔性执法, 行政处罚法第四十一条). Keep names identical in both dialects.

-- +goose Up
-- place_key is a blind index of kind and ref; ref, name, phone and email
-- are sealed with the pii keyring (bound to place_key and field).
CREATE TABLE enforce_places (
    place_key  TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    ref        TEXT NOT NULL,
    name       TEXT NOT NULL,
    phone      TEXT NOT NULL,
    email      TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One row per reminder sent through the outbox (no personal data: the
-- message holds the sealed recipient).
CREATE TABLE enforce_reminders (
    id         TEXT PRIMARY KEY,
    idem_key   TEXT NOT NULL UNIQUE,
    place_key  TEXT NOT NULL,
    place_kind TEXT NOT NULL,
    camera     TEXT NOT NULL,
    category   TEXT NOT NULL,
    track      TEXT NOT NULL,
    channel    TEXT NOT NULL,
    message_id TEXT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX enforce_reminders_place ON enforce_reminders (place_key, at);

-- +goose Down
DROP TABLE enforce_reminders;
DROP TABLE enforce_places;
