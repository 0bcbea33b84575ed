-- The detail right of an Open311 api key, PostgreSQL dialect. Keep names
-- identical to the other dialect (a test compares them).

-- +goose Up
-- A key with detail = 1 reads full descriptions, addresses and staff notes
-- in the Open311 feed; every other reader gets the public view (see
-- internal/disclose). An administrator grants it explicitly at issuance.
ALTER TABLE open311_keys ADD COLUMN detail BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE open311_keys DROP COLUMN detail;
