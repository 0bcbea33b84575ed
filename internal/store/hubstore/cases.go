package hubstore

import (
	"context"
	"errors"
	"time"

	"cityloop/internal/casework"
)

// Cases is what the hub store reads of the cases, whose tables
// (cases, case_events) belong to sqlstore: the feeder that copies timeline
// events into the outbox, and the hotline retention rule. *sqlstore.DB
// implements it; app wires it with [DB.SetCases]. A case here is a head
// (id, number, status, source, category, description, address, point,
// grid, street, district, departments, external ref, report, update and
// deadline times); its other fields are zero.
type Cases interface {
	// EventIDsAfter lists timeline event ids greater than after, in order.
	EventIDsAfter(ctx context.Context, after string, limit int) ([]string, error)
	// FindEventsWithCases returns the events with these ids, in id order,
	// and their cases by id.
	FindEventsWithCases(ctx context.Context, ids []string) ([]casework.Event, map[string]*casework.Case, error)
	// EndedBefore returns those of ids whose case is not open and was last
	// changed before cutoff.
	EndedBefore(ctx context.Context, ids []string, cutoff time.Time) ([]string, error)
}

// SetCases gives the store its reader of the cases; set once before use.
func (db *DB) SetCases(c Cases) { db.cases = c }

// errNoCases: the store was opened for its own tables only (as the
// maintenance commands do) and asked about cases.
var errNoCases = errors.New("the hub store has no case reader: SetCases was not called")

// caseReader is the wired [Cases], or errNoCases.
func (db *DB) caseReader() (Cases, error) {
	if db.cases == nil {
		return nil, errNoCases
	}
	return db.cases, nil
}
