package share

import (
	"context"
	"encoding/json"
	"time"

	"cityloop/internal/casework"
)

// Update frequencies of a dataset.
const (
	Realtime = "realtime"
	Hourly   = "hourly"
	Daily    = "daily"
	Weekly   = "weekly"
	Monthly  = "monthly"
)

// ValidFrequency reports a known update frequency.
func ValidFrequency(f string) bool {
	switch f {
	case Realtime, Hourly, Daily, Weekly, Monthly:
		return true
	}
	return false
}

// Dataset is one entry of the catalogue.
type Dataset struct {
	Code        string          `json:"code"`
	Name        string          `json:"name"`
	Owner       string          `json:"owner"` // department code
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema"` // JSON Schema of one record or change
	Frequency   string          `json:"frequency"`
	Builtin     bool            `json:"builtin"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// Record is one record a partner publishes into a dataset.
type Record struct {
	Dataset     string          `json:"dataset"`
	Key         string          `json:"key"`
	Body        json.RawMessage `json:"body"`
	Publisher   string          `json:"publisher"`
	PublishedAt time.Time       `json:"published_at"`
}

// Change is one entry of the outbox. Pos is gap-free and increasing; a
// cursor is the last Pos a reader has seen.
type Change struct {
	Pos         int64
	EventID     string // idempotency key
	Dataset     string
	Kind        string // case.<action> | record.upsert
	CaseID      string
	Source      string
	Department  string
	ExternalRef string
	CheckResult bool // an on-site verify/check result (see Figures)
	ChangedAt   time.Time
	FedAt       time.Time
	Payload     json.RawMessage
}

// Subscription kinds.
const (
	KindWebhook = "webhook"
	KindHotline = "hotline" // the 12345 platform's callback (see package hotline)
)

// Subscription is a partner system's webhook.
type Subscription struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Department string    `json:"department"`
	Kind       string    `json:"kind"`
	URL        string    `json:"url"`
	Secret     string    `json:"-"`
	Datasets   []string  `json:"datasets"` // empty = every dataset
	Sources    []string  `json:"sources"`  // case sources; empty = all
	Actions    []string  `json:"actions"`  // case actions; empty = all
	MaxBatch   int       `json:"max_batch"`
	Active     bool      `json:"active"`
	Cursor     int64     `json:"cursor"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Wants reports whether the subscription takes the change.
func (s *Subscription) Wants(c *Change) bool {
	if len(s.Datasets) > 0 && !has(s.Datasets, c.Dataset) {
		return false
	}
	if len(s.Sources) > 0 && c.CaseID != "" && !has(s.Sources, c.Source) {
		return false
	}
	if len(s.Actions) > 0 && c.CaseID != "" && !has(s.Actions, actionOf(c.Kind)) {
		return false
	}
	return true
}

func actionOf(kind string) string {
	if len(kind) > 5 && kind[:5] == "case." {
		return kind[5:]
	}
	return kind
}

func has(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Delivery is one successful webhook call.
type Delivery struct {
	ID             string
	SubscriptionID string
	Department     string
	FirstPos       int64
	LastPos        int64
	Events         int
	Attempts       int
	HTTPStatus     int
	DelayP50       time.Duration // change → 2xx, median within the batch
	DelayMax       time.Duration
	Checks         int // check results of other departments' cases delivered
	DeliveredAt    time.Time
}

// DeadLetter is a batch that failed every attempt; an administrator can
// replay it.
type DeadLetter struct {
	ID             string     `json:"id"`
	SubscriptionID string     `json:"subscription_id"`
	FirstPos       int64      `json:"first_pos"`
	LastPos        int64      `json:"last_pos"`
	Events         int        `json:"events"`
	Attempts       int        `json:"attempts"`
	LastError      string     `json:"last_error"`
	CreatedAt      time.Time  `json:"created_at"`
	ReplayedAt     *time.Time `json:"replayed_at,omitempty"`
}

// DelayRow is one delivery's share in the delay figures.
type DelayRow struct {
	Department string
	Events     int
	DelayP50   time.Duration
	DelayMax   time.Duration
	Checks     int
}

// DelayMillis is d to the millisecond, rounded as the hub's figures round
// their seconds (to three decimals, so a figure of d in seconds is
// DelayMillis(d)/1000). Roll-ups of pruned deliveries keep median delays
// at this precision, which leaves every figure of whole hours as it was:
// the median only compares and picks, and rounding keeps the order.
func DelayMillis(d time.Duration) int64 { return int64(d.Seconds()*1000 + 0.5) }

// Store persists the catalogue, the records, the outbox, the subscriptions
// with their deliveries and dead letters, and the hub's small state.
type Store interface {
	// Catalogue.
	PutDataset(ctx context.Context, d Dataset) error
	FindDatasets(ctx context.Context) ([]Dataset, error)
	FindDatasetByCode(ctx context.Context, code string) (*Dataset, error)
	// PublishRecords upserts records and appends their changes to the outbox in one transaction.
	PublishRecords(ctx context.Context, recs []Record, changes []Change) error

	// Outbox.
	TimelineIDsAfter(ctx context.Context, after string, limit int) ([]string, error)
	// TimelineEvents returns the case events with these ids, in id order,
	// and their cases by id (heads: see the store's case reader).
	TimelineEvents(ctx context.Context, ids []string) ([]casework.Event, map[string]*casework.Case, error)
	// AppendChanges gives the changes whose EventID is new consecutive
	// positions and stores them with the feeder's watermark, in one transaction.
	AppendChanges(ctx context.Context, changes []Change, watermark string) (int, error)
	ChangesAfter(ctx context.Context, pos int64, limit int) ([]Change, error)
	ChangesBetween(ctx context.Context, first, last int64) ([]Change, error)
	LastPos(ctx context.Context) (int64, error)

	// Subscriptions.
	CreateSubscription(ctx context.Context, s *Subscription) error
	UpdateSubscription(ctx context.Context, s *Subscription) error
	FindSubscriptions(ctx context.Context) ([]*Subscription, error)
	FindSubscriptionByID(ctx context.Context, id string) (*Subscription, error)
	DeleteSubscription(ctx context.Context, id string) error
	// SaveProgress stores cursors and deliveries in one transaction.
	SaveProgress(ctx context.Context, cursors map[string]int64, deliveries []Delivery) error
	AddDeadLetter(ctx context.Context, d DeadLetter) error
	FindDeadLetters(ctx context.Context, subscriptionID string, includeReplayed bool) ([]DeadLetter, error)
	FindDeadLetterByID(ctx context.Context, id string) (*DeadLetter, error)
	MarkReplayed(ctx context.Context, id string, at time.Time) error

	// Figures. DelayRows streams the deliveries of [from, to), and the
	// hourly roll-ups of pruned deliveries whose hour starts in it.
	DelayRows(ctx context.Context, from, to time.Time, fn func(DelayRow) error) error

	// Records, the current state of partner datasets (for a re-sync).
	FindRecords(ctx context.Context, dataset, afterKey string, limit int) ([]Record, error)

	// Retention (see hub.Pruner); each call is one short transaction of at
	// most limit rows and returns how many rows it removed.
	PruneDeadLetters(ctx context.Context, replayedBefore, openBefore time.Time, limit int) (int, error)
	RollUpDeliveries(ctx context.Context, before time.Time, limit int) (int, error)
	PruneChanges(ctx context.Context, before time.Time, limit int) (int, error)
	// PrunedThrough is the newest position pruned from the outbox, 0 when
	// none: every change above it is kept, none at or below it.
	PrunedThrough(ctx context.Context) (int64, error)

	GetState(ctx context.Context, name string) (string, bool, error)
	SetState(ctx context.Context, name, value string) error
}
