package sqlstore

import (
	"context"
	"fmt"
	"time"
)

// healthWriteSQL is a real, committed write: a node that can read but not
// write (a read-only file or mount, a full disk, a PostgreSQL replica or a
// database switched to read-only) must not tell the load balancer it is
// ready, because every report sent to it would then fail. The counter row
// is otherwise unused; its value says how many probes have written.
const healthWriteSQL = `INSERT INTO counters (name, value) VALUES ('health.write', 1)
	ON CONFLICT (name) DO UPDATE SET value = counters.value + 1`

// CheckWritable commits one small write, within a few seconds.
func (db *DB) CheckWritable(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := db.w.ExecContext(ctx, healthWriteSQL); err != nil {
		return fmt.Errorf("health: write to the database: %w", err)
	}
	return nil
}
