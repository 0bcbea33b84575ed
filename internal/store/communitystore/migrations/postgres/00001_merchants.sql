-- Merchants keeping their frontage (门前五包, package merchant), postgres
-- dialect. Keep names identical to the other dialect. Times are BIGINT Unix
-- microseconds UTC. The zone is GeoJSON; its bounding box is kept in
-- columns so a case's merchants are found by an indexed box, and the
-- point-in-polygon test runs in Go.

-- +goose Up
CREATE TABLE merchants (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    uscc            TEXT NOT NULL,     -- unified social credit code, canonical
    trade           TEXT NOT NULL,
    address         TEXT NOT NULL,
    lng             DOUBLE PRECISION NOT NULL,
    lat             DOUBLE PRECISION NOT NULL,
    district        TEXT NOT NULL,
    street          TEXT NOT NULL,
    grid            TEXT NOT NULL,
    contact_sealed  TEXT NOT NULL,     -- JSON {person, phone} sealed with the node's keyring
    zone            TEXT NOT NULL,     -- GeoJSON MultiPolygon
    zone_min_lng    DOUBLE PRECISION NOT NULL,
    zone_min_lat    DOUBLE PRECISION NOT NULL,
    zone_max_lng    DOUBLE PRECISION NOT NULL,
    zone_max_lat    DOUBLE PRECISION NOT NULL,
    signed_at       BIGINT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX merchants_uscc ON merchants (uscc);
CREATE INDEX merchants_zone_box ON merchants (zone_min_lng, zone_max_lng, zone_min_lat, zone_max_lat);
CREATE INDEX merchants_place ON merchants (district, street, grid);

-- A loop case lying in a merchant's zone, with the points it deducts.
CREATE TABLE merchant_violations (
    merchant_id  TEXT NOT NULL REFERENCES merchants (id) ON DELETE CASCADE,
    case_id      TEXT NOT NULL,
    case_code    TEXT NOT NULL,
    category     TEXT NOT NULL,
    duty         TEXT NOT NULL,
    points       BIGINT NOT NULL,
    at           BIGINT NOT NULL,
    year         BIGINT NOT NULL,
    PRIMARY KEY (merchant_id, case_id)
);
CREATE INDEX merchant_violations_year ON merchant_violations (year, merchant_id);
CREATE INDEX merchants_order ON merchants (district, address, id);

-- Each merchant's tally of a year, kept by the same transaction that
-- records a violation, so a list page joins one row per shop instead of
-- adding up the year's violations.
CREATE TABLE merchant_credit (
    merchant_id  TEXT NOT NULL REFERENCES merchants (id) ON DELETE CASCADE,
    year         BIGINT NOT NULL,
    deducted     BIGINT NOT NULL,
    violations   BIGINT NOT NULL,
    PRIMARY KEY (merchant_id, year)
);

-- Where each background pass stopped (the case-linking job's report time).
CREATE TABLE community_cursors (
    name  TEXT PRIMARY KEY,
    at    BIGINT NOT NULL
);

-- +goose Down
DROP TABLE community_cursors;
DROP TABLE merchant_credit;
DROP TABLE merchant_violations;
DROP TABLE merchants;
