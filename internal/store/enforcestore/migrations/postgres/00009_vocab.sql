-- Every term of the search index, so that a prefix in a query (a single
-- Chinese character, the start of a number) becomes the few whole terms it
-- stands for: GIN would otherwise gather the postings of every lexeme of
-- the prefix into one bitmap (号, in every decision number, is a million)
-- before intersecting. Terms stay when their decisions are withdrawn (a
-- term without postings matches nothing). Keep names identical to
-- ../sqlite.

-- +goose Up
CREATE TABLE enforce_disclosure_vocab (
    term TEXT COLLATE "C" PRIMARY KEY -- byte order, so a prefix is a range
);
INSERT INTO enforce_disclosure_vocab (term) SELECT word FROM ts_stat('SELECT doc FROM enforce_disclosure_keys');

-- +goose Down
DROP TABLE enforce_disclosure_vocab;
