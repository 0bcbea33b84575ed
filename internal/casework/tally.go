package casework

import (
	"context"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/org"
)

// TallyQuery asks the store to count, in one pass over the cases that match
// Filter, how many satisfy each of Sets, optionally per unit (GroupBy). It
// is what the indicators (package kpi) are computed from; Filter's paging,
// light and sort fields are ignored.
type TallyQuery struct {
	Filter Filter
	Sets   []Predicate
	// GroupBy is "" (one row for all), "district", "street", "community",
	// "grid" or "department".
	GroupBy string
}

// TallyGroups are the columns a tally may be grouped by.
var TallyGroups = []string{"district", "street", "community", "grid", "department", TallyByReporter}

// TallyByReporter groups a tally by the reporting account (a supervisor's
// post figures); with Filter.ReporterIDs, only those accounts' rows.
const TallyByReporter = "reporter_id"

// TallyRow is one unit's counts: Counts[i] cases satisfy Sets[i]. Response
// is the sum, over the dispatched cases, of the time from report to
// dispatch (响应时间), in whole seconds per case; Dispatched counts them.
type TallyRow struct {
	Key        string
	Counts     []int
	Response   time.Duration
	Dispatched int
}

// TallyStore is the store's aggregate query for the indicators; a [Store]
// may offer it.
type TallyStore interface {
	TallyCases(ctx context.Context, q TallyQuery) ([]TallyRow, error)
}

// Tally counts inside the actor's jurisdiction (q.Filter.Scope is replaced
// by it), exactly as [Service.FindCases] with the same filter and a set's
// predicate in Filter.Is would total. It is NotFound when the store has no
// aggregate query.
func (s *Service) Tally(ctx context.Context, actor org.Actor, q TallyQuery) ([]TallyRow, error) {
	st, ok := s.Store.(TallyStore)
	if !ok {
		return nil, errs.NotFound("indicators are not available on this node")
	}
	q.Filter.Scope = s.ScopeOf(actor)
	return st.TallyCases(ctx, q)
}

// Sees reports whether the actor's jurisdiction covers the whole of a
// region (level and code) or, with level 0 and a department code, a whole
// department: a figure for a unit the caller sees only part of would be
// mistaken for the unit's own, so the channels refuse it (403) rather than
// answer it on a part. within tells whether a region lies inside another
// (org.Atlas.Within).
func (s *Scope) Sees(level org.Level, code string, within func(descendant, ancestor string) bool) bool {
	if s == nil || s.All {
		return true
	}
	if level == 0 {
		for _, d := range s.Departments {
			if d == code {
				return true
			}
		}
		return false
	}
	for _, r := range s.Regions {
		if r.Department == "" && within(code, r.Code) {
			return true
		}
	}
	return false
}
