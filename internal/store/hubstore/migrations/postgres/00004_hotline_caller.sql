-- The caller of a 12345 work order, PostgreSQL dialect. Keep names identical
-- to ../sqlite (a test compares them).

-- +goose Up
-- caller holds the caller's name, phone and address as JSON, sealed with
-- the personal-data keyring (AAD hotline/order/<order_no>/caller), so raw
-- keeps the work order without them. The retention purge empties it with
-- the case's reporter (see hotline.go). Orders stored before this column
-- are split and sealed at start (SealPlainSecrets).
ALTER TABLE hotline_orders ADD COLUMN caller TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE hotline_orders DROP COLUMN caller;
