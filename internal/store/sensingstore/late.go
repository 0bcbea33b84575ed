package sensingstore

import (
	"cityloop/internal/store/sqlkit"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Late readings.
//
// Devices that were offline, and NB-IoT devices that batch, upload readings
// long after they were taken. Downsample only recomputes redo before its
// watermark, so such a reading would be stored raw but never reach its minute
// and hour aggregates. AppendReadings therefore records the minute of every
// late reading in sensing_dirty_buckets, and Downsample redoes those minutes
// from raw, and their hours from the minutes.
//
// A reading older than the raw retention cannot be aggregated honestly: the
// other readings of its minute are already pruned, so recomputing the minute
// would replace a correct aggregate by one of a single reading. Such a
// reading is still stored raw, like any other, and goes at the next Prune;
// its minute is marked like any late one, and Downsample discards the mark
// (see [DB.downsampleLate]). Its aggregates stay as they were. sensing.Service
// counts it as stale when the device has reported anything newer.

const (
	// lateBatch is how many late minutes one transaction redoes (three
	// parameters each, well under both databases' limits).
	lateBatch = 256
	// latePerRun bounds the late minutes one Downsample redoes; the rest
	// wait for the next run, oldest first.
	latePerRun = 16 * lateBatch
)

// lateBefore returns the minute before which a reading is late: Downsample
// has claimed up to the 'downsampling' mark (see [DB.Downsample]), and its
// next run redoes from redo before that, so anything older needs marking.
//
// On PostgreSQL the row is share-locked until the batch commits: Downsample
// takes it exclusively to move the mark, so a batch either commits before
// Downsample reads the readings (under the default READ COMMITTED each of
// its statements sees what committed before it) or sees the new mark.
// Shared locks do not block one another, so batches still run side by side.
// SQLite has one writer, which serialises the two anyway.
func lateBefore(ctx context.Context, mark *sql.Stmt) (int64, error) {
	var v int64
	if err := mark.QueryRowContext(ctx).Scan(&v); err != nil {
		if errors.Is(err, sql.ErrNoRows) { // the migration inserts it; without it nothing is late
			return math.MinInt64, nil
		}
		return 0, fmt.Errorf("read downsampling mark: %w", err)
	}
	return v - redo, nil
}

// prepareMark returns the read of the mark for lateBefore, preparing it once
// like the reading inserts: parsing it anew took half its cost.
func (db *DB) prepareMark(ctx context.Context) (*sql.Stmt, error) {
	db.stmtMu.Lock()
	defer db.stmtMu.Unlock()
	if db.markStmt != nil {
		return db.markStmt, nil
	}
	q := `SELECT value FROM sensing_meta WHERE name = 'downsampling'`
	if db.postgres {
		q += ` FOR SHARE`
	}
	st, err := db.w.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare downsampling mark read: %w", err)
	}
	db.markStmt = st
	return st, nil
}

// dirtyBucket is a minute of one device's metric to recompute.
type dirtyBucket struct {
	device, metric string
	bucket         int64
}

// markLate records the minute of each reading in args (device, metric, ts,
// value, as AppendReadings builds them) that starts before `before`.
func (db *DB) markLate(ctx context.Context, tx *sql.Tx, args []any, before int64) error {
	var late map[dirtyBucket]struct{}
	for i := 0; i < len(args); i += 4 {
		b := args[i+2].(int64) / minuteUS * minuteUS
		if b >= before {
			continue
		}
		if late == nil {
			late = map[dirtyBucket]struct{}{}
		}
		late[dirtyBucket{args[i].(string), args[i+1].(string), b}] = struct{}{}
	}
	if len(late) == 0 {
		return nil
	}
	// A stable order keeps concurrent batches on PostgreSQL from locking the
	// same keys in opposite orders.
	keys := make([]dirtyBucket, 0, len(late))
	for k := range late {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b dirtyBucket) int {
		return cmp.Or(strings.Compare(a.device, b.device), strings.Compare(a.metric, b.metric), cmp.Compare(a.bucket, b.bucket))
	})
	for len(keys) > 0 {
		n := min(len(keys), lateBatch)
		kargs := make([]any, 0, n*3)
		for _, k := range keys[:n] {
			kargs = append(kargs, k.device, k.metric, k.bucket)
		}
		// Not prepared: late batches are rare, and a statement may not be
		// prepared on the writer pool while this transaction holds it. The
		// idle update locks a mark that is already there, which DO NOTHING
		// would not: Downsample then skips it until this batch commits,
		// instead of taking it and missing this batch's readings.
		if _, err := tx.ExecContext(ctx, `INSERT INTO sensing_dirty_buckets (device_id, metric, bucket) VALUES `+db.values(n, 3)+
			` ON CONFLICT (device_id, metric, bucket) DO UPDATE SET bucket = excluded.bucket`, kargs...); err != nil {
			return fmt.Errorf("mark late readings: %w", err)
		}
		keys = keys[n:]
	}
	return nil
}

