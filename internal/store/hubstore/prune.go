package hubstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"cityloop/internal/share"
	"cityloop/internal/store/sqlkit"
)

// Retention of the hub's history; hub.Retention says what each table keeps
// and hub.Pruner drives these calls. Each call is one short transaction of
// a bounded number of rows.

// statePrunedThrough holds the newest pruned outbox position.
const statePrunedThrough = "hub.pruned_through"

// PrunedThrough is the newest position pruned from the outbox, 0 when none.
func (db *DB) PrunedThrough(ctx context.Context) (int64, error) {
	v, ok, err := db.GetState(ctx, statePrunedThrough)
	if err != nil || !ok {
		return 0, err
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("read pruned position %q: %w", v, err)
	}
	return n, nil
}

// PruneChanges removes up to limit of the oldest outbox changes that changed
// before before, that every subscription's cursor has passed (active or
// not: a paused one resumes where it stopped), that no open dead letter of
// an existing subscription covers (a replay reads them), and that are not
// the newest change (positions are numbered from the newest). It removes a
// prefix of positions only and moves PrunedThrough in the same transaction,
// so a reader sees either a change or that it was pruned.
func (db *DB) PruneChanges(ctx context.Context, before time.Time, limit int) (int, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var floor int64
		var v string
		err := tx.QueryRowContext(ctx, `SELECT value FROM hub_state WHERE name = $1`, statePrunedThrough).Scan(&v)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return db.norm(err)
		default:
			if floor, err = strconv.ParseInt(v, 10, 64); err != nil {
				return fmt.Errorf("read pruned position %q: %w", v, err)
			}
		}
		var newest int64
		var cursor, open sql.Null[int64]
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT COALESCE(MAX(pos), 0) FROM hub_events), (SELECT MIN(cursor) FROM hub_subscriptions),
(SELECT MIN(d.first_pos) FROM hub_dead_letters d WHERE d.replayed_at IS NULL AND EXISTS (SELECT 1 FROM hub_subscriptions s WHERE s.id = d.subscription_id))`).
			Scan(&newest, &cursor, &open); err != nil {
			return db.norm(err)
		}
		upto := min(newest-1, floor+int64(limit))
		if cursor.Valid {
			upto = min(upto, cursor.V)
		}
		if open.Valid {
			upto = min(upto, open.V-1)
		}
		if upto <= floor {
			return nil
		}
		// Positions above the floor have no gaps, so this reads at most limit
		// rows of the primary key.
		var young int64
		err = tx.QueryRowContext(ctx, `SELECT pos FROM hub_events WHERE pos > $1 AND pos <= $2 AND changed_at >= $3 ORDER BY pos LIMIT 1`,
			floor, upto, sqlkit.Micros(before)).Scan(&young)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return db.norm(err)
		default:
			upto = young - 1
		}
		if upto <= floor {
			return nil
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM hub_events WHERE pos > $1 AND pos <= $2`, floor, upto)
		if err != nil {
			return db.norm(err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		// Never backwards, should two pruners ever overlap.
		_, err = tx.ExecContext(ctx, `INSERT INTO hub_state (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value
WHERE CAST(hub_state.value AS BIGINT) < CAST(excluded.value AS BIGINT)`, statePrunedThrough, strconv.FormatInt(upto, 10))
		return db.norm(err)
	})
	if err != nil {
		return 0, fmt.Errorf("prune changes: %w", err)
	}
	return int(n), nil
}

// PruneDeadLetters removes up to limit dead letters replayed before
// replayedBefore or, never replayed, made before openBefore.
func (db *DB) PruneDeadLetters(ctx context.Context, replayedBefore, openBefore time.Time, limit int) (int, error) {
	n, err := db.exec(ctx, `DELETE FROM hub_dead_letters WHERE id IN (SELECT id FROM hub_dead_letters
WHERE (replayed_at IS NOT NULL AND replayed_at < $1) OR (replayed_at IS NULL AND created_at < $2) LIMIT $3)`,
		sqlkit.Micros(replayedBefore), sqlkit.Micros(openBefore), int64(limit))
	if err != nil {
		return 0, fmt.Errorf("prune dead letters: %w", err)
	}
	return int(n), nil
}

type hourKey struct {
	hour  int64
	dept  string
	p50ms int64
}

type hourSums struct{ deliveries, events, checks, maxUS int64 }

// RollUpDeliveries removes up to limit of the oldest deliveries made before
// before (a whole hour: the caller truncates it) and adds them to the
// hourly roll-up, in one transaction. It sums what DELETE … RETURNING gave
// back, so a delivery is counted once even if two pruners overlap.
func (db *DB) RollUpDeliveries(ctx context.Context, before time.Time, limit int) (int, error) {
	var n int
	err := db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `DELETE FROM hub_deliveries WHERE id IN (SELECT id FROM hub_deliveries WHERE delivered_at < $1
ORDER BY delivered_at LIMIT $2) RETURNING department, events, delay_p50_us, delay_max_us, checks, delivered_at`, sqlkit.Micros(before), int64(limit))
		if err != nil {
			return db.norm(err)
		}
		sums := map[hourKey]*hourSums{}
		var keys []hourKey
		for rows.Next() {
			var dept string
			var events, p50, mx, checks, at int64
			if err := rows.Scan(&dept, &events, &p50, &mx, &checks, &at); err != nil {
				rows.Close()
				return db.norm(err)
			}
			n++
			k := hourKey{hour: sqlkit.Micros(sqlkit.Time(at).Truncate(time.Hour)), dept: dept,
				p50ms: share.DelayMillis(time.Duration(p50) * time.Microsecond)}
			s, ok := sums[k]
			if !ok {
				s = &hourSums{maxUS: mx}
				sums[k] = s
				keys = append(keys, k)
			}
			s.deliveries++
			s.events += events
			s.checks += checks
			s.maxUS = max(s.maxUS, mx)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return db.norm(err)
		}
		const per = 100
		for start := 0; start < len(keys); start += per {
			part := keys[start:min(start+per, len(keys))]
			args := make([]any, 0, len(part)*7)
			for _, k := range part {
				s := sums[k]
				args = append(args, k.hour, k.dept, k.p50ms, s.deliveries, s.events, s.checks, s.maxUS)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO hub_delivery_hours (hour_start, department, delay_p50_ms, deliveries, events, checks, delay_max_us)
VALUES `+sqlkit.Placeholders(len(part), 7, 1)+` ON CONFLICT (hour_start, department, delay_p50_ms) DO UPDATE SET
deliveries = hub_delivery_hours.deliveries + excluded.deliveries, events = hub_delivery_hours.events + excluded.events,
checks = hub_delivery_hours.checks + excluded.checks,
delay_max_us = CASE WHEN excluded.delay_max_us > hub_delivery_hours.delay_max_us THEN excluded.delay_max_us ELSE hub_delivery_hours.delay_max_us END`,
				args...); err != nil {
				return db.norm(err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("roll up deliveries: %w", err)
	}
	return n, nil
}
