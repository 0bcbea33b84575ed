-- 双随机一公开 (package inspect, see inspectstore.go), PostgreSQL dialect.
-- Keep names identical to ../sqlite (a test compares them). Times are
-- BIGINT Unix microseconds UTC. Versions live in inspect_goose_db_version, apart
-- from the other stores'. Columns marked "sealed" hold pii.Keyring
-- ciphertext ("v1:…") when a keyring is set.

-- +goose Up
-- One row per draw plan; status moves draft → committed → drawn, and the
-- store changes a plan only while it is a draft.
CREATE TABLE inspection_plans (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    period          TEXT NOT NULL,
    district        TEXT NOT NULL DEFAULT '',
    draw_count      BIGINT NOT NULL,
    per_object      BIGINT NOT NULL,
    result_days     BIGINT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'committed', 'drawn')),
    version         BIGINT NOT NULL,
    object_count    BIGINT NOT NULL,
    inspector_count BIGINT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX inspection_plans_created ON inspection_plans (created_at DESC, id);

-- The object list of a plan (检查对象名录).
CREATE TABLE inspection_objects (
    plan_id  TEXT NOT NULL REFERENCES inspection_plans (id) ON DELETE CASCADE,
    id       TEXT NOT NULL,
    name     TEXT NOT NULL,
    kind     TEXT NOT NULL,
    district TEXT NOT NULL,
    address  TEXT NOT NULL DEFAULT '',
    contact  TEXT NOT NULL DEFAULT '', -- sealed
    phone    TEXT NOT NULL DEFAULT '', -- sealed
    PRIMARY KEY (plan_id, id)
);

-- The inspector list of a plan (执法检查人员名录).
CREATE TABLE inspection_inspectors (
    plan_id     TEXT NOT NULL REFERENCES inspection_plans (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    certificate TEXT NOT NULL,
    district    TEXT NOT NULL DEFAULT '',
    excluded    TEXT NOT NULL DEFAULT '[]', -- JSON array of districts (回避区域)
    phone       TEXT NOT NULL DEFAULT '',   -- sealed
    PRIMARY KEY (plan_id, id)
);

-- Declared conflicts (回避声明).
CREATE TABLE inspection_conflicts (
    plan_id      TEXT NOT NULL REFERENCES inspection_plans (id) ON DELETE CASCADE,
    inspector_id TEXT NOT NULL,
    object_id    TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '', -- sealed
    PRIMARY KEY (plan_id, inspector_id, object_id)
);

-- The published commitment and the secret seed behind it.
CREATE TABLE inspection_commitments (
    plan_id      TEXT PRIMARY KEY REFERENCES inspection_plans (id) ON DELETE CASCADE,
    plan_hash    TEXT NOT NULL,
    seed_hash    TEXT NOT NULL,
    seed         TEXT NOT NULL, -- hex, sealed: secret until the draw
    committed_at BIGINT NOT NULL,
    committed_by TEXT NOT NULL
);

-- The draw: the revealed seed.
CREATE TABLE inspection_draws (
    plan_id   TEXT PRIMARY KEY REFERENCES inspection_plans (id) ON DELETE CASCADE,
    seed      TEXT NOT NULL, -- hex, public
    plan_hash TEXT NOT NULL,
    drawn_at  BIGINT NOT NULL,
    drawn_by  TEXT NOT NULL
);

-- The result, one row per drawn object in drawn order, with its outcome
-- once recorded (outcome '' until then).
CREATE TABLE inspection_results (
    plan_id      TEXT NOT NULL REFERENCES inspection_plans (id) ON DELETE CASCADE,
    seq          BIGINT NOT NULL,
    object_id    TEXT NOT NULL,
    object_name  TEXT NOT NULL,
    object_kind  TEXT NOT NULL,
    district     TEXT NOT NULL,
    address      TEXT NOT NULL DEFAULT '',
    inspectors   TEXT NOT NULL, -- JSON array of {id, name, certificate}, drawn order
    outcome      TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    inspected_at BIGINT,
    recorded_at  BIGINT,
    recorded_by  TEXT NOT NULL DEFAULT '',
    publish_by   BIGINT,
    PRIMARY KEY (plan_id, object_id),
    UNIQUE (plan_id, seq)
);

-- +goose Down
DROP TABLE inspection_results;
DROP TABLE inspection_draws;
DROP TABLE inspection_commitments;
DROP TABLE inspection_conflicts;
DROP TABLE inspection_inspectors;
DROP TABLE inspection_objects;
DROP TABLE inspection_plans;
