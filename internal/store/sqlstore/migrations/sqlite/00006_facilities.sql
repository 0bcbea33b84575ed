-- +goose Up
-- Public facilities citizens look for (公共厕所 first): a point (WGS84) with
-- the grid and district it lies in, for the nearest search and coverage.
CREATE TABLE facilities (
    id         TEXT             PRIMARY KEY,
    kind       TEXT             NOT NULL,
    name       TEXT             NOT NULL,
    address    TEXT             NOT NULL,
    lng        DOUBLE PRECISION NOT NULL,
    lat        DOUBLE PRECISION NOT NULL,
    grid       TEXT             NOT NULL,
    district   TEXT             NOT NULL,
    hours      TEXT             NOT NULL,
    accessible BOOLEAN          NOT NULL,
    open_24h   BOOLEAN          NOT NULL,
    updated_at BIGINT           NOT NULL
);
CREATE INDEX facilities_kind_lat ON facilities (kind, lat, lng);

-- +goose Down
DROP TABLE facilities;
