-- Penalty cases (package enforce), SQLite dialect. Keep names identical to
-- ../postgres (a test compares them). Times are INTEGER Unix microseconds UTC.

-- +goose Up
-- One row per penalty case: the columns lists filter on, and the domain
-- case as JSON (body) without its records (enforce_records) and without the
-- party's name (sealed in enforce_parties).
CREATE TABLE enforce_cases (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    status      TEXT NOT NULL,
    proc        TEXT NOT NULL,               -- ordinary | summary
    district    TEXT NOT NULL,
    brigade     TEXT NOT NULL DEFAULT '',
    violation   TEXT NOT NULL DEFAULT '',
    party_key   TEXT NOT NULL,               -- blind index of the identity number
    party_kind  TEXT NOT NULL,
    loop_case   TEXT NOT NULL DEFAULT '',    -- the loop case it came from
    light       TEXT NOT NULL DEFAULT 'green', -- worst clock light as of the last write or sweep
    running     INTEGER NOT NULL,            -- 1 until not_filed, closed or archived
    decided_at  INTEGER,                     -- the decision (or exemption) time
    exempted    TEXT NOT NULL DEFAULT '',
    occurred_at INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    body        TEXT NOT NULL
) STRICT;
CREATE INDEX enforce_cases_list ON enforce_cases (updated_at, id);
CREATE INDEX enforce_cases_district ON enforce_cases (district, updated_at);
CREATE INDEX enforce_cases_party ON enforce_cases (party_key, decided_at);
CREATE INDEX enforce_cases_running ON enforce_cases (running, id);
CREATE INDEX enforce_cases_decided ON enforce_cases (decided_at);
-- One penalty case per loop case.
CREATE UNIQUE INDEX enforce_cases_loop ON enforce_cases (loop_case) WHERE loop_case <> '';

CREATE TABLE enforce_case_officers (
    case_id    TEXT NOT NULL REFERENCES enforce_cases (id),
    officer_id TEXT NOT NULL,
    PRIMARY KEY (case_id, officer_id)
) STRICT;
CREATE INDEX enforce_case_officers_officer ON enforce_case_officers (officer_id);

-- The timeline, append-only: seq is the case version the event made.
CREATE TABLE enforce_events (
    case_id     TEXT NOT NULL REFERENCES enforce_cases (id),
    seq         INTEGER NOT NULL,
    action      TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    actor_name  TEXT NOT NULL,
    post        TEXT NOT NULL,
    at          INTEGER NOT NULL,
    note        TEXT NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
) STRICT;

-- Records of the process (全过程记录), append-only, in the case's order.
CREATE TABLE enforce_records (
    case_id  TEXT NOT NULL REFERENCES enforce_cases (id),
    n        INTEGER NOT NULL,
    id       TEXT NOT NULL,
    kind     TEXT NOT NULL,
    at       INTEGER NOT NULL,
    officers TEXT NOT NULL, -- JSON array of account ids
    files    TEXT NOT NULL, -- JSON array of blob keys
    note     TEXT NOT NULL,
    PRIMARY KEY (case_id, n)
) STRICT;

-- The party of each case; every personal field sealed with the pii keyring.
CREATE TABLE enforce_parties (
    case_id        TEXT PRIMARY KEY REFERENCES enforce_cases (id),
    party_key      TEXT NOT NULL,
    kind           TEXT NOT NULL,
    name           TEXT NOT NULL,
    id_number      TEXT NOT NULL,
    uscc           TEXT NOT NULL,
    representative TEXT NOT NULL,
    phone          TEXT NOT NULL,
    address        TEXT NOT NULL,
    e_consent      INTEGER NOT NULL
) STRICT;

-- Published decisions (第四十八条), already masked: no personal data.
CREATE TABLE enforce_disclosures (
    case_id        TEXT PRIMARY KEY REFERENCES enforce_cases (id),
    number         TEXT NOT NULL,
    code           TEXT NOT NULL,
    district       TEXT NOT NULL,
    violation      TEXT NOT NULL,
    violation_name TEXT NOT NULL,
    party_kind     TEXT NOT NULL,
    party_label    TEXT NOT NULL,
    kinds          TEXT NOT NULL, -- JSON array
    fine           REAL NOT NULL,
    basis          TEXT NOT NULL,
    proc           TEXT NOT NULL,
    decided_at     INTEGER NOT NULL,
    published_at   INTEGER NOT NULL,
    search         TEXT NOT NULL  -- lower-cased number, code, violation and party label
) STRICT;
CREATE INDEX enforce_disclosures_decided ON enforce_disclosures (decided_at);
CREATE INDEX enforce_disclosures_district ON enforce_disclosures (district, decided_at);

-- Human case numbers per year (ZF2026-00001), taken in the creating transaction.
CREATE TABLE enforce_counters (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE enforce_counters;
DROP TABLE enforce_disclosures;
DROP TABLE enforce_parties;
DROP TABLE enforce_records;
DROP TABLE enforce_events;
DROP TABLE enforce_case_officers;
DROP TABLE enforce_cases;
