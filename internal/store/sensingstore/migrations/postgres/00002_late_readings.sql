-- Late readings (postgres). A reading that arrives after downsampling has passed its minute is
-- stored raw as always, and AppendReadings records its (device, metric, minute) here, in the
-- same transaction; Downsample recomputes those minutes and their hours and deletes the rows.
-- sensing_meta gains two names: 'downsampling' (the end the latest Downsample claimed; readings
-- before it, less the redo window, are late) and 'pruned' (written by Prune: minutes before it
-- can no longer be recomputed from raw). AppendReadings locks the 'downsampling' row on
-- PostgreSQL, so it must exist before the first reading.

-- +goose Up
CREATE TABLE sensing_dirty_buckets (
    device_id    TEXT NOT NULL,
    metric       TEXT NOT NULL,
    bucket       BIGINT NOT NULL,
    PRIMARY KEY (device_id, metric, bucket)
);

CREATE INDEX sensing_dirty_buckets_bucket ON sensing_dirty_buckets (bucket);

INSERT INTO sensing_meta (name, value)
SELECT 'downsampling', COALESCE(MAX(value), 0) FROM sensing_meta WHERE name = 'downsampled';

-- +goose Down
DELETE FROM sensing_meta WHERE name IN ('downsampling', 'pruned');
DROP TABLE sensing_dirty_buckets;
