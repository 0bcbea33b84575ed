-- +goose Up
-- The search box finds cases by part of their address (GET /api/v1/cases?q=).
-- A LIKE '%…%' reads every address; a trigram GIN index (pg_trgm, a
-- trusted extension the database owner may create) answers it from the
-- index instead.
--
-- The extension is one per database, not per schema: it goes into public
-- (never into the schema being migrated, whose DROP … CASCADE would take
-- the extension and every other schema's index with it), nodes migrating
-- at once take turns under an advisory lock so that one creates it and the
-- others find it, and the operator class is named with the schema the
-- extension lives in, which need not be on the search path.
-- +goose StatementBegin
DO $$
DECLARE
	ext_schema text;
BEGIN
	PERFORM pg_advisory_xact_lock(hashtext('cityloop: create extension pg_trgm'));
	SELECT n.nspname INTO ext_schema
	FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
	WHERE e.extname = 'pg_trgm';
	IF ext_schema IS NULL THEN
		CREATE EXTENSION pg_trgm WITH SCHEMA public;
		ext_schema := 'public';
	END IF;
	EXECUTE format('CREATE INDEX cases_address_trgm ON cases USING gin (address %I.gin_trgm_ops)', ext_schema);
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP INDEX cases_address_trgm;
