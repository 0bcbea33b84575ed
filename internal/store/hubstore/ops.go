package hubstore

import (
	"context"
	"fmt"
)

// Backlog is what the hub has yet to deliver, for /metrics.
type Backlog struct {
	// Lag is how many change-feed events the furthest-behind active
	// subscription has still to receive (0 without subscriptions).
	Lag int64
	// DeadLetters are the batches given up on and not replayed.
	DeadLetters int64
}

// Backlog reads the hub's delivery backlog: three small reads (the feed's
// last position by its key, the subscriptions, the open dead letters), no
// scan of the feed.
func (db *DB) Backlog(ctx context.Context) (Backlog, error) {
	var b Backlog
	last, err := db.LastPos(ctx)
	if err != nil {
		return b, err
	}
	var behind *int64
	if err := db.r.QueryRowContext(ctx, `SELECT MIN(cursor) FROM hub_subscriptions WHERE active = 1`).Scan(&behind); err != nil {
		return b, fmt.Errorf("read subscriptions' positions: %w", db.norm(err))
	}
	if behind != nil && last > *behind {
		b.Lag = last - *behind
	}
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM hub_dead_letters WHERE replayed_at IS NULL`).Scan(&b.DeadLetters); err != nil {
		return b, fmt.Errorf("count dead letters: %w", db.norm(err))
	}
	return b, nil
}
