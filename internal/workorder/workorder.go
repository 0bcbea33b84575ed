package workorder

import (
	"context"
	"encoding/json"
	"time"
)

// Order states on the hotline's side.
const (
	Received = "received" // 已受理: a case exists
	Replied  = "replied"  // 已回复: the result went back to the caller
	Closed   = "closed"   // 已归档: closed after the case closed
)

// Order is a work order with the hotline's own clocks.
type Order struct {
	OrderNo      string     `json:"order_no"`
	CaseID       string     `json:"case_id"`
	ReceivedAt   time.Time  `json:"received_at"`
	ContactDue   time.Time  `json:"contact_due_at"`
	ContactedAt  *time.Time `json:"contacted_at,omitempty"`
	ReplyDue     time.Time  `json:"reply_due_at"`
	RepliedAt    *time.Time `json:"replied_at,omitempty"`
	Reply        string     `json:"reply,omitempty"`
	CallbackAt   *time.Time `json:"callback_at,omitempty"`
	Satisfaction string     `json:"satisfaction,omitempty"`
	Status       string     `json:"status"`
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
	// Raw is the work order as it came, less the caller's personal data,
	// which is in Caller.
	Raw json.RawMessage `json:"-"`
	// Caller is who called and where from. The store seals it at rest,
	// like a case's reporter, and erases it with the same retention.
	Caller    Caller    `json:"-"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Caller is the personal data of a work order.
type Caller struct {
	Name    string `json:"caller_name,omitempty"`
	Phone   string `json:"caller_phone,omitempty"`
	Address string `json:"address,omitempty"`
}

// IsZero reports a caller with nothing kept (none given, or erased).
func (c Caller) IsZero() bool { return c == Caller{} }

// Store keeps orders and the hotline adapter's small state.
type Store interface {
	// CreateOrder stores a new order; Conflict when the number exists.
	CreateOrder(ctx context.Context, o Order) error
	FindOrder(ctx context.Context, orderNo string) (*Order, error)
	UpdateOrder(ctx context.Context, o Order) error
	DeleteOrder(ctx context.Context, orderNo string) error
	// HotlineSettings returns the saved settings (ok is false when none);
	// the store keeps the pull token sealed at rest and opens it here.
	HotlineSettings(ctx context.Context) (Settings, bool, error)
	SaveHotlineSettings(ctx context.Context, s Settings) error
	GetState(ctx context.Context, name string) (string, bool, error)
	SetState(ctx context.Context, name, value string) error
	// PurgeCallers erases the caller of every order whose case left the
	// loop before cutoff (the retention of reporters' contact details) and
	// returns how many it erased.
	PurgeCallers(ctx context.Context, cutoff time.Time) (int, error)
}

// Settings are the administrator's hotline settings, kept in the database.
type Settings struct {
	PullURL     string `json:"pull_url"`   // GET ?cursor=… → a batch of orders; empty = push only
	PullToken   string `json:"pull_token"` // sent as Authorization: Bearer; sealed at rest, shown masked
	PullEvery   string `json:"pull_every"` // Go duration, default 30s
	CallbackURL string `json:"callback_url"`
	// SubscriptionID is the hub subscription that carries changes back.
	SubscriptionID string  `json:"subscription_id,omitempty"`
	ContactDays    float64 `json:"contact_days"` // contact the caller within, working days (default 3)
	ReplyDays      float64 `json:"reply_days"`   // reply within, working days (default 5)
}
