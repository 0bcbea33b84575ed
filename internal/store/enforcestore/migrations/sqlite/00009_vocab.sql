-- Every term of the search index, so that a prefix in a query (a single
-- Chinese character, the start of a number) becomes the few whole terms it
-- stands for: FTS5 would otherwise merge the postings of a prefix in full
-- before intersecting them (号, in every decision number, is a million),
-- where whole terms are intersected by skipping. Terms stay when their
-- decisions are withdrawn (a term without postings matches nothing).
-- Keep names identical to ../postgres.

-- +goose Up
CREATE TABLE enforce_disclosure_vocab (
    term TEXT PRIMARY KEY
) STRICT, WITHOUT ROWID;
CREATE VIRTUAL TABLE temp.enforce_disclosure_fts_terms USING fts5vocab(main, enforce_disclosure_fts, row);
INSERT INTO enforce_disclosure_vocab (term) SELECT term FROM temp.enforce_disclosure_fts_terms;
DROP TABLE temp.enforce_disclosure_fts_terms;

-- +goose Down
DROP TABLE enforce_disclosure_vocab;
