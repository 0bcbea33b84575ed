-- Publication rules and the search index of the published decisions,
-- SQLite dialect. Keep names identical to ../postgres.

-- +goose Up
-- state: pending (decided, waiting for service or its last day), published,
-- withdrawn (第四十八条第二款). due_at: 7 working days after the decision;
-- release_at: when the publication job may publish it; late: published (or
-- still pending) past due_at. withdrawal: the recorded withdrawal as JSON.
-- fed: 0 until the hub's enforcement_disclosures dataset has the current
-- state (an upsert or a delete). indexed: 1 once its terms are written.
ALTER TABLE enforce_disclosures ADD COLUMN state TEXT NOT NULL DEFAULT 'published';
ALTER TABLE enforce_disclosures ADD COLUMN due_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE enforce_disclosures ADD COLUMN release_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE enforce_disclosures ADD COLUMN late INTEGER NOT NULL DEFAULT 0;
ALTER TABLE enforce_disclosures ADD COLUMN withdrawal TEXT NOT NULL DEFAULT '';
ALTER TABLE enforce_disclosures ADD COLUMN fed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE enforce_disclosures ADD COLUMN indexed INTEGER NOT NULL DEFAULT 0;
DROP INDEX enforce_disclosures_decided;
DROP INDEX enforce_disclosures_district;
-- The public listing reads published rows newest first, with or without a district.
CREATE INDEX enforce_disclosures_public ON enforce_disclosures (state, decided_at, case_id);
CREATE INDEX enforce_disclosures_public_district ON enforce_disclosures (state, district, decided_at, case_id);
CREATE INDEX enforce_disclosures_release ON enforce_disclosures (state, release_at);
CREATE INDEX enforce_disclosures_unfed ON enforce_disclosures (case_id) WHERE fed = 0;

-- The search index of published decisions, written with the publication
-- and removed with its withdrawal: Chinese runs as bigrams plus their last
-- character, ASCII runs whole, and the violation (see terms.go). A query walks one term's
-- postings newest first and probes the others by case.
CREATE TABLE enforce_disclosure_terms (
    term       TEXT NOT NULL,
    decided_at INTEGER NOT NULL,
    case_id    TEXT NOT NULL,
    district   TEXT NOT NULL,
    PRIMARY KEY (term, decided_at, case_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX enforce_disclosure_terms_case ON enforce_disclosure_terms (case_id, term);

-- The violations of published decisions with their names: a query word
-- in a violation's name selects the decisions of that violation (one term
-- each, "v:<code>") instead of every decision indexing the long name.
CREATE TABLE enforce_disclosure_violations (
    violation TEXT PRIMARY KEY,
    name      TEXT NOT NULL
) STRICT;
INSERT INTO enforce_disclosure_violations (violation, name)
SELECT violation, MAX(violation_name) FROM enforce_disclosures GROUP BY violation;

-- +goose Down
DROP TABLE enforce_disclosure_violations;
DROP TABLE enforce_disclosure_terms;
DROP INDEX enforce_disclosures_unfed;
DROP INDEX enforce_disclosures_release;
DROP INDEX enforce_disclosures_public_district;
DROP INDEX enforce_disclosures_public;
CREATE INDEX enforce_disclosures_decided ON enforce_disclosures (decided_at);
CREATE INDEX enforce_disclosures_district ON enforce_disclosures (district, decided_at);
ALTER TABLE enforce_disclosures DROP COLUMN indexed;
ALTER TABLE enforce_disclosures DROP COLUMN fed;
ALTER TABLE enforce_disclosures DROP COLUMN withdrawal;
ALTER TABLE enforce_disclosures DROP COLUMN late;
ALTER TABLE enforce_disclosures DROP COLUMN release_at;
ALTER TABLE enforce_disclosures DROP COLUMN due_at;
ALTER TABLE enforce_disclosures DROP COLUMN state;
