package georeport

import (
	"time"

	"cityloop/internal/casework"
)

// Extra is what an Open311 POST adds to its case.
type Extra struct {
	CaseID      string
	Token       string
	ServiceCode string
	MediaURL    string
	Attributes  map[string][]string
	AccountID   string
	CreatedAt   time.Time
}

// Key is an api_key; only its SHA-256 is stored.
type Key struct {
	Hash      []byte
	AccountID string
	Label     string
	Source    casework.Source // citizen or partner
	// Detail is the explicit right to read full descriptions, addresses
	// and staff notes in GET requests and updates; without it a key reads
	// the public view, as anyone does.
	Detail    bool
	CreatedBy string
	CreatedAt time.Time
	RevokedAt *time.Time
}

// Update is a service request update an Open311 client posted, as kept for
// idempotency: the client's update_id, per posting account, and what it
// became on the case's timeline (EventID empty while it is being applied).
type Update struct {
	AccountID string
	UpdateID  string
	CaseID    string
	EventID   string
	Action    casework.Action
	CreatedAt time.Time
}
