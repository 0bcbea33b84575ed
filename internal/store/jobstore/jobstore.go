package jobstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/jobs"
	"cityloop/internal/store/sqlkit"
)

// The store implements the runner's interface.
var _ jobs.Store = (*DB)(nil)

// EnsureJob creates the job's row unless it exists; a row with another
// schedule spec and no unexpired lease takes the new spec and due time, and
// a new lease_seq so that a stalled node's late finish cannot write the old
// schedule's next time over it.
func (db *DB) EnsureJob(ctx context.Context, name, spec string, first, now time.Time) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO jobs (name, schedule, due_at, next_run_at, created_at) VALUES ($1, $2, $3, $3, $4)
ON CONFLICT (name) DO UPDATE SET schedule = excluded.schedule, due_at = excluded.due_at, next_run_at = excluded.next_run_at,
    attempt = 0, lease_seq = jobs.lease_seq + 1
WHERE jobs.schedule <> excluded.schedule AND (jobs.holder IS NULL OR jobs.lease_until < $5)`,
			name, spec, micros(first), micros(db.now()), micros(now))
		return err
	})
	if err != nil {
		return fmt.Errorf("ensure job %s: %w", name, err)
	}
	return nil
}

// ClaimJob takes the lease when the job is due and free, in one statement:
// of several nodes claiming at once, one updates the row and the others'
// WHERE no longer holds.
func (db *DB) ClaimJob(ctx context.Context, name, node string, now, leaseUntil time.Time) (jobs.Claim, bool, error) {
	c := jobs.Claim{Name: name, Node: node, LeaseUntil: leaseUntil}
	var due int64
	claimed := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE jobs SET holder = $2, lease_until = $4, lease_seq = lease_seq + 1, attempt = attempt + 1
WHERE name = $1 AND next_run_at <= $3 AND (holder IS NULL OR lease_until < $3)
RETURNING lease_seq, due_at, attempt`, name, node, micros(now), micros(leaseUntil)).Scan(&c.Seq, &due, &c.Attempt)
		if errors.Is(err, sql.ErrNoRows) {
			claimed = false
			return nil
		}
		claimed = err == nil
		return err
	})
	if err != nil {
		return jobs.Claim{}, false, fmt.Errorf("claim job %s: %w", name, err)
	}
	if !claimed {
		return jobs.Claim{}, false, nil
	}
	c.DueAt = fromMicros(due)
	return c, true, nil
}

// ExtendLease moves the lease while c holds it.
func (db *DB) ExtendLease(ctx context.Context, c jobs.Claim, until time.Time) (bool, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET lease_until = $4 WHERE name = $1 AND holder = $2 AND lease_seq = $3`,
			c.Name, c.Node, c.Seq, micros(until))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("extend the lease of job %s: %w", c.Name, err)
	}
	return n > 0, nil
}

// FinishRun updates the job row while c holds it (which also locks it, so
// one job's history rows get their ids in order), then writes the history
// row and prunes the job's history to o.Keep rows. Nothing is written when
// the lease was lost.
func (db *DB) FinishRun(ctx context.Context, c jobs.Claim, o jobs.Outcome) (bool, error) {
	attempt := 0
	if o.Retry {
		attempt = c.Attempt
	}
	keep := max(o.Keep, 1)
	d := o.FinishedAt.Sub(o.StartedAt)
	var ok bool
	if o.Skip {
		// Nothing was done: move on and free the lease, keeping the last
		// run's columns and writing no history.
		err := db.tx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE jobs SET due_at = $4, next_run_at = $5, attempt = 0, holder = NULL, lease_until = NULL
WHERE name = $1 AND holder = $2 AND lease_seq = $3`, c.Name, c.Node, c.Seq, micros(o.NextDue), micros(o.NextRun))
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			ok = n > 0
			return err
		})
		if err != nil {
			return false, fmt.Errorf("finish a run of job %s: %w", c.Name, err)
		}
		return ok, nil
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		ok = false
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET due_at = $4, next_run_at = $5, attempt = $6, holder = NULL, lease_until = NULL,
    last_node = $2, last_started_at = $7, last_finished_at = $8, last_duration_us = $9, last_error = $10
