package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
)

// CaseViews are the reads sqlstore offers the other stores on its
// database (hubstore's Open311 views, outbox feeder and hotline retention),
// so that none of them queries the case tables itself.
type CaseViews interface {
	EventIDsAfter(ctx context.Context, after string, limit int) ([]string, error)
	FindEventsWithCases(ctx context.Context, ids []string) ([]casework.Event, map[string]*casework.Case, error)
	FindEventsBetween(ctx context.Context, from, to time.Time, limit int) ([]casework.Event, map[string]*casework.Case, error)
	FindCaseHeads(ctx context.Context, codes []string, limit int) ([]*casework.Case, error)
	FindCaseHeadsReported(ctx context.Context, from, to time.Time, categories []string, open *bool, limit int) ([]*casework.Case, error)
	ReportPhotos(ctx context.Context, caseIDs []string) (map[string][]string, error)
	CaseCode(ctx context.Context, id string) (string, error)
	EndedBefore(ctx context.Context, ids []string, cutoff time.Time) ([]string, error)
}

func sorted(ids ...string) []string {
	slices.Sort(ids)
	return ids
}

// head is the part of c the case views read; the rest stays zero.
func head(c *casework.Case) *casework.Case {
	return &casework.Case{ID: c.ID, Code: c.Code, Status: c.Status, Source: c.Source, Category: c.Category,
		Description: c.Description, Address: c.Address, Point: c.Point, Grid: c.Grid, Street: c.Street, District: c.District,
		Department: c.Department, Suggested: c.Suggested, ExternalRef: c.ExternalRef,
		ReportedAt: c.ReportedAt, UpdatedAt: c.UpdatedAt, CaseDue: c.CaseDue}
}

func testCaseViews(t *testing.T, s Store) {
	ctx := context.Background()
	// Event ids are UUIDv7 made when the events are stored, and the update
	// window trusts them to within a minute of the event times: the events
	// happen about now. a's events are at now-40s and now+20s.
	now := time.Now().UTC().Truncate(time.Microsecond)
	a := newCase(now.Add(-40 * time.Second))
	evA := mustCreate(t, s, a, 2) // the report event has photo aa11
	b := newCase(now.Add(-20 * time.Second))
	b.Category, b.Status, b.ClosureKind = ptr(catManhole), casework.StatusClosed, "normal"
	b.StageDue, b.StageWarn, b.ClosedAt = nil, nil, ptr(b.ReportedAt.Add(time.Minute))
	evB := newEvents(b, 1)
	evB[0].Photos = nil
	if err := s.CreateCase(ctx, b, evB); err != nil {
		t.Fatal(err)
	}
	all := []string{evA[0].ID, evA[1].ID, evB[0].ID}
	slices.Sort(all)

	ids, err := s.EventIDsAfter(ctx, "", 10)
	if err != nil || !slices.Equal(ids, all) {
		t.Errorf("EventIDsAfter(\"\") = %v, %v; want %v", ids, err, all)
	}
	if ids, err := s.EventIDsAfter(ctx, all[0], 1); err != nil || !slices.Equal(ids, all[1:2]) {
		t.Errorf("EventIDsAfter(first, 1) = %v, %v; want %v", ids, err, all[1:2])
	}

	wantEvents := map[string]casework.Event{evA[0].ID: evA[0], evA[1].ID: evA[1], evB[0].ID: evB[0]}
	wantHeads := map[string]*casework.Case{a.ID: head(a), b.ID: head(b)}
	check := func(what string, events []casework.Event, heads map[string]*casework.Case, err error, want []string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		var got []string
		for _, e := range events {
			got = append(got, e.ID)
			if d := cmp.Diff(wantEvents[e.ID], e); d != "" {
				t.Errorf("%s: event %s (-stored +read):\n%s", what, e.ID, d)
			}
			if d := cmp.Diff(wantHeads[e.CaseID], heads[e.CaseID]); d != "" {
				t.Errorf("%s: case %s (-head +read):\n%s", what, e.CaseID, d)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: events %v, want %v", what, got, want)
		}
	}
	events, heads, err := s.FindEventsWithCases(ctx, []string{all[2], all[0], "no-such-event"})
	check("FindEventsWithCases", events, heads, err, []string{all[0], all[2]})
	events, heads, err = s.FindEventsBetween(ctx, now.Add(-10*time.Minute), now.Add(10*time.Minute), 10)
	check("FindEventsBetween", events, heads, err, all)
	events, heads, err = s.FindEventsBetween(ctx, b.ReportedAt, now.Add(10*time.Minute), 10)
	check("FindEventsBetween from b's report", events, heads, err, sorted(evA[1].ID, evB[0].ID))
	events, heads, err = s.FindEventsBetween(ctx, now.Add(-10*time.Minute), b.ReportedAt, 10)
	check("FindEventsBetween until b's report", events, heads, err, []string{evA[0].ID})

	heads2 := func(what string, got []*casework.Case, err error, want ...*casework.Case) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		var hs []*casework.Case
		for _, c := range want {
			hs = append(hs, head(c))
		}
		if d := cmp.Diff(hs, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", what, d)
		}
	}
	got, err := s.FindCaseHeads(ctx, []string{a.Code, b.ID, "no-such-case"}, 10)
	heads2("FindCaseHeads", got, err, b, a)
	got, err = s.FindCaseHeads(ctx, []string{a.Code, b.ID}, 1)
	heads2("FindCaseHeads limit 1", got, err, b)
	from, to := now.Add(-time.Hour), now.Add(time.Hour)
	got, err = s.FindCaseHeadsReported(ctx, from, to, nil, nil, 10)
	heads2("FindCaseHeadsReported", got, err, b, a)
	got, err = s.FindCaseHeadsReported(ctx, from, to, []string{catParking.String(), catOther.String()}, nil, 10)
	heads2("FindCaseHeadsReported parking", got, err, a)
	got, err = s.FindCaseHeadsReported(ctx, from, to, nil, ptr(true), 10)
	heads2("FindCaseHeadsReported open", got, err, a)
	got, err = s.FindCaseHeadsReported(ctx, from, to, nil, ptr(false), 10)
	heads2("FindCaseHeadsReported ended", got, err, b)
	got, err = s.FindCaseHeadsReported(ctx, from, b.ReportedAt, nil, nil, 10)
	heads2("FindCaseHeadsReported before b", got, err, a)

	photos, err := s.ReportPhotos(ctx, []string{a.ID, b.ID, "no-such-case"})
	if d := cmp.Diff(map[string][]string{a.ID: {"aa11"}}, photos); err != nil || d != "" {
		t.Errorf("ReportPhotos: %v (-want +got):\n%s", err, d)
	}

	if code, err := s.CaseCode(ctx, b.ID); err != nil || code != b.Code {
		t.Errorf("CaseCode = %q, %v; want %q", code, err, b.Code)
	}
	_, err = s.CaseCode(ctx, "no-such-case")
	wantKind(t, "CaseCode of an unknown case", err, errs.KindNotFound)

	if ended, err := s.EndedBefore(ctx, []string{a.ID, b.ID}, b.UpdatedAt.Add(time.Microsecond)); err != nil || !slices.Equal(ended, []string{b.ID}) {
		t.Errorf("EndedBefore after b's update = %v, %v; want [%s]", ended, err, b.ID)
	}
	if ended, err := s.EndedBefore(ctx, []string{a.ID, b.ID}, b.UpdatedAt); err != nil || len(ended) != 0 {
		t.Errorf("EndedBefore b's update = %v, %v; want none", ended, err)
	}
}
