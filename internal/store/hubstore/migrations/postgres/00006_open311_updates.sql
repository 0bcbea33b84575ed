-- Service request updates posted by Open311 clients, PostgreSQL dialect. Keep
-- names identical to ../postgres (a test compares them).

-- +goose Up
-- One row per update a client posted (mySociety's POST
-- servicerequestupdates), keyed by the posting account and the client's
-- update_id, so that a client resending an update gets the same answer and
-- the case's timeline gets one event. The row is claimed before the case is
-- touched (event_id empty) and completed with the event the update became.
CREATE TABLE open311_updates (
    account_id TEXT NOT NULL,
    update_id  TEXT NOT NULL,
    case_id    TEXT NOT NULL,
    event_id   TEXT NOT NULL DEFAULT '',
    action     TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, update_id)
);

-- +goose Down
DROP TABLE open311_updates;
