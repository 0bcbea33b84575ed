-- +goose Up
-- The audit chain is keyed (HMAC-SHA256, see internal/audit): key_id names
-- the keyring key whose derived audit key signed the row. Rows written
-- before keep '' and their plain SHA-256 hash (v1), which still verifies.
ALTER TABLE audit_log ADD COLUMN key_id TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE audit_log DROP COLUMN key_id;
