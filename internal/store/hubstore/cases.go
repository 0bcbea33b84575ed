package hubstore

import (
	"context"
	"errors"
	"time"

	"cityloop/internal/casework"
)

// Cases is what the hub store reads of the cases, whose tables
// (cases, case_events) belong to sqlstore: the Open311 views, the feeder
// that copies timeline events into the outbox, and the hotline retention
// rule. *sqlstore.DB implements it; app wires it with [DB.SetCases]. A case
// here is a head (id, number, status, source, category, description,
// address, point, grid, street, district, departments, external ref,
// report, update and deadline times); its other fields are zero.
type Cases interface {
	// EventIDsAfter lists timeline event ids greater than after, in order.
	EventIDsAfter(ctx context.Context, after string, limit int) ([]string, error)
	// FindEventsWithCases returns the events with these ids, in id order,
	// and their cases by id.
	FindEventsWithCases(ctx context.Context, ids []string) ([]casework.Event, map[string]*casework.Case, error)
	// FindEventsBetween returns up to limit events of [from, to), in id
	// order, and their cases by id.
	FindEventsBetween(ctx context.Context, from, to time.Time, limit int) ([]casework.Event, map[string]*casework.Case, error)
	// FindCaseHeads returns the cases whose number or id is in codes,
	// newest report first, at most limit.
	FindCaseHeads(ctx context.Context, codes []string, limit int) ([]*casework.Case, error)
	// FindCaseHeadsReported returns the cases reported in [from, to),
	// newest first, at most limit, of these categories when any are given,
	// only open or only ended ones when open is set.
	FindCaseHeadsReported(ctx context.Context, from, to time.Time, categories []string, open *bool, limit int) ([]*casework.Case, error)
	// ReportPhotos returns the photos of each case's report event by case
	// id, leaving out cases whose report has none.
	ReportPhotos(ctx context.Context, caseIDs []string) (map[string][]string, error)
	// CaseCode returns the number of the case with id, or NotFound.
	CaseCode(ctx context.Context, id string) (string, error)
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