WHERE name = $1 AND holder = $2 AND lease_seq = $3`,
			c.Name, c.Node, c.Seq, micros(o.NextDue), micros(o.NextRun), attempt,
			micros(o.StartedAt), micros(o.FinishedAt), d.Microseconds(), o.Error)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO job_runs (name, due_at, attempt, node, started_at, finished_at, duration_us, error)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			c.Name, micros(c.DueAt), c.Attempt, c.Node, micros(o.StartedAt), micros(o.FinishedAt), d.Microseconds(), o.Error); err != nil {
			return err
		}
		// The row at offset keep, newest first, is the newest to go.
		if _, err := tx.ExecContext(ctx, `DELETE FROM job_runs WHERE name = $1 AND id <= (
    SELECT id FROM job_runs WHERE name = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)`, c.Name, keep); err != nil {
			return err
		}
		ok = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("finish a run of job %s: %w", c.Name, err)
	}
	return ok, nil
}

// ListJobs returns every job's row, by name.
func (db *DB) ListJobs(ctx context.Context) ([]jobs.Status, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT name, schedule, due_at, next_run_at, attempt, holder, lease_until,
    last_node, last_started_at, last_finished_at, last_duration_us, last_error
FROM jobs ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", sqlkit.Norm(err))
	}
	defer rows.Close()
	var out []jobs.Status
	for rows.Next() {
		var s jobs.Status
		var due, next, durUS int64
		var holder sql.Null[string]
		var lease, started, finished sql.Null[int64]
		if err := rows.Scan(&s.Name, &s.Schedule, &due, &next, &s.Attempt, &holder, &lease,
			&s.LastNode, &started, &finished, &durUS, &s.LastError); err != nil {
			return nil, fmt.Errorf("list jobs: %w", sqlkit.Norm(err))
		}
		s.DueAt, s.NextRunAt = fromMicros(due), fromMicros(next)
		if holder.Valid {
			s.Holder, s.LeaseUntil = holder.V, fromNull(lease)
		}
		s.LastStartedAt, s.LastFinishedAt = fromNull(started), fromNull(finished)
		s.LastDuration = time.Duration(durUS) * time.Microsecond
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list jobs: %w", sqlkit.Norm(err))
	}
	leases, err := db.listLeases(ctx)
	if err != nil {
		return nil, err
	}
	out = append(out, leases...)
	slices.SortStableFunc(out, func(a, b jobs.Status) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// ListRuns returns the job's latest limit attempts, newest first.
func (db *DB) ListRuns(ctx context.Context, name string, limit int) ([]jobs.RunRecord, error) {
	if limit < 1 {
		limit = jobs.DefaultKeep
	}
	var one int
	err := db.r.QueryRowContext(ctx, `SELECT 1 FROM jobs WHERE name = $1`, name).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFound("no job is called %s", name)
	}
	if err != nil {
		return nil, fmt.Errorf("list runs of %s: %w", name, sqlkit.Norm(err))
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, due_at, attempt, node, started_at, finished_at, duration_us, error
FROM job_runs WHERE name = $1 ORDER BY id DESC LIMIT $2`, name, limit)
	if err != nil {
		return nil, fmt.Errorf("list runs of %s: %w", name, sqlkit.Norm(err))
	}
	defer rows.Close()
	var out []jobs.RunRecord
	for rows.Next() {
		r := jobs.RunRecord{Name: name}
		var due, started, finished, durUS int64
		if err := rows.Scan(&r.ID, &due, &r.Attempt, &r.Node, &started, &finished, &durUS, &r.Error); err != nil {
			return nil, fmt.Errorf("list runs of %s: %w", name, sqlkit.Norm(err))
		}
		r.DueAt, r.StartedAt, r.FinishedAt = fromMicros(due), fromMicros(started), fromMicros(finished)
		r.Duration = time.Duration(durUS) * time.Microsecond
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list runs of %s: %w", name, sqlkit.Norm(err))
	}
	return out, nil
}

