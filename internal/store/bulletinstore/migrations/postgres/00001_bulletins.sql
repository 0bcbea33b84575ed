-- Assessment bulletins (package bulletin), postgres dialect. Keep names
-- identical to the other dialect. Times are BIGINT Unix microseconds UTC.
-- The renderings are kept in the row: a bulletin is a few hundred KB and
-- must stay with its record (a backup of the database is a backup of the
-- archive).

-- +goose Up
CREATE TABLE bulletins (
    id           TEXT PRIMARY KEY,     -- UUIDv7
    kind         TEXT NOT NULL,        -- month, quarter, year
    scope        TEXT NOT NULL,        -- region code (the city's for the city bulletin)
    scope_level  BIGINT NOT NULL,
    scope_name   TEXT NOT NULL,
    period_from  BIGINT NOT NULL,
    period_to    BIGINT NOT NULL,
    title        TEXT NOT NULL,
    scheme       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    created_by   TEXT NOT NULL,
    html         BYTEA NOT NULL,
    pdf          BYTEA NOT NULL,
    xlsx         BYTEA NOT NULL
);
-- One bulletin per kind, scope and period: producing it again replaces it.
CREATE UNIQUE INDEX bulletins_period ON bulletins (kind, scope, period_from);
CREATE INDEX bulletins_newest ON bulletins (period_from DESC, scope);

-- +goose Down
DROP TABLE bulletins;
