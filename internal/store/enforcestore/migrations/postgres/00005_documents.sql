-- Numbered enforcement documents (package enforce/document), PostgreSQL
-- dialect. Keep names identical to ../sqlite (a test compares them).

-- +goose Up
-- One sequence per document prefix (the bureau's abbreviation and the
-- document's word, 示范城管罚决字) and year, taken in the transaction that
-- records the document, so two documents never share a number.
CREATE TABLE enforce_doc_counters (
    prefix TEXT NOT NULL,
    year   BIGINT NOT NULL,
    last   BIGINT NOT NULL,
    PRIMARY KEY (prefix, year)
);

-- The number each document of a case was given when first rendered: the
-- same document always shows the same number.
CREATE TABLE enforce_documents (
    case_id   TEXT NOT NULL REFERENCES enforce_cases (id),
    code      TEXT NOT NULL,
    number    TEXT NOT NULL,
    prefix    TEXT NOT NULL, -- '' for a number typed by an officer (no counter)
    year      BIGINT NOT NULL,
    seq       BIGINT NOT NULL,
    issued_at BIGINT NOT NULL,
    PRIMARY KEY (case_id, code)
);

-- +goose Down
DROP TABLE enforce_documents;
DROP TABLE enforce_doc_counters;
