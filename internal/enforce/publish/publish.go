package publish

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"cityloop/internal/enforce"
	"cityloop/internal/hub"
	"cityloop/internal/jobs"
	"cityloop/internal/share"
)

// Dataset is the hub's built-in dataset of published decisions.
const Dataset = "enforcement_disclosures"

// Publisher is the owner of the hub's enforcement_disclosures dataset
// ("enforcement" department in hub.Builtins).
const Publisher = "enforcement"

// Hub is what the feed needs of the hub's store: upsert records with their
// changes, and delete records with theirs (hubstore.DB does both).
type Hub interface {
	PublishRecords(ctx context.Context, recs []share.Record, changes []share.Change) error
	DeleteRecords(ctx context.Context, dataset string, keys []string, changes []share.Change) error
}

// Runner publishes due decisions and feeds the hub.
type Runner struct {
	Store enforce.PublicationStore
	Hub   Hub // nil: publications are not fed (a node without the hub)
	Now   func() time.Time
	Log   *slog.Logger
	// Batch bounds the publications fed per read; default 200.
	Batch int
}

// Result is what one run did.
type Result struct {
	enforce.Released
	Upserted int `json:"upserted"`
	Deleted  int `json:"deleted"`
}

// Job runs the publication every interval on the jobs runner.
func (r *Runner) Job(every time.Duration) jobs.Job {
	return jobs.Job{Name: "enforce-publication", Schedule: jobs.Every(every), Timeout: 5 * time.Minute,
		Run: func(ctx context.Context) error { _, err := r.Run(ctx); return err }}
}

// Run publishes what is due, flags what is late and feeds the hub.
func (r *Runner) Run(ctx context.Context) (Result, error) {
	var out Result
	rel, err := r.Store.ReleaseDue(ctx, r.Now().UTC())
	if err != nil {
		return out, err
	}
	out.Released = rel
	if r.Log != nil && (rel.Late > 0 || rel.Overdue > 0) {
		// 第四十八条's deadline was missed: the figures show it, the log says it.
		r.Log.Warn("penalty decisions published late", "published_late", rel.Late, "pending_overdue", rel.Overdue)
	}
	if r.Hub == nil {
		return out, nil
	}
	batch := r.Batch
	if batch <= 0 {
		batch = 200
	}
	for {
		list, err := r.Store.Unfed(ctx, batch)
		if err != nil {
			return out, err
		}
		for _, p := range list {
			if err := r.feed(ctx, p); err != nil {
				return out, err
			}
			if p.State == enforce.PubWithdrawn {
				out.Deleted++
			} else {
				out.Upserted++
			}
		}
		if len(list) < batch {
			return out, nil
		}
	}
}

// Record is the hub record of a publication: the public disclosure and
// the state it is in.
type Record struct {
	enforce.Disclosure
	State enforce.PubState `json:"state"`
	Late  bool             `json:"late"`
}

// Key is the record's key in the dataset: the decision number (决定书文号).
func Key(p enforce.Publication) string {
	if p.Number != "" {
		return p.Number
	}
	return p.Code
}

func (r *Runner) feed(ctx context.Context, p enforce.Publication) error {
	id := uuid.Must(uuid.NewV7()).String()
	key := Key(p)
	switch p.State {
	case enforce.PubPublished:
		d := p.Disclosure
		d.DueAt, d.ReleaseAt = time.Time{}, time.Time{}
		body, err := json.Marshal(Record{Disclosure: d, State: p.State, Late: p.Late})
		if err != nil {
			return fmt.Errorf("encode publication %s: %w", key, err)
		}
		rec := share.Record{Dataset: Dataset, Key: key, Body: body, Publisher: Publisher, PublishedAt: p.PublishedAt.UTC()}
		c, err := hub.RecordChange(id, rec)
		if err != nil {
			return err
		}
		if err := r.Hub.PublishRecords(ctx, []share.Record{rec}, []share.Change{c}); err != nil {
			return fmt.Errorf("feed publication %s to the hub: %w", key, err)
		}
	case enforce.PubWithdrawn:
		at := r.Now().UTC()
		detail := map[string]any{"state": p.State}
		if w := p.Withdrawn; w != nil {
			at = w.At
			detail["kind"], detail["withdrawn_at"] = w.Kind, w.At
		}
		c, err := hub.RecordDeleteChange(id, Dataset, key, Publisher, at, detail)
		if err != nil {
			return err
		}
		if err := r.Hub.DeleteRecords(ctx, Dataset, []string{key}, []share.Change{c}); err != nil {
			return fmt.Errorf("feed the withdrawal of %s to the hub: %w", key, err)
		}
	default:
		return fmt.Errorf("publication %s is %s: nothing to feed", key, p.State)
	}
	return r.Store.MarkFed(ctx, p.CaseID, p.State)
}
