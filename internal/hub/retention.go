package hub

import (
	"cityloop/internal/jobs"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/share"
)

// Retention says how long the hub keeps its history. It is kept in the
// database beside the hotline's settings (hub_state) and edited with
// PUT /api/v1/hub/retention; 0 means the default.
//
// What each table keeps, and why:
//   - hub_events (the outbox): a change goes once it is older than
//     ChangesDays AND every subscription's cursor has passed it AND no open
//     (unreplayed) dead letter of an existing subscription covers it. The
//     newest change always stays, since its position numbers the next one.
//     Only a prefix of positions is ever removed, so a pull cursor is either
//     whole or older than [share.Store.PrunedThrough], and then it is refused
//     (410), never answered with a gap.
//   - hub_dead_letters: an open one stays DeadLetterDays (it holds its
//     changes for a replay meanwhile); a replayed one is history and goes
//     ChangesDays after its replay.
//   - hub_deliveries: the rows stay DeliveriesDays, then are rolled up into
//     hub_delivery_hours (per hour, department and median delay to the
//     millisecond), which the figures read beside the rows and which stay.
//   - hub_records: the current record per key, not history; never pruned.
//   - hub_datasets, hub_subscriptions, hub_state: settings; never pruned.
type Retention struct {
	ChangesDays    int `json:"changes_days"`     // delivered changes; replayed dead letters after their replay
	DeliveriesDays int `json:"deliveries_days"`  // delivery rows before they are rolled up by the hour
	DeadLetterDays int `json:"dead_letter_days"` // dead letters never replayed
}

// Default retention.
const (
	DefaultChangesDays    = 90
	DefaultDeliveriesDays = 90
	DefaultDeadLetterDays = 365
	maxRetentionDays      = 3650
)

const stateRetention = "hub.retention"

func (r Retention) withDefaults() Retention {
	if r.ChangesDays <= 0 {
		r.ChangesDays = DefaultChangesDays
	}
	if r.DeliveriesDays <= 0 {
		r.DeliveriesDays = DefaultDeliveriesDays
	}
	if r.DeadLetterDays <= 0 {
		r.DeadLetterDays = DefaultDeadLetterDays
	}
	return r
}

// LoadRetention returns the stored retention with defaults filled in.
func LoadRetention(ctx context.Context, st share.Store) (Retention, error) {
	var r Retention
	raw, ok, err := st.GetState(ctx, stateRetention)
	if err != nil {
		return r, err
	}
	if ok {
		if err := json.Unmarshal([]byte(raw), &r); err != nil {
			return r, fmt.Errorf("read hub retention: %w", err)
		}
	}
	return r.withDefaults(), nil
}

// SaveRetention validates and stores the retention; it returns it with
// defaults filled in.
func SaveRetention(ctx context.Context, st share.Store, r Retention) (Retention, error) {
	bad := errs.Invalid("the hub retention is not valid")
	for name, v := range map[string]int{"changes_days": r.ChangesDays, "deliveries_days": r.DeliveriesDays, "dead_letter_days": r.DeadLetterDays} {
		if v < 0 || v > maxRetentionDays {
			bad.WithField(name, fmt.Sprintf("0 (the default) or 1 to %d days", maxRetentionDays))
		}
	}
	if len(bad.Fields) > 0 {
		return r, bad
	}
	r = r.withDefaults()
	b, err := json.Marshal(r)
	if err != nil {
		return r, fmt.Errorf("encode hub retention: %w", err)
	}
	if err := st.SetState(ctx, stateRetention, string(b)); err != nil {
		return r, err
	}
	return r, nil
}

// Pruned counts what one [Pruner.Prune] removed.
type Pruned struct {
	DeadLetters int   `json:"dead_letters"`
	Deliveries  int   `json:"deliveries"` // rolled up, then removed
	Changes     int   `json:"changes"`
	Through     int64 `json:"pruned_through"`
}

// Pruner applies the [Retention] in bounded batches, each its own short
// transaction with a pause after it, so it never holds a long transaction
// on PostgreSQL nor SQLite's single writer for long. The jobs runner runs
// it once an hour on one node (the "hub-retention" job); the store's
// statements are safe even if two ran at once.
type Pruner struct {
	Store share.Store
	Log   *slog.Logger
	Now   func() time.Time // default time.Now: the hub stamps its rows with the real clock
	Batch int              // rows per transaction; default 1000
	Pause time.Duration    // between batches; default 20 ms
}

func (p *Pruner) defaults() {
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Batch <= 0 {
		p.Batch = 1000
	}
	if p.Pause <= 0 {
		p.Pause = 20 * time.Millisecond
	}
	if p.Log == nil {
		p.Log = slog.Default()
	}
}

// Run prunes once and logs what went: the jobs runner's one-shot run of
// the hub's retention.
func (p *Pruner) Run(ctx context.Context) error {
	p.defaults()
	n, err := p.Prune(ctx)
	if err != nil {
		return fmt.Errorf("hub retention: %w", err)
	}
	if n.DeadLetters+n.Deliveries+n.Changes > 0 {
		p.Log.Info("hub: retention", "changes", n.Changes, "deliveries_rolled_up", n.Deliveries,
			"dead_letters", n.DeadLetters, "pruned_through", n.Through)
	}
	return nil
}

// Prune applies the retention once. Dead letters go first, so that one
// that expires releases its changes in the same pass.
func (p *Pruner) Prune(ctx context.Context) (Pruned, error) {
	p.defaults()
	var out Pruned
	r, err := LoadRetention(ctx, p.Store)
	if err != nil {
		return out, err
	}
	now := p.Now().UTC()
	days := func(n int) time.Time { return now.Add(-time.Duration(n) * 24 * time.Hour) }
	steps := []struct {
		count *int
		what  string
		step  func() (int, error)
	}{
		{&out.DeadLetters, "dead letters", func() (int, error) {
			return p.Store.PruneDeadLetters(ctx, days(r.ChangesDays), days(r.DeadLetterDays), p.Batch)
		}},
		// Whole hours, so every hour is either all rows or all roll-up.
		{&out.Deliveries, "deliveries", func() (int, error) {
			return p.Store.RollUpDeliveries(ctx, days(r.DeliveriesDays).Truncate(time.Hour), p.Batch)
		}},
		{&out.Changes, "changes", func() (int, error) {
			return p.Store.PruneChanges(ctx, days(r.ChangesDays), p.Batch)
		}},
	}
	for _, s := range steps {
		for {
			n, err := s.step()
			*s.count += n
			if err != nil {
				return out, fmt.Errorf("prune hub %s: %w", s.what, err)
			}
			if n < p.Batch {
				break
			}
			sleep(ctx, p.Pause)
			if err := ctx.Err(); err != nil {
				return out, err
			}
		}
	}
	out.Through, err = p.Store.PrunedThrough(ctx)
	return out, err
}

// Job is the hourly retention as the jobs runner runs it.
func (p *Pruner) Job() jobs.Job {
	return jobs.Job{Name: "hub-retention", Schedule: jobs.Every(time.Hour), Timeout: 30 * time.Minute, Run: p.Run}
}
