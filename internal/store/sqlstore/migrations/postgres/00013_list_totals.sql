-- +goose Up
-- The exact total of a list (GET /api/v1/cases, the workbench queues and
-- counters) read from counts kept at write time instead of counting index
-- entries: at a million cases COUNT(*) of one status, district or source
-- walks hundreds of thousands of entries (100-500 ms), whatever the page.
-- case_tally holds, per dimension value, status and overdue flag, how many
-- cases there are: dim '' (every case), district, street, department,
-- category, source, and day (the UTC day of the report, as an 8-digit
-- number of days since 1970, so that a range of days is a range of text).
-- Triggers keep it exact on every insert, update and delete, whichever code
-- path writes; FindCases sums its rows when the filter is one of those
-- shapes (see case_count.go) and counts rows otherwise.
CREATE TABLE case_tally (
    dim     TEXT COLLATE "C" NOT NULL,
    val     TEXT COLLATE "C" NOT NULL,
    status  TEXT COLLATE "C" NOT NULL,
    overdue BOOLEAN NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (dim, val, status, overdue)
);

INSERT INTO case_tally (dim, val, status, overdue, n)
SELECT '', '', status, overdue, COUNT(*) FROM cases GROUP BY status, overdue
UNION ALL SELECT 'district', district, status, overdue, COUNT(*) FROM cases GROUP BY district, status, overdue
UNION ALL SELECT 'street', street, status, overdue, COUNT(*) FROM cases GROUP BY street, status, overdue
UNION ALL SELECT 'department', department, status, overdue, COUNT(*) FROM cases GROUP BY department, status, overdue
UNION ALL SELECT 'category', category, status, overdue, COUNT(*) FROM cases GROUP BY category, status, overdue
UNION ALL SELECT 'source', source, status, overdue, COUNT(*) FROM cases GROUP BY source, status, overdue
UNION ALL SELECT 'day', lpad((reported_at / 86400000000)::text, 8, '0'), status, overdue, COUNT(*) FROM cases GROUP BY 2, status, overdue;

-- +goose StatementBegin
CREATE FUNCTION cases_tally() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER cases_tally AFTER INSERT OR UPDATE OR DELETE ON cases FOR EACH ROW EXECUTE FUNCTION cases_tally();

-- Light filters and queues sorted by the stage deadline read only the cases
-- with a running stage clock (the open ones, a few per cent of a year), from
-- two partial indexes that hold every column those lists filter on: one in
-- deadline order (queues, light counts), one in report order (light lists).
-- Neither touches the table, whatever region, department or status the
-- list adds.
CREATE INDEX cases_open_due ON cases (stage_due_at, id, stage_warn_at, status, district, street, community, grid,
    department, category, source, overdue, reported_at) WHERE stage_due_at IS NOT NULL;
CREATE INDEX cases_open_reported ON cases (reported_at, id, stage_due_at, stage_warn_at, status, district, street,
    community, grid, department, category, source, overdue) WHERE stage_due_at IS NOT NULL;
-- A region's, department's or source's cases newest first, one index range
-- per status (see splitByStatus), with the overdue flag in the index so
-- that "overdue in this district" filters entries without reading rows
-- (cases_department_status had no time at all: a page sorted every case of
-- the department).
DROP INDEX cases_district_status;
CREATE INDEX cases_district_status ON cases (district, status, reported_at, id, overdue);
DROP INDEX cases_street_status;
CREATE INDEX cases_street_status ON cases (street, status, reported_at DESC, id DESC, overdue);
DROP INDEX cases_community_status;
CREATE INDEX cases_community_status ON cases (community, status, reported_at, id, overdue);
DROP INDEX cases_department_status;
CREATE INDEX cases_department_status ON cases (department, status, reported_at, id, overdue);
CREATE INDEX cases_source_status ON cases (source, status, reported_at, id, overdue);

-- +goose Down
DROP INDEX cases_source_status;
DROP INDEX cases_department_status;
CREATE INDEX cases_department_status ON cases (department, status);
DROP INDEX cases_community_status;
CREATE INDEX cases_community_status ON cases (community, status, reported_at, id);
DROP INDEX cases_street_status;
CREATE INDEX cases_street_status ON cases (street, status, reported_at DESC, id DESC);
DROP INDEX cases_district_status;
CREATE INDEX cases_district_status ON cases (district, status, reported_at, id);
DROP INDEX cases_open_reported;
DROP INDEX cases_open_due;
DROP TRIGGER cases_tally ON cases;
DROP FUNCTION cases_tally();
DROP TABLE case_tally;
