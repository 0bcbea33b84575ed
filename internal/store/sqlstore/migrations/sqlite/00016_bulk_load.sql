-- +goose Up
-- A bulk load (the demo city, an import of a past year) writes thousands of
-- cases per transaction; the tally triggers upsert seven case_tally rows per
-- case row, for a few hundred distinct rows per transaction. A bulk
-- transaction puts a row into case_bulk_load first,
-- which makes the triggers skip, upserts the same counts once itself, and
-- deletes the row before COMMIT (sqlstore bulk_load.go): no other
-- transaction ever sees it.
CREATE TABLE case_bulk_load (
    id INTEGER PRIMARY KEY
) STRICT;

DROP TRIGGER cases_tally_insert;
DROP TRIGGER cases_tally_delete;
DROP TRIGGER cases_tally_update;

-- +goose StatementBegin
CREATE TRIGGER cases_tally_insert AFTER INSERT ON cases
WHEN NOT EXISTS (SELECT 1 FROM case_bulk_load)
BEGIN
    INSERT INTO case_tally (dim, val, status, overdue, n) VALUES
        ('', '', NEW.status, NEW.overdue, 1),
        ('district', NEW.district, NEW.status, NEW.overdue, 1),
        ('street', NEW.street, NEW.status, NEW.overdue, 1),
        ('department', NEW.department, NEW.status, NEW.overdue, 1),
        ('category', NEW.category, NEW.status, NEW.overdue, 1),
        ('source', NEW.source, NEW.status, NEW.overdue, 1),
        ('day', printf('%08d', NEW.reported_at / 86400000000), NEW.status, NEW.overdue, 1)
    ON CONFLICT (dim, val, status, overdue) DO UPDATE SET n = n + excluded.n;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER cases_tally_delete AFTER DELETE ON cases
WHEN NOT EXISTS (SELECT 1 FROM case_bulk_load)
BEGIN
    INSERT INTO case_tally (dim, val, status, overdue, n) VALUES
        ('', '', OLD.status, OLD.overdue, -1),
        ('district', OLD.district, OLD.status, OLD.overdue, -1),
        ('street', OLD.street, OLD.status, OLD.overdue, -1),
        ('department', OLD.department, OLD.status, OLD.overdue, -1),
        ('category', OLD.category, OLD.status, OLD.overdue, -1),
        ('source', OLD.source, OLD.status, OLD.overdue, -1),
        ('day', printf('%08d', OLD.reported_at / 86400000000), OLD.status, OLD.overdue, -1)
    ON CONFLICT (dim, val, status, overdue) DO UPDATE SET n = n + excluded.n;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER cases_tally_update AFTER UPDATE OF status, overdue, district, street, department, category, source, reported_at ON cases
WHEN NOT EXISTS (SELECT 1 FROM case_bulk_load) AND (OLD.status IS NOT NEW.status OR OLD.overdue IS NOT NEW.overdue OR OLD.district IS NOT NEW.district
    OR OLD.street IS NOT NEW.street OR OLD.department IS NOT NEW.department OR OLD.category IS NOT NEW.category
    OR OLD.source IS NOT NEW.source OR OLD.reported_at / 86400000000 IS NOT NEW.reported_at / 86400000000)
BEGIN
    INSERT INTO case_tally (dim, val, status, overdue, n) VALUES
        ('', '', OLD.status, OLD.overdue, -1),
        ('district', OLD.district, OLD.status, OLD.overdue, -1),
        ('street', OLD.street, OLD.status, OLD.overdue, -1),
        ('department', OLD.department, OLD.status, OLD.overdue, -1),
        ('category', OLD.category, OLD.status, OLD.overdue, -1),
        ('source', OLD.source, OLD.status, OLD.overdue, -1),
        ('day', printf('%08d', OLD.reported_at / 86400000000), OLD.status, OLD.overdue, -1)
    ON CONFLICT (dim, val, status, overdue) DO UPDATE SET n = n + excluded.n;
    INSERT INTO case_tally (dim, val, status, overdue, n) VALUES
        ('', '', NEW.status, NEW.overdue, 1),
        ('district', NEW.district, NEW.status, NEW.overdue, 1),
        ('street', NEW.street, NEW.status, NEW.overdue, 1),
        ('department', NEW.department, NEW.status, NEW.overdue, 1),
        ('category', NEW.category, NEW.status, NEW.overdue, 1),
        ('source', NEW.source, NEW.status, NEW.overdue, 1),
        ('day', printf('%08d', NEW.reported_at / 86400000000), NEW.status, NEW.overdue, 1)
    ON CONFLICT (dim, val, status, overdue) DO UPDATE SET n = n + excluded.n;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER cases_tally_insert;
