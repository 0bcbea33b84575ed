-- +goose Up
-- Lists by category over a time window (Open311 service_code, dashboards).
CREATE INDEX cases_category_reported ON cases (category, reported_at DESC, id DESC);

-- +goose Down
DROP INDEX cases_category_reported;
