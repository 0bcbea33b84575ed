-- The search index of published decisions moves into PostgreSQL's own
-- full-text index (see search.go): each decision's terms as a tsvector
-- (lexemes as written, no dictionary) under a GIN index, with its order
-- key k (decided_at in µs × 1024 + a slot). The term table it replaces is
-- dropped; the start-up pass (indexMissing) writes the published decisions
-- into the new index, so they are marked unindexed here. Keep names
-- identical to ../sqlite (which keeps the terms in an FTS5 table instead).

-- +goose Up
CREATE TABLE enforce_disclosure_keys (
    k       BIGINT PRIMARY KEY,
    case_id TEXT NOT NULL UNIQUE,
    doc     TSVECTOR NOT NULL
);
CREATE INDEX enforce_disclosure_keys_doc ON enforce_disclosure_keys USING gin (doc);
UPDATE enforce_disclosures SET indexed = 0 WHERE state = 'published';
DROP TABLE enforce_disclosure_terms;

-- +goose Down
CREATE TABLE enforce_disclosure_terms (
    term       TEXT COLLATE "C" NOT NULL,
    decided_at BIGINT NOT NULL,
    case_id    TEXT NOT NULL,
    district   TEXT NOT NULL,
    PRIMARY KEY (term, decided_at, case_id)
);
CREATE INDEX enforce_disclosure_terms_case ON enforce_disclosure_terms (case_id, term);
UPDATE enforce_disclosures SET indexed = 0 WHERE state = 'published';
DROP TABLE enforce_disclosure_keys;
