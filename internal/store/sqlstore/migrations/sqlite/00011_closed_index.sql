-- +goose Up
-- Cases closed per day (the big screen's trend and 今日结案, closures in a
-- period) read a range of closing times among the closed cases; without
-- this index each count scanned the cases.
CREATE INDEX cases_status_closed ON cases (status, closed_at);

-- +goose Down
DROP INDEX cases_status_closed;
