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
);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION cases_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM case_bulk_load) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO case_tally AS t (dim, val, status, overdue, n)
        SELECT * FROM (VALUES
        ('', '', NEW.status, NEW.overdue, 1),
        ('district', NEW.district, NEW.status, NEW.overdue, 1),
        ('street', NEW.street, NEW.status, NEW.overdue, 1),
        ('department', NEW.department, NEW.status, NEW.overdue, 1),
        ('category', NEW.category, NEW.status, NEW.overdue, 1),
        ('source', NEW.source, NEW.status, NEW.overdue, 1),
        ('day', lpad((NEW.reported_at / 86400000000)::text, 8, '0'), NEW.status, NEW.overdue, 1)
        ) AS d (dim, val, status, overdue, n) ORDER BY 1, 2, 3, 4
        ON CONFLICT (dim, val, status, overdue) DO UPDATE SET n = t.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO case_tally AS t (dim, val, status, overdue, n)
        SELECT * FROM (VALUES
        ('', '', OLD.status, OLD.overdue, -1),
        ('district', OLD.district, OLD.status, OLD.overdue, -1),
        ('street', OLD.street, OLD.status, OLD.overdue, -1),
        ('department', OLD.department, OLD.status, OLD.overdue, -1),
        ('category', OLD.category, OLD.status, OLD.overdue, -1),
        ('source', OLD.source, OLD.status, OLD.overdue, -1),
        ('day', lpad((OLD.reported_at / 86400000000)::text, 8, '0'), OLD.status, OLD.overdue, -1)
        ) AS d (dim, val, status, overdue, n) ORDER BY 1, 2, 3, 4
        ON CONFLICT (dim, val, status, overdue) DO UPDATE SET n = t.n + EXCLUDED.n;
    ELSIF (OLD.status, OLD.overdue, OLD.district, OLD.street, OLD.department, OLD.category, OLD.source, OLD.reported_at / 86400000000)
        IS DISTINCT FROM (NEW.status, NEW.overdue, NEW.district, NEW.street, NEW.department, NEW.category, NEW.source, NEW.reported_at / 86400000000) THEN
        INSERT INTO case_tally AS t (dim, val, status, overdue, n)
        SELECT dim, val, status, overdue, SUM(n) FROM (VALUES
        ('', '', OLD.status, OLD.overdue, -1),
        ('district', OLD.district, OLD.status, OLD.overdue, -1),
        ('street', OLD.street, OLD.status, OLD.overdue, -1),
        ('department', OLD.department, OLD.status, OLD.overdue, -1),
        ('category', OLD.category, OLD.status, OLD.overdue, -1),
        ('source', OLD.source, OLD.status, OLD.overdue, -1),
        ('day', lpad((OLD.reported_at / 86400000000)::text, 8, '0'), OLD.status, OLD.overdue, -1),
        ('', '', NEW.status, NEW.overdue, 1),
        ('district', NEW.district, NEW.status, NEW.overdue, 1),
        ('street', NEW.street, NEW.status, NEW.overdue, 1),
        ('department', NEW.department, NEW.status, NEW.overdue, 1),
        ('category', NEW.category, NEW.status, NEW.overdue, 1),
        ('source', NEW.source, NEW.status, NEW.overdue, 1),
        ('day', lpad((NEW.reported_at / 86400000000)::text, 8, '0'), NEW.status, NEW.overdue, 1)
        ) AS d (dim, val, status, overdue, n) GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (dim, val, status, overdue) DO UPDATE SET n = t.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION cases_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO case_tally AS t (dim, val, status, overdue, n)
        SELECT * FROM (VALUES
        ('', '', NEW.status, NEW.overdue, 1),
        ('district', NEW.district, NEW.status, NEW.overdue, 1),
        ('street', NEW.street, NEW.status, NEW.overdue, 1),
        ('department', NEW.department, NEW.status, NEW.overdue, 1),
        ('category', NEW.category, NEW.status, NEW.overdue, 1),
        ('source', NEW.source, NEW.status, NEW.overdue, 1),
        ('day', lpad((NEW.reported_at / 86400000000)::text, 8, '0'), NEW.status, NEW.overdue, 1)
        ) AS d (dim, val, status, overdue, n) ORDER BY 1, 2, 3, 4
        ON CONFLICT (dim, val, status, overdue) DO UPDATE SET n = t.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO case_tally AS t (dim, val, status, overdue, n)
        SELECT * FROM (VALUES
        ('', '', OLD.status, OLD.overdue, -1),
        ('district', OLD.district, OLD.status, OLD.overdue, -1),
        ('street', OLD.street, OLD.status, OLD.overdue, -1),
        ('department', OLD.department, OLD.status, OLD.overdue, -1),
        ('category', OLD.category, OLD.status, OLD.overdue, -1),
        ('source', OLD.source, OLD.status, OLD.overdue, -1),
        ('day', lpad((OLD.reported_at / 86400000000)::text, 8, '0'), OLD.status, OLD.overdue, -1)
        ) AS d (dim, val, status, overdue, n) ORDER BY 1, 2, 3, 4
        ON CONFLICT (dim, val, status, overdue) DO UPDATE SET n = t.n + EXCLUDED.n;
    ELSIF (OLD.status, OLD.overdue, OLD.district, OLD.street, OLD.department, OLD.category, OLD.source, OLD.reported_at / 86400000000)
        IS DISTINCT FROM (NEW.status, NEW.overdue, NEW.district, NEW.street, NEW.department, NEW.category, NEW.source, NEW.reported_at / 86400000000) THEN
        INSERT INTO case_tally AS t (dim, val, status, overdue, n)
        SELECT dim, val, status, overdue, SUM(n) FROM (VALUES
        ('', '', OLD.status, OLD.overdue, -1),
        ('district', OLD.district, OLD.status, OLD.overdue, -1),
        ('street', OLD.street, OLD.status, OLD.overdue, -1),
        ('department', OLD.department, OLD.status, OLD.overdue, -1),
        ('category', OLD.category, OLD.status, OLD.overdue, -1),
        ('source', OLD.source, OLD.status, OLD.overdue, -1),
        ('day', lpad((OLD.reported_at / 86400000000)::text, 8, '0'), OLD.status, OLD.overdue, -1),
        ('', '', NEW.status, NEW.overdue, 1),
        ('district', NEW.district, NEW.status, NEW.overdue, 1),
        ('street', NEW.street, NEW.status, NEW.overdue, 1),
        ('department', NEW.department, NEW.status, NEW.overdue, 1),
        ('category', NEW.category, NEW.status, NEW.overdue, 1),
        ('source', NEW.source, NEW.status, NEW.overdue, 1),
        ('day', lpad((NEW.reported_at / 86400000000)::text, 8, '0'), NEW.status, NEW.overdue, 1)
        ) AS d (dim, val, status, overdue, n) GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (dim, val, status, overdue) DO UPDATE SET n = t.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

DROP TABLE case_bulk_load;