DROP TRIGGER cases_tally_delete;
DROP TRIGGER cases_tally_update;

-- +goose StatementBegin
CREATE TRIGGER cases_tally_insert AFTER INSERT ON cases BEGIN
    INSERT INTO case_tally (dim, val, status, overdue, n) VALUES
        ('', '', NEW.status, NEW.overdue, 1),
        ('district', NEW.district, NEW.status, NEW.overdue, 1),
        ('street', NEW.street, NEW.status, NEW.overdue, 1),
        ('department', NEW.department, NEW.status, NEW.overdue, 1),
        ('category', NEW.category, NEW.status, NEW.overdue, 1),
        ('source', NEW.source, NEW.status, NEW.overdue, 1),
        ('day', printf('%08d', NEW.reported_at / 86400000000), NEW.status, NEW.overdue, 1)
    ON CONFLICT (dim, val, status, overdue) DO UPDATE SET n = n + excluded.n;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER cases_tally_delete AFTER DELETE ON cases BEGIN
    INSERT INTO case_tally (dim, val, status, overdue, n) VALUES
        ('', '', OLD.status, OLD.overdue, -1),
        ('district', OLD.district, OLD.status, OLD.overdue, -1),
        ('street', OLD.street, OLD.status, OLD.overdue, -1),
        ('department', OLD.department, OLD.status, OLD.overdue, -1),
        ('category', OLD.category, OLD.status, OLD.overdue, -1),
        ('source', OLD.source, OLD.status, OLD.overdue, -1),
        ('day', printf('%08d', OLD.reported_at / 86400000000), OLD.status, OLD.overdue, -1)
    ON CONFLICT (dim, val, status, overdue) DO UPDATE SET n = n + excluded.n;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER cases_tally_update AFTER UPDATE OF status, overdue, district, street, department, category, source, reported_at ON cases
WHEN OLD.status IS NOT NEW.status OR OLD.overdue IS NOT NEW.overdue OR OLD.district IS NOT NEW.district
    OR OLD.street IS NOT NEW.street OR OLD.department IS NOT NEW.department OR OLD.category IS NOT NEW.category
    OR OLD.source IS NOT NEW.source OR OLD.reported_at / 86400000000 IS NOT NEW.reported_at / 86400000000
BEGIN
    INSERT INTO case_tally (dim, val, status, overdue, n) VALUES
        ('', '', OLD.status, OLD.overdue, -1),
        ('district', OLD.district, OLD.status, OLD.overdue, -1),
        ('street', OLD.street, OLD.status, OLD.overdue, -1),
        ('department', OLD.department, OLD.status, OLD.overdue, -1),
        ('category', OLD.category, OLD.status, OLD.overdue, -1),
        ('source', OLD.source, OLD.status, OLD.overdue, -1),
        ('day', printf('%08d', OLD.reported_at / 86400000000), OLD.status, OLD.overdue, -1)
    ON CONFLICT (dim, val, status, overdue) DO UPDATE SET n = n + excluded.n;
    INSERT INTO case_tally (dim, val, status, overdue, n) VALUES
        ('', '', NEW.status, NEW.overdue, 1),
        ('district', NEW.district, NEW.status, NEW.overdue, 1),
        ('street', NEW.street, NEW.status, NEW.overdue, 1),
        ('department', NEW.department, NEW.status, NEW.overdue, 1),
        ('category', NEW.category, NEW.status, NEW.overdue, 1),
        ('source', NEW.source, NEW.status, NEW.overdue, 1),
        ('day', printf('%08d', NEW.reported_at / 86400000000), NEW.status, NEW.overdue, 1)
    ON CONFLICT (dim, val, status, overdue) DO UPDATE SET n = n + excluded.n;
END;
-- +goose StatementEnd

DROP TABLE case_bulk_load;
