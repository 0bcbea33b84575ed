-- +goose Up
-- The search box finds cases by part of their address (GET /api/v1/cases?q=).
-- A LIKE '%…%' reads every address, 1 M of them in a big city's year; an
-- FTS5 index with the trigram tokenizer answers a substring of three or
-- more characters (Chinese ones included) from the index. It holds only
-- the index: the text stays in cases (external content), joined by rowid,
-- which nothing rewrites (the store never runs VACUUM, and cases keeps
-- its implicit rowid). Triggers keep it exact on every write path.
CREATE VIRTUAL TABLE case_address_fts USING fts5(address, content = 'cases', content_rowid = 'rowid', tokenize = 'trigram');
INSERT INTO case_address_fts (case_address_fts) VALUES ('rebuild');

-- +goose StatementBegin
CREATE TRIGGER cases_address_fts_insert AFTER INSERT ON cases BEGIN
    INSERT INTO case_address_fts (rowid, address) VALUES (new.rowid, new.address);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER cases_address_fts_delete AFTER DELETE ON cases BEGIN
    INSERT INTO case_address_fts (case_address_fts, rowid, address) VALUES ('delete', old.rowid, old.address);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER cases_address_fts_update AFTER UPDATE OF address ON cases BEGIN
    INSERT INTO case_address_fts (case_address_fts, rowid, address) VALUES ('delete', old.rowid, old.address);
    INSERT INTO case_address_fts (rowid, address) VALUES (new.rowid, new.address);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER cases_address_fts_update;
DROP TRIGGER cases_address_fts_delete;
DROP TRIGGER cases_address_fts_insert;
DROP TABLE case_address_fts;