// downsampleLate redoes the minutes that late readings changed, and the hours
// holding them, at most latePerRun minutes a run in transactions of
// lateBatch. Minutes before the Prune horizon are discarded, not redone: their
// raw rows are (partly) gone.
func (db *DB) downsampleLate(ctx context.Context) error {
	for done := 0; done < latePerRun; done += lateBatch {
		var n int
		err := db.tx(ctx, func(tx *sql.Tx) error {
			var err error
			n, err = db.redoLate(ctx, tx)
			return err
		})
		if err != nil {
			return fmt.Errorf("downsample late readings: %w", err)
		}
		if n < lateBatch {
			break
		}
	}
	return nil
}

// redoLate redoes one batch of dirty minutes and returns how many it took.
//
// It takes the marks first, oldest first; on PostgreSQL it locks them and
// skips those locked by batches still being appended (they stay for the next
// run). It deletes them before recomputing: a batch that marks one of them
// meanwhile waits for this transaction and then marks it anew, so its
// readings are counted next time rather than lost.
func (db *DB) redoLate(ctx context.Context, tx *sql.Tx) (int, error) {
	var horizon int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(value), 0) FROM sensing_meta WHERE name = 'pruned'`).Scan(&horizon); err != nil {
		return 0, fmt.Errorf("read prune horizon: %w", err)
	}
	q := `SELECT device_id, metric, bucket FROM sensing_dirty_buckets ORDER BY bucket LIMIT $1`
	if db.postgres {
		q += ` FOR UPDATE SKIP LOCKED`
	}
	rows, err := tx.QueryContext(ctx, q, lateBatch)
	if err != nil {
		return 0, fmt.Errorf("take late minutes: %w", err)
	}
	var taken, minutes []dirtyBucket
	for rows.Next() {
		var k dirtyBucket
		if err := rows.Scan(&k.device, &k.metric, &k.bucket); err != nil {
			rows.Close()
			return 0, err
		}
		taken = append(taken, k)
		if k.bucket >= horizon { // before it, the mark is discarded (see above)
			minutes = append(minutes, k)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(taken) == 0 {
		return 0, nil
	}
	if _, err := tx.ExecContext(ctx, db.bucketsCTE(len(taken))+`
DELETE FROM sensing_dirty_buckets WHERE (device_id, metric, bucket) IN (SELECT device_id, metric, bucket FROM d)`, bucketArgs(taken)...); err != nil {
		return 0, fmt.Errorf("delete late minutes: %w", err)
	}
	if len(minutes) == 0 {
		return len(taken), nil
	}
	hours := make([]dirtyBucket, 0, len(minutes))
	seen := map[dirtyBucket]bool{}
	for _, k := range minutes {
		h := dirtyBucket{k.device, k.metric, k.bucket / hourUS * hourUS}
		if !seen[h] {
			seen[h] = true
			hours = append(hours, h)
		}
	}
	if _, err := tx.ExecContext(ctx, db.bucketsCTE(len(minutes))+`
INSERT INTO sensing_aggregates (device_id, metric, res, bucket, n, total, min_value, max_value)
SELECT d.device_id, d.metric, 'minute', d.bucket, COUNT(*), SUM(r.value), MIN(r.value), MAX(r.value)
FROM d, sensing_readings r
WHERE r.device_id = d.device_id AND r.metric = d.metric AND r.ts >= d.bucket AND r.ts < d.bucket + 60000000
GROUP BY d.device_id, d.metric, d.bucket
ON CONFLICT (device_id, metric, res, bucket) DO UPDATE SET n = excluded.n, total = excluded.total,
min_value = excluded.min_value, max_value = excluded.max_value`, bucketArgs(minutes)...); err != nil {
		return 0, fmt.Errorf("late minute aggregates: %w", err)
	}
	if _, err := tx.ExecContext(ctx, db.bucketsCTE(len(hours))+`
INSERT INTO sensing_aggregates (device_id, metric, res, bucket, n, total, min_value, max_value)
SELECT d.device_id, d.metric, 'hour', d.bucket, SUM(a.n), SUM(a.total), MIN(a.min_value), MAX(a.max_value)
FROM d, sensing_aggregates a
WHERE a.device_id = d.device_id AND a.metric = d.metric AND a.res = 'minute' AND a.bucket >= d.bucket AND a.bucket < d.bucket + 3600000000
GROUP BY d.device_id, d.metric, d.bucket
ON CONFLICT (device_id, metric, res, bucket) DO UPDATE SET n = excluded.n, total = excluded.total,
min_value = excluded.min_value, max_value = excluded.max_value`, bucketArgs(hours)...); err != nil {
		return 0, fmt.Errorf("late hour aggregates: %w", err)
	}
	return len(taken), nil
}

// bucketsCTE names rows parameter triples (device_id, metric, bucket) "d".
// The first row's casts type the columns: PostgreSQL would take untyped
// parameters in VALUES for text.
func (db *DB) bucketsCTE(rows int) string {
	first, rest := `(CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT))`, ""
	if db.postgres {
		first = `(CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS BIGINT))`
	}
	if rows > 1 {
		rest = ", " + sqlkit.Placeholders(rows-1, 3, 4)
		if !db.postgres {
			rest = ", " + db.values(rows-1, 3)
		}
	}
	return `WITH d (device_id, metric, bucket) AS (VALUES ` + first + rest + `)`
}

func bucketArgs(ks []dirtyBucket) []any {
	out := make([]any, 0, len(ks)*3)
	for _, k := range ks {
		out = append(out, k.device, k.metric, k.bucket)
	}
	return out
}
