-- +goose Up
-- Blind index of the reporter's phone (HMAC-SHA256 of the normalised number
-- under a key derived from the personal-data keyring), so a citizen's cases
-- can be listed by phone without decrypting reporter_phone. '' = no phone,
-- no keyring, or purged.
ALTER TABLE cases ADD COLUMN reporter_phone_blind TEXT NOT NULL DEFAULT '';
CREATE INDEX cases_reporter_phone_blind ON cases (reporter_phone_blind, reported_at DESC) WHERE reporter_phone_blind <> '';

-- +goose Down
DROP INDEX cases_reporter_phone_blind;
ALTER TABLE cases DROP COLUMN reporter_phone_blind;