// HoldLease takes or renews the lease in one upsert: the WHERE of its
// conflict clause admits holder only when the lease is free, expired or
// already its own, so of several nodes trying at once one gets it.
func (db *DB) HoldLease(ctx context.Context, name, holder string, ttl time.Duration, now, until time.Time) (time.Time, bool, error) {
	var since int64
	ok := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO job_leases (name, ttl_us, holder, lease_until, held_since, updated_at, created_at)
VALUES ($1, $2, $3, $4, $5, $5, $5)
ON CONFLICT (name) DO UPDATE SET ttl_us = excluded.ttl_us, holder = excluded.holder, lease_until = excluded.lease_until,
    held_since = CASE WHEN job_leases.holder = excluded.holder AND job_leases.lease_until >= excluded.updated_at
        THEN job_leases.held_since ELSE excluded.held_since END,
    updated_at = excluded.updated_at
WHERE job_leases.holder IS NULL OR job_leases.lease_until < excluded.updated_at OR job_leases.holder = excluded.holder
RETURNING held_since`, name, ttl.Microseconds(), holder, micros(until), micros(now)).Scan(&since)
		if errors.Is(err, sql.ErrNoRows) {
			ok = false
			return nil
		}
		ok = err == nil
		return err
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("hold lease %s: %w", name, err)
	}
	if !ok {
		return time.Time{}, false, nil
	}
	return fromMicros(since), true, nil
}

// ReleaseLease frees the lease when holder holds it.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string, now time.Time, lastErr string) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE job_leases SET holder = NULL, lease_until = NULL, held_since = NULL,
    last_node = $2, last_error = $4, updated_at = $3
WHERE name = $1 AND holder = $2`, name, holder, micros(now), lastErr)
		return err
	})
	if err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

// LeaseHolder returns who holds the lease at now.
func (db *DB) LeaseHolder(ctx context.Context, name string, now time.Time) (string, bool, error) {
	var holder string
	err := db.r.QueryRowContext(ctx, `SELECT holder FROM job_leases WHERE name = $1 AND holder IS NOT NULL AND lease_until >= $2`,
		name, micros(now)).Scan(&holder)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read lease %s: %w", name, sqlkit.Norm(err))
	}
	return holder, true, nil
}

// listLeases returns the leases as job rows of kind lease (see
// [jobs.Status]).
func (db *DB) listLeases(ctx context.Context) ([]jobs.Status, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT name, ttl_us, holder, lease_until, held_since, last_node, last_error, updated_at
FROM job_leases ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list leases: %w", sqlkit.Norm(err))
	}
	defer rows.Close()
	var out []jobs.Status
	for rows.Next() {
		s := jobs.Status{Kind: jobs.KindLease}
		var ttlUS, updated int64
		var holder sql.Null[string]
		var until, since sql.Null[int64]
		if err := rows.Scan(&s.Name, &ttlUS, &holder, &until, &since, &s.LastNode, &s.LastError, &updated); err != nil {
			return nil, fmt.Errorf("list leases: %w", sqlkit.Norm(err))
		}
		s.Schedule = jobs.LeaseSpec(time.Duration(ttlUS) * time.Microsecond)
		s.DueAt, s.NextRunAt = fromMicros(updated), fromMicros(updated)
		if holder.Valid {
			s.Holder, s.LeaseUntil, s.HeldSince = holder.V, fromNull(until), fromNull(since)
			if s.LeaseUntil != nil {
				s.NextRunAt = *s.LeaseUntil
			}
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list leases: %w", sqlkit.Norm(err))
	}
	return out, nil
}
