-- Retention of the hub's history (see prune.go), PostgreSQL dialect. Keep names
-- identical to ../sqlite (a test compares them).

-- +goose Up
-- Old deliveries are found, rolled up and pruned by time; the figures read
-- deliveries of a period by time too.
CREATE INDEX hub_deliveries_delivered ON hub_deliveries (delivered_at);

-- hub_delivery_hours keeps what the figures need of deliveries whose rows
-- were pruned: one row per UTC hour, department and median delay (to the
-- millisecond, the figures' own precision), so sums, the worst delay and the
-- event-weighted median over whole hours come out as they did from the rows.
CREATE TABLE hub_delivery_hours (
    hour_start   BIGINT NOT NULL, -- start of the UTC hour, Unix microseconds
    department   TEXT NOT NULL,
    delay_p50_ms BIGINT NOT NULL, -- a delivery's median delay, rounded as the figures round it
    deliveries   BIGINT NOT NULL,
    events       BIGINT NOT NULL,
    checks       BIGINT NOT NULL,
    delay_max_us BIGINT NOT NULL, -- the worst delay of those deliveries
    PRIMARY KEY (hour_start, department, delay_p50_ms)
);

-- +goose Down
DROP TABLE hub_delivery_hours;
DROP INDEX hub_deliveries_delivered;
