-- The search index of published decisions moves into SQLite's own
-- full-text index (see search.go): an FTS5 table of each decision's terms,
-- keyed by its order key k (decided_at in µs × 1024 + a slot), and the key
-- of each case. The term table it replaces is dropped; the start-up pass
-- (indexMissing) writes the published decisions into the new index, so
-- they are marked unindexed here. Keep names identical to ../postgres
-- (which keeps the terms in a tsvector column of the keys table instead).

-- +goose Up
CREATE TABLE enforce_disclosure_keys (
    k       INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL UNIQUE
) STRICT;
-- Terms are written space-separated and are letters, digits and ':' only
-- (terms.go); the ascii tokenizer keeps every non-ASCII character in a
-- token and splits at nothing else but spaces.
CREATE VIRTUAL TABLE enforce_disclosure_fts USING fts5(terms, content = '', contentless_delete = 1,
    tokenize = "ascii tokenchars ':'", detail = none);
UPDATE enforce_disclosures SET indexed = 0 WHERE state = 'published';
DROP TABLE enforce_disclosure_terms;

-- +goose Down
CREATE TABLE enforce_disclosure_terms (
    term       TEXT NOT NULL,
    decided_at INTEGER NOT NULL,
    case_id    TEXT NOT NULL,
    district   TEXT NOT NULL,
    PRIMARY KEY (term, decided_at, case_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX enforce_disclosure_terms_case ON enforce_disclosure_terms (case_id, term);
UPDATE enforce_disclosures SET indexed = 0 WHERE state = 'published';
DROP TABLE enforce_disclosure_fts;
DROP TABLE enforce_disclosure_keys;
