package casework

import (
	"context"
	"fmt"

	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/pii"
)

// The read methods below are the only way the channels (api, web, open311)
// read cases: each takes the actor and applies its jurisdiction
// ([Service.ScopeOf]), so no handler has to remember to. A case outside the
// jurisdiction is NotFound, exactly like one that does not exist.

// FindCase returns the case with id if the actor may see it.
func (s *Service) FindCase(ctx context.Context, actor org.Actor, id string) (*Case, error) {
	return s.Store.FindCaseByIDIn(ctx, id, s.ScopeOf(actor))
}

// FindCaseByCode returns the case with a human case number if the actor
// may see it.
func (s *Service) FindCaseByCode(ctx context.Context, actor org.Actor, code string) (*Case, error) {
	c, err := s.Store.FindCaseByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	if !s.ScopeOf(actor).Allows(c) {
		return nil, errs.NotFound("case %s does not exist", code)
	}
	return c, nil
}

// FindCases lists the cases matching f inside the actor's jurisdiction;
// f.Scope is replaced by it. The total counts every match, not just the page.
func (s *Service) FindCases(ctx context.Context, actor org.Actor, f Filter) ([]*Case, int, error) {
	f.Scope = s.ScopeOf(actor)
	// A search by phone finds whose number it is: only the posts that see
	// reporters' phones anyway may search by one.
	f.TextPhone = f.Text != "" && SeesContact(actor)
	return s.Store.FindCases(ctx, f)
}

// Timeline returns the events of case id, oldest first, if the actor may
// see the case.
func (s *Service) Timeline(ctx context.Context, actor org.Actor, id string) ([]Event, error) {
	_, tl, err := s.FindCaseWithTimeline(ctx, actor, id)
	return tl, err
}

// FindCaseWithTimeline is [Service.FindCase] and [Service.Timeline] with
// one jurisdiction check, for the pages that show a case with its history.
func (s *Service) FindCaseWithTimeline(ctx context.Context, actor org.Actor, id string) (*Case, []Event, error) {
	c, err := s.FindCase(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	tl, err := s.Store.Timeline(ctx, c.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("read timeline of %s: %w", c.Code, err)
	}
	return c, tl, nil
}

// FindPublicCases lists the cases matching f across the whole city, for
// the public pages (the citizens' map), which show them only as package
// disclose allows: rounded points, no personal data. f.Scope is ignored.
func (s *Service) FindPublicCases(ctx context.Context, f Filter) ([]*Case, int, error) {
	f.Scope, f.TextPhone = nil, false
	return s.Store.FindCases(ctx, f)
}

// FindOwnCaseByRef returns the case the actor itself reported with a
// channel's own id (the field app's offline report id), whatever the
// jurisdiction: a reporter always finds its own report, so a replayed
// upload is answered with the case made the first time. It is NotFound
// when there is none.
func (s *Service) FindOwnCaseByRef(ctx context.Context, actor org.Actor, ref string) (*Case, error) {
	if actor.ID == "" || ref == "" {
		return nil, errs.NotFound("no case with reference %q", ref)
	}
	items, _, err := s.Store.FindCases(ctx, Filter{ExternalRef: ref, ReporterID: actor.ID, Now: s.Now(), Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, errs.NotFound("no case with reference %q", ref)
	}
	return items[0], nil
}

// Duplicates lists the open cases that may be the same problem as c (the
// same sub-class, within its radius and time window), nearest first,
// among those the actor may see. It is the search intake runs.
func (s *Service) Duplicates(ctx context.Context, actor org.Actor, c *Case) ([]Duplicate, error) {
	return s.duplicates(ctx, c, s.ScopeOf(actor))
}

// StatsStore is the store's aggregate query for the overview charts; a
// [Store] may offer it.
type StatsStore interface {
	CaseStats(ctx context.Context, q StatsQuery) (CaseStats, error)
}

// Stats computes the overview charts inside the actor's jurisdiction
// (q.Scope is replaced by it). It is NotFound when the store has no
// aggregate query.
func (s *Service) Stats(ctx context.Context, actor org.Actor, q StatsQuery) (CaseStats, error) {
	st, ok := s.Store.(StatsStore)
	if !ok {
		return CaseStats{}, errs.NotFound("statistics are not available on this node")
	}
	q.Scope = s.ScopeOf(actor)
	return st.CaseStats(ctx, q)
}

// TrackCase returns the case a tracking code names, outside any
// jurisdiction: a citizen's tracking page shows anyone its status. The
// rest of the case belongs to whoever holds its tracking key, which the
// caller checks before it shows more or calls [Service.TimelineWithKey] or
// [Service.ActWithKey].
func (s *Service) TrackCase(ctx context.Context, code string) (*Case, error) {
	return s.Store.FindCaseByCode(ctx, code)
}

// TimelineWithKey is Timeline for a caller whose right to this one case was
// proven another way (a citizen's tracking key), outside any jurisdiction.
func (s *Service) TimelineWithKey(ctx context.Context, id string) ([]Event, error) {
	return s.Store.Timeline(ctx, id)
}

// FindCasesByPhoneWithCode lists the cases reported from a phone, newest
// first, at most limit, for a caller who proved the phone another way (a
// one-time code the web checks), outside any jurisdiction.
func (s *Service) FindCasesByPhoneWithCode(ctx context.Context, phone string, limit int) ([]*Case, error) {
	return s.Store.FindCasesByPhone(ctx, phone, limit)
}

// SeesContact reports whether the actor needs a reporter's name and phone
// in clear: the operator calls back (回访) and the shift lead answers for
// the centre. Everyone else sees them masked.
func SeesContact(a org.Actor) bool {
	_, op := a.Grant(org.PostOperator)
	_, lead := a.Grant(org.PostShiftLead)
	return op || lead
}

// MaskContact masks c's reporter name and phone unless the actor
// [SeesContact], and reports whether it left contact details readable: the
// caller must then record the read on the audit trail before it shows them.
func MaskContact(a org.Actor, c *Case) (clear bool) {
	if SeesContact(a) {
		return c.Phone != "" || c.Reporter != ""
	}
	c.Phone = pii.MaskPhone(c.Phone)
	c.Reporter = pii.MaskName(c.Reporter)
	return false
}
