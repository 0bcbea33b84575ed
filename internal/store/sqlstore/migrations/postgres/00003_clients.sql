-- +goose Up
-- Machine clients (partner systems): a scoped API key each; only the key's
-- SHA-256 is kept.
CREATE TABLE api_clients (
    id           TEXT    PRIMARY KEY,
    name         TEXT    NOT NULL,
    key_hash     BYTEA   NOT NULL UNIQUE,
    endpoints    TEXT    NOT NULL,
    categories   TEXT    NOT NULL,
    regions      TEXT    NOT NULL,
    rate_per_min INTEGER NOT NULL,
    created_at   BIGINT  NOT NULL,
    rotated_at   BIGINT,
    revoked_at   BIGINT
);

-- +goose Down
DROP TABLE api_clients;
