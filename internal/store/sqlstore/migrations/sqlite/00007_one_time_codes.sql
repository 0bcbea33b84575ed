-- +goose Up
-- The citizens' one-time codes (/citizen/mine), shared by every node. Rows
-- hold neither the phone nor the code: phone_key is an HMAC of the
-- normalised phone and code_hash an HMAC of the code, both under the web
-- secret (see web.OneTimeCodes). tries counts checks, the right one
-- included. A row is deleted when used, out of tries or found expired.
CREATE TABLE one_time_codes (
    phone_key  TEXT    PRIMARY KEY,
    code_hash  BLOB    NOT NULL,
    expires_at INTEGER NOT NULL,
    tries      INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX one_time_codes_expires ON one_time_codes (expires_at);

-- +goose Down
DROP TABLE one_time_codes;
