package hubstore

import (
	"context"
	"encoding/json"
	"fmt"

	"cityloop/internal/share"
	"cityloop/internal/store/sqlkit"
)

// FindRecords lists up to limit current records of a dataset with keys
// after afterKey, in key order (a re-sync pages through them).
func (db *DB) FindRecords(ctx context.Context, dataset, afterKey string, limit int) ([]share.Record, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT dataset, key, body, publisher, published_at FROM hub_records
WHERE dataset = $1 AND key > $2 ORDER BY key LIMIT $3`, dataset, afterKey, int64(limit))
	if err != nil {
		return nil, fmt.Errorf("find records of %s: %w", dataset, db.norm(err))
	}
	defer rows.Close()
	out := []share.Record{}
	for rows.Next() {
		var r share.Record
		var body string
		var at int64
		if err := rows.Scan(&r.Dataset, &r.Key, &body, &r.Publisher, &at); err != nil {
			return nil, fmt.Errorf("find records of %s: %w", dataset, db.norm(err))
		}
		r.Body, r.PublishedAt = json.RawMessage(body), sqlkit.Time(at)
		out = append(out, r)
	}
	return out, db.norm(rows.Err())
}
