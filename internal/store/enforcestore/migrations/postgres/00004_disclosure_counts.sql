-- Published decisions counted per district and 30-day bucket of decided_at
-- (decided_at / 2592000000000 µs), kept by every publication and
-- withdrawal, so the public listing's total without search words reads a
-- few dozen rows instead of counting a million index entries. Keep names
-- identical in both dialects.

-- +goose Up
CREATE TABLE enforce_disclosure_counts (
    district TEXT NOT NULL,
    bucket   BIGINT NOT NULL,
    n        BIGINT NOT NULL,
    PRIMARY KEY (district, bucket)
);
INSERT INTO enforce_disclosure_counts (district, bucket, n)
SELECT district, decided_at / 2592000000000, COUNT(*) FROM enforce_disclosures WHERE state = 'published'
GROUP BY district, decided_at / 2592000000000;

-- +goose Down
DROP TABLE enforce_disclosure_counts;
