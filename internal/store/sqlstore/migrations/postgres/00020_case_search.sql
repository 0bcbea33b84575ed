-- +goose Up
-- The search box finds cases by part of their address (GET /api/v1/cases?q=).
-- A LIKE '%…%' reads every address; a trigram GIN index (pg_trgm, a
-- trusted extension the database owner may create) answers it from the
-- index instead.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX cases_address_trgm ON cases USING gin (address gin_trgm_ops);

-- +goose Down
DROP INDEX cases_address_trgm;
