-- Assessment bulletins (package bulletin), sqlite dialect. Keep names
-- identical to the other dialect. Times are INTEGER Unix microseconds UTC.
-- The renderings are kept in the row: a bulletin is a few hundred KB and
-- must stay with its record (a backup of the database is a backup of the
-- archive).

-- +goose Up
CREATE TABLE bulletins (
    id           TEXT PRIMARY KEY,     -- UUIDv7
    kind         TEXT NOT NULL,        -- month, quarter, year
    scope        TEXT NOT NULL,        -- region code (the city's for the city bulletin)
    scope_level  INTEGER NOT NULL,
    scope_name   TEXT NOT NULL,
    period_from  INTEGER NOT NULL,
    period_to    INTEGER NOT NULL,
    title        TEXT NOT NULL,
    scheme       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    html         BLOB NOT NULL,
    pdf          BLOB NOT NULL,
    xlsx         BLOB NOT NULL
) STRICT;
-- One bulletin per kind, scope and period: producing it again replaces it.
CREATE UNIQUE INDEX bulletins_period ON bulletins (kind, scope, period_from);
CREATE INDEX bulletins_newest ON bulletins (period_from DESC, scope);

-- +goose Down
DROP TABLE bulletins;
