package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// These leases are no longer used by the app: its background work and the
// sensing owner hold their leases in the jobs store (jobs.Runner.Hold and
// TryHold, table job_leases). TryLease and LeaseHolder stay while the
// store's contract suite (storetest) checks them; ReleaseLease, which
// only the app called, is gone.

// TryLease takes or renews the lease called name for holder until now+ttl,
// so that only one node runs a periodic job at a time. It succeeds when the
// lease is free, expired at now, or already held by holder; otherwise it
// returns false. It is one atomic upsert, safe across nodes.
func (db *DB) TryLease(ctx context.Context, name, holder string, ttl time.Duration, now time.Time) (bool, error) {
	var n int64
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := db.txExec(ctx, tx, `INSERT INTO leases (name, holder, until) VALUES ($1, $2, $3)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
WHERE leases.until <= $4 OR leases.holder = excluded.holder`, name, holder, micros(now.Add(ttl)), micros(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("take lease %s: %w", name, db.norm(err))
	}
	return n > 0, nil
}

// LeaseHolder returns who holds the lease called name at now; ok is false
// when nobody does (never taken, released or expired).
func (db *DB) LeaseHolder(ctx context.Context, name string, now time.Time) (holder string, ok bool, err error) {
	err = db.r.QueryRowContext(ctx, `SELECT holder FROM leases WHERE name = $1 AND until > $2`, name, micros(now)).Scan(&holder)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read lease %s: %w", name, db.norm(err))
	}
	return holder, true, nil
}
