package storetest

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/org"
)

var codePattern = regexp.MustCompile(`^\d{4}\d{7}$`)

func testCaseRoundTrip(t *testing.T, s Store) {
	ctx := context.Background()

	t.Run("every field", func(t *testing.T) {
		c := newCase(t0)
		evs := mustCreate(t, s, c, 3)
		if c.Version != 1 || !codePattern.MatchString(c.Code) || c.Code[:4] != "2026" {
			t.Fatalf("after CreateCase: code %q version %d, want 2026nnnnnnn and 1", c.Code, c.Version)
		}
		for i, e := range evs {
			if e.Seq != i+1 || e.ID == "" || e.CaseID != c.ID {
				t.Fatalf("event %d after CreateCase: seq %d id %q case %q", i, e.Seq, e.ID, e.CaseID)
			}
		}
		got, err := s.FindCaseByID(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(c, got); d != "" {
			t.Errorf("FindCaseByID (-stored +found):\n%s", d)
		}
		tl, err := s.Timeline(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(evs, tl); d != "" {
			t.Errorf("Timeline (-stored +found):\n%s", d)
		}
	})

	t.Run("zero values stay zero", func(t *testing.T) {
		c := &casework.Case{ID: newID("case"), Status: casework.StatusPendingAccept, Source: casework.SourceCitizen,
			ReportedAt: t0, UpdatedAt: t0}
		if err := s.CreateCase(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
		got, err := s.FindCaseByID(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(c, got); d != "" {
			t.Errorf("FindCaseByID (-stored +found):\n%s", d)
		}
		tl, err := s.Timeline(ctx, c.ID)
		if err != nil || len(tl) != 0 {
			t.Errorf("Timeline of a case without events = %v, %v; want empty", tl, err)
		}
	})

	t.Run("update round trip", func(t *testing.T) {
		c := newCase(t0)
		mustCreate(t, s, c, 1)
		next := *c
		next.Status, next.Department, next.Overdue, next.ClosedLate = casework.StatusClosed, "dept-water", true, true
		next.Category, next.Pending, next.StageClock, next.StageDue, next.StageWarn = nil, nil, nil, nil, nil
		next.ClosedAt, next.ClosureKind, next.AfterPhotos = ptr(t0.Add(48*time.Hour)), "late", []string{"cc33"}
		next.UpdatedAt = t0.Add(48 * time.Hour)
		if err := s.UpdateCase(ctx, &next, c.Version, []casework.Event{{Action: casework.ActClose,
			From: c.Status, To: next.Status, Actor: "acc-leader", Post: org.PostLeader, At: next.UpdatedAt}}); err != nil {
			t.Fatal(err)
		}
		if next.Version != 2 {
			t.Fatalf("version after update = %d, want 2", next.Version)
		}
		got, err := s.FindCaseByID(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(&next, got); d != "" {
			t.Errorf("FindCaseByID after update (-stored +found):\n%s", d)
		}
		tl, err := s.Timeline(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(tl) != 2 || tl[1].Seq != 2 || tl[1].Action != casework.ActClose {
			t.Errorf("timeline after update = %+v, want the close event as seq 2", tl)
		}
	})

	t.Run("missing case", func(t *testing.T) {
		_, err := s.FindCaseByID(ctx, "no-such-case")
		wantKind(t, "FindCaseByID(missing)", err, errs.KindNotFound)
	})

	t.Run("duplicate id", func(t *testing.T) {
		c := newCase(t0)
		mustCreate(t, s, c, 1)
		dup := newCase(t0)
		dup.ID = c.ID
		err := s.CreateCase(ctx, dup, newEvents(dup, 1))
		wantKind(t, "CreateCase(duplicate id)", err, errs.KindConflict)
	})
}

func testCodeSequence(t *testing.T, s Store) {
	ctx := context.Background()
	const n = 50
	codes := make([]string, n)
	errc := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newCase(t0.Add(time.Duration(i) * time.Second))
			errc[i] = s.CreateCase(ctx, c, newEvents(c, 2))
			codes[i] = c.Code
		}()
	}
	wg.Wait()
	for i, err := range errc {
		if err != nil {
			t.Fatalf("CreateCase %d: %v", i, err)
		}
	}
	slices.Sort(codes)
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprintf("2026%07d", i+1)
	}
	if d := cmp.Diff(want, codes); d != "" {
		t.Errorf("codes of %d concurrent cases (-want +got):\n%s", n, d)
	}

	// The year is the report's, in the time zone it was given in: 00:30 on
	// 1 January 2027 in the city is still 2026 in UTC.
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2025, 6, 1, 12, 0, 0, 0, cst), "20250000001"},
		{time.Date(2027, 1, 1, 0, 30, 0, 0, cst), "20270000001"},
		{time.Date(2026, 12, 31, 23, 0, 0, 0, cst), fmt.Sprintf("2026%07d", n+1)},
	} {
		c := newCase(tc.at)
		mustCreate(t, s, c, 1)
		if c.Code != tc.want {
			t.Errorf("code of a case reported %s = %s, want %s", tc.at, c.Code, tc.want)
		}
	}
}

func testIntakeIsolation(t *testing.T, s Store) {
	ctx := context.Background()
	first := newCase(t0)
	mustCreate(t, s, first, 1)

	// Twenty reports at once, one of them reusing first's id: only that one
	// fails, and its case number goes to the next case (no gap).
	const n = 20
	cases := make([]*casework.Case, n)
	errc := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		cases[i] = newCase(t0.Add(time.Duration(i) * time.Second))
		if i == 7 {
			cases[i].ID = first.ID
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errc[i] = s.CreateCase(ctx, cases[i], newEvents(cases[i], 2))
		}()
	}
	wg.Wait()
	var codes []string
	for i, err := range errc {
		if i == 7 {
			wantKind(t, "CreateCase(duplicate id in a batch)", err, errs.KindConflict)
			continue
		}
		if err != nil {
			t.Fatalf("CreateCase %d: %v", i, err)
		}
		if _, err := s.FindCaseByID(ctx, cases[i].ID); err != nil {
			t.Errorf("case %d not stored: %v", i, err)
		}
		codes = append(codes, cases[i].Code)
	}
	slices.Sort(codes)
	var want []string
	for i := 2; i <= n; i++ {
		want = append(want, fmt.Sprintf("2026%07d", i))
	}
	if d := cmp.Diff(want, codes); d != "" {
		t.Errorf("codes (-want +got):\n%s", d)
	}
	tl, err := s.Timeline(ctx, first.ID)
	if err != nil || len(tl) != 1 {
		t.Errorf("timeline of the first case = %d events, %v; want 1: the failed item's events must not land", len(tl), err)
	}

	// A case whose own events clash is not stored at all.
	bad := newCase(t0)
	evs := newEvents(bad, 2)
	evs[1].ID = "dup-event"
	evs[0].ID = "dup-event"
	wantKind(t, "CreateCase(duplicate event ids)", s.CreateCase(ctx, bad, evs), errs.KindConflict)
	_, err = s.FindCaseByID(ctx, bad.ID)
	wantKind(t, "FindCaseByID(case whose events failed)", err, errs.KindNotFound)
}

func testUpdateConflict(t *testing.T, s Store) {
	ctx := context.Background()
	c := newCase(t0)
	mustCreate(t, s, c, 1)

	// Two people act on version 1 at the same moment.
	a, b := *c, *c
	a.Status, a.UpdatedAt = casework.StatusDispatched, t0.Add(time.Hour)
	b.Status, b.UpdatedAt = casework.StatusReturned, t0.Add(time.Hour)
	evA := casework.Event{ID: newID("ev-a"), Action: casework.ActDispatch, From: c.Status, To: a.Status, Actor: "acc-a", At: a.UpdatedAt}
	evB := casework.Event{ID: newID("ev-b"), Action: casework.ActReturn, From: c.Status, To: b.Status, Actor: "acc-b", At: b.UpdatedAt}
	var errA, errB error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); errA = s.UpdateCase(ctx, &a, 1, []casework.Event{evA}) }()
	go func() { defer wg.Done(); errB = s.UpdateCase(ctx, &b, 1, []casework.Event{evB}) }()
	wg.Wait()

	winner, winEv, loseEv, loseErr := &a, evA, evB, errB
	if errA != nil {
		winner, winEv, loseEv, loseErr = &b, evB, evA, errA
		if errB != nil {
			t.Fatalf("both updates failed: %v; %v", errA, errB)
		}
	}
	wantKind(t, "the losing UpdateCase", loseErr, errs.KindConflict)
	got, err := s.FindCaseByID(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.Status != winner.Status {
		t.Errorf("stored case: version %d status %s; want 2 and the winner's %s", got.Version, got.Status, winner.Status)
	}
	tl, err := s.Timeline(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var evIDs []string
	for _, e := range tl {
		evIDs = append(evIDs, e.ID)
	}
	if len(tl) != 2 || tl[1].ID != winEv.ID || tl[1].Seq != 2 || slices.Contains(evIDs, loseEv.ID) {
		t.Errorf("timeline = %v; want the first event then only the winner's %s", evIDs, winEv.ID)
	}

	// Updating from a stale version again, and updating a missing case.
	stale := *c
	wantKind(t, "UpdateCase(stale version)", s.UpdateCase(ctx, &stale, 1, nil), errs.KindConflict)
	missing := newCase(t0)
	wantKind(t, "UpdateCase(missing case)", s.UpdateCase(ctx, missing, 1, nil), errs.KindNotFound)
}

func testUpdateAtomic(t *testing.T, s Store) {
	ctx := context.Background()
	c := newCase(t0)
	evs := mustCreate(t, s, c, 2)

	next := *c
	next.Status, next.Urges = casework.StatusInDisposal, 9
	err := s.UpdateCase(ctx, &next, 1, []casework.Event{
		{ID: newID("ev"), Action: casework.ActUrge, To: next.Status, At: t0.Add(time.Hour)},
		{ID: evs[0].ID, Action: casework.ActUrge, To: next.Status, At: t0.Add(time.Hour)}, // already taken
	})
	wantKind(t, "UpdateCase(duplicate event id)", err, errs.KindConflict)
	got, err := s.FindCaseByID(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(c, got); d != "" {
		t.Errorf("the case changed although its event failed (-before +after):\n%s", d)
	}
	tl, err := s.Timeline(ctx, c.ID)
	if err != nil || len(tl) != 2 {
		t.Fatalf("timeline has %d events (%v), want the 2 from before", len(tl), err)
	}

	// The same transition with good events goes through.
	next = *c
	next.Status = casework.StatusInDisposal
	if err := s.UpdateCase(ctx, &next, 1, []casework.Event{{Action: casework.ActSign, To: next.Status, At: t0.Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	tl, err = s.Timeline(ctx, c.ID)
	if err != nil || len(tl) != 3 || tl[2].Seq != 3 {
		t.Fatalf("timeline after a good update: %d events (%v), want 3 with the new one as seq 3", len(tl), err)
	}
}

// findFixture stores six cases reported an hour apart (c[0] newest) across
// two districts, and returns them.
func findFixture(t *testing.T, s Store) []*casework.Case {
	t.Helper()
	type spec struct {
		district, street, community, grid string
		status                            casework.Status
		cat                               string
		source                            casework.Source
		dept                              string
		overdue                           bool
		due, warn                         *time.Duration // relative to t0; nil = no stage clock
	}
	d := func(x time.Duration) *time.Duration { return &x }
	specs := []spec{
		{"3301", "330101", "33010101", "g1", casework.StatusPendingDispatch, "event:0501", casework.SourcePatrol, "traffic", false, d(time.Hour), d(30 * time.Minute)}, // green
		{"3301", "330101", "33010101", "g2", casework.StatusInDisposal, "component:0101", casework.SourceCitizen, "water", false, d(time.Hour), d(-10 * time.Minute)},  // yellow
		{"3301", "330102", "33010201", "g3", casework.StatusInDisposal, "event:0501", casework.SourceHotline, "traffic", true, d(-time.Hour), d(-2 * time.Hour)},       // red
		{"3302", "330201", "33020101", "g4", casework.StatusClosed, "component:0101", casework.SourcePatrol, "water", false, nil, nil},                                 // none
		{"3302", "330201", "33020101", "g4", casework.StatusPendingAccept, "event:0501", casework.SourceCitizen, "", false, d(2 * time.Hour), d(time.Hour)},            // green
		{"3301", "330101", "33010101", "g1", casework.StatusDispatched, "event:0501", casework.SourcePatrol, "traffic", false, d(0), d(-30 * time.Minute)},             // yellow: due exactly now
	}
	out := make([]*casework.Case, len(specs))
	for i, sp := range specs {
		c := newCase(t0.Add(-time.Duration(i+1) * time.Hour))
		c.District, c.Street, c.Community, c.Grid = sp.district, sp.street, sp.community, sp.grid
		c.Status, c.Source, c.Department, c.Overdue = sp.status, sp.source, sp.dept, sp.overdue
		ref := mustRef(t, sp.cat)
		c.Category = &ref
		c.StageDue, c.StageWarn = nil, nil
		if sp.due != nil {
			c.StageDue, c.StageWarn = ptr(t0.Add(*sp.due)), ptr(t0.Add(*sp.warn))
		}
		mustCreate(t, s, c, 1)
		out[i] = c
	}
	return out
}

func testFindCases(t *testing.T, s Store) {
	ctx := context.Background()
	c := findFixture(t, s)
	id := func(is ...int) []string {
		out := []string{}
		for _, i := range is {
			out = append(out, c[i].ID)
		}
		return out
	}
	from, to := t0.Add(-3*time.Hour), t0.Add(-time.Hour)
	tests := []struct {
		name string
		f    casework.Filter
		want []string
	}{
		{"everything, newest first", casework.Filter{}, id(0, 1, 2, 3, 4, 5)},
		{"one status", casework.Filter{Statuses: []casework.Status{casework.StatusInDisposal}}, id(1, 2)},
		{"two statuses", casework.Filter{Statuses: []casework.Status{casework.StatusClosed, casework.StatusPendingAccept}}, id(3, 4)},
		{"category", casework.Filter{Category: ptr(catManhole)}, id(1, 3)},
		{"city", casework.Filter{RegionLevel: org.LevelCity, Region: "33"}, id(0, 1, 2, 3, 4, 5)},
		{"district", casework.Filter{RegionLevel: org.LevelDistrict, Region: "3301"}, id(0, 1, 2, 5)},
		{"street", casework.Filter{RegionLevel: org.LevelStreet, Region: "330101"}, id(0, 1, 5)},
		{"community", casework.Filter{RegionLevel: org.LevelCommunity, Region: "33020101"}, id(3, 4)},
		{"grid", casework.Filter{RegionLevel: org.LevelGrid, Region: "g1"}, id(0, 5)},
		{"source", casework.Filter{Source: casework.SourceCitizen}, id(1, 4)},
		{"department", casework.Filter{Department: "water"}, id(1, 3)},
		{"overdue", casework.Filter{Overdue: ptr(true)}, id(2)},
		{"not overdue", casework.Filter{Overdue: ptr(false)}, id(0, 1, 3, 4, 5)},
		{"reported in [from, to)", casework.Filter{From: &from, To: &to}, id(1, 2)},
		{"red", casework.Filter{Light: "red", Now: t0}, id(2)},
		{"yellow", casework.Filter{Light: "yellow", Now: t0}, id(1, 5)},
		{"green", casework.Filter{Light: "green", Now: t0}, id(0, 4)},
		{"green 59 minutes later", casework.Filter{Light: "green", Now: t0.Add(59 * time.Minute)}, id(4)},
		{"district, status and light", casework.Filter{RegionLevel: org.LevelDistrict, Region: "3301",
			Statuses: []casework.Status{casework.StatusInDisposal}, Light: "red", Now: t0}, id(2)},
		{"nothing matches", casework.Filter{Department: "nobody"}, id()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list, total, err := s.FindCases(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, ids(list)); d != "" {
				t.Errorf("ids (-want +got):\n%s", d)
			}
			if total != len(tc.want) {
				t.Errorf("total = %d, want %d", total, len(tc.want))
			}
		})
	}

	for _, tc := range []struct {
		name string
		f    casework.Filter
	}{
		{"unknown region level", casework.Filter{Region: "3301"}},
		{"unknown light", casework.Filter{Light: "blue", Now: t0}},
		{"light without now", casework.Filter{Light: "red"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := s.FindCases(ctx, tc.f)
			wantKind(t, "FindCases", err, errs.KindInvalid)
		})
	}

	t.Run("returned cases are whole", func(t *testing.T) {
		list, _, err := s.FindCases(ctx, casework.Filter{RegionLevel: org.LevelGrid, Region: "g3"})
		if err != nil || len(list) != 1 {
			t.Fatalf("FindCases = %d cases, %v", len(list), err)
		}
		if d := cmp.Diff(c[2], list[0]); d != "" {
			t.Errorf("listed case (-stored +listed):\n%s", d)
		}
	})
}

func testFindCasesPages(t *testing.T, s Store) {
	ctx := context.Background()
	const n = 520
	cases := make([]*casework.Case, n)
	for i := range cases {
		// Pairs share a report time, so the id breaks the tie.
		cases[i] = newCase(t0.Add(-time.Duration(i/2) * time.Minute))
		cases[i].Street = "330101"
		if i%10 == 0 {
			cases[i].Street = "330102"
		}
	}
	if err := s.BulkCreateCases(ctx, cases, nil); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := 0; i < n; i += 2 {
		// newer first; within a pair the larger id first
		a, b := cases[i].ID, cases[i+1].ID
		if a < b {
			a, b = b, a
		}
		want = append(want, a, b)
	}
	all, total, err := s.FindCases(ctx, casework.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if total != n || len(all) != 500 {
		t.Fatalf("Limit 1000: %d cases of %d; want the cap of 500 of %d", len(all), total, n)
	}
	if d := cmp.Diff(want[:500], ids(all)); d != "" {
		t.Errorf("order (-want +got):\n%s", d)
	}
	def, _, err := s.FindCases(ctx, casework.Filter{})
	if err != nil || len(def) != 50 {
		t.Errorf("default page: %d cases, %v; want 50", len(def), err)
	}

	f := casework.Filter{RegionLevel: org.LevelStreet, Region: "330101", Limit: 100}
	var paged []string
	for f.Offset = 0; ; f.Offset += f.Limit {
		page, total, err := s.FindCases(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if total != n-n/10 {
			t.Fatalf("offset %d: total %d, want %d", f.Offset, total, n-n/10)
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, ids(page)...)
	}
	var wantStreet []string
	for _, id := range want {
		if c := findByID(cases, id); c.Street == "330101" {
			wantStreet = append(wantStreet, id)
		}
	}
	if d := cmp.Diff(wantStreet, paged); d != "" {
		t.Errorf("pages of street 330101 (-want +got):\n%s", d)
	}
}

func findByID(list []*casework.Case, id string) *casework.Case {
	for _, c := range list {
		if c.ID == id {
			return c
		}
	}
	return nil
}

func testFindNearby(t *testing.T, s Store) {
	ctx := context.Background()
	here := newCase(t0).Point
	box := boxAround(here, 0.001)
	mk := func(cat string, dLng float64, reported time.Time, status casework.Status, closed *time.Time) *casework.Case {
		c := newCase(reported)
		ref := mustRef(t, cat)
		c.Category, c.Status, c.ClosedAt = &ref, status, closed
		c.Point.Lng += dLng
		mustCreate(t, s, c, 1)
		return c
	}
	openNear := mk("event:0501", 0.0001, t0.Add(-time.Hour), casework.StatusPendingDispatch, nil)
	openNear2 := mk("event:0501", -0.0002, t0.Add(-2*time.Hour), casework.StatusInDisposal, nil)
	mk("event:0501", 0, t0.Add(-100*time.Hour), casework.StatusPendingDispatch, nil) // too old
	mk("component:0101", 0, t0.Add(-time.Hour), casework.StatusPendingDispatch, nil) // other category
	mk("event:0501", 0.01, t0.Add(-time.Hour), casework.StatusPendingDispatch, nil)  // outside the box
	mk("event:0501", 0, t0.Add(-time.Hour), casework.StatusRejected, nil)            // ended, not closed
	closedNear := mk("event:0501", 0, t0.Add(-10*24*time.Hour), casework.StatusClosed, ptr(t0.Add(-24*time.Hour)))
	mk("event:0501", 0, t0.Add(-50*24*time.Hour), casework.StatusClosed, ptr(t0.Add(-40*24*time.Hour))) // closed too long ago
	self := mk("event:0501", 0, t0, casework.StatusPendingAccept, nil)

	tests := []struct {
		name string
		q    casework.NearbyQuery
		want []string
	}{
		{"open duplicates", casework.NearbyQuery{Category: catParking, Bounds: box, Since: t0.Add(-72 * time.Hour), Exclude: self.ID},
			[]string{openNear.ID, openNear2.ID}},
		{"open, limit 1", casework.NearbyQuery{Category: catParking, Bounds: box, Since: t0.Add(-72 * time.Hour), Exclude: self.ID, Limit: 1},
			[]string{openNear.ID}},
		{"open, not excluding", casework.NearbyQuery{Category: catParking, Bounds: box, Since: t0.Add(-72 * time.Hour)},
			[]string{self.ID, openNear.ID, openNear2.ID}},
		{"closed recurrences", casework.NearbyQuery{Category: catParking, Bounds: box, Closed: true, Since: t0.Add(-30 * 24 * time.Hour), Exclude: self.ID},
			[]string{closedNear.ID}},
		{"other category", casework.NearbyQuery{Category: catOther, Bounds: box, Since: t0.Add(-72 * time.Hour)}, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list, err := s.FindNearby(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, ids(list)); d != "" {
				t.Errorf("ids (-want +got):\n%s", d)
			}
		})
	}
}

func testFindDue(t *testing.T, s Store) {
	ctx := context.Background()
	mk := func(due *time.Duration, status casework.Status, overdue bool) *casework.Case {
		c := newCase(t0.Add(-24 * time.Hour))
		c.Status, c.Overdue, c.StageDue, c.StageWarn = status, overdue, nil, nil
		if due != nil {
			c.StageDue = ptr(t0.Add(*due))
		}
		mustCreate(t, s, c, 1)
		return c
	}
	h := func(n int) *time.Duration { d := time.Duration(n) * time.Hour; return &d }
	d2 := mk(h(-1), casework.StatusInDisposal, false)
	d1 := mk(h(-3), casework.StatusPendingDispatch, false)
	mk(h(-2), casework.StatusInDisposal, true) // already marked
	mk(h(-5), casework.StatusClosed, false)    // ended
	mk(h(1), casework.StatusInDisposal, false) // not yet due
	mk(nil, casework.StatusSuspended, false)   // clock stopped
	mk(h(0), casework.StatusInDisposal, false) // due exactly now: not yet overdue

	for _, tc := range []struct {
		limit int
		want  []string
	}{{10, []string{d1.ID, d2.ID}}, {1, []string{d1.ID}}} {
		list, err := s.FindDue(ctx, t0, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(tc.want, ids(list)); d != "" {
			t.Errorf("FindDue(limit %d) (-want +got):\n%s", tc.limit, d)
		}
	}
}

func testBulkCreate(t *testing.T, s Store) {
	ctx := context.Background()
	const n = 1234
	cases := make([]*casework.Case, n)
	events := make([][]casework.Event, n)
	for i := range cases {
		at := t0.Add(-time.Duration(i) * time.Minute)
		if i%5 == 0 {
			at = at.AddDate(-1, 0, 0)
		}
		cases[i] = newCase(at)
		if i%2 == 0 {
			events[i] = newEvents(cases[i], 3)
		}
	}
	if err := s.BulkCreateCases(ctx, cases, events); err != nil {
		t.Fatal(err)
	}
	perYear := map[string][]string{}
	for _, c := range cases {
		if c.Version != 1 || !codePattern.MatchString(c.Code) {
			t.Fatalf("case %s after bulk create: code %q version %d", c.ID, c.Code, c.Version)
		}
		perYear[c.Code[:4]] = append(perYear[c.Code[:4]], c.Code)
	}
	for year, codes := range perYear {
		slices.Sort(codes)
		for i, code := range codes {
			if want := fmt.Sprintf("%s%07d", year, i+1); code != want {
				t.Fatalf("codes of %s: #%d is %s, want %s", year, i, code, want)
			}
		}
	}
	if len(perYear["2025"]) != (n+4)/5 {
		t.Errorf("%d cases in 2025, want %d", len(perYear["2025"]), (n+4)/5)
	}
	if got, err := s.CountCases(ctx); err != nil || got != n {
		t.Errorf("CountCases = %d, %v; want %d", got, err, n)
	}
	for _, i := range []int{0, 1, 777, n - 1} {
		got, err := s.FindCaseByID(ctx, cases[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(cases[i], got); d != "" {
			t.Errorf("case %d (-stored +found):\n%s", i, d)
		}
		tl, err := s.Timeline(ctx, cases[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(events[i], tl, emptyEqual); d != "" {
			t.Errorf("timeline of case %d (-stored +found):\n%s", i, d)
		}
	}

	// CreateCase continues the year's sequence.
	c := newCase(t0)
	mustCreate(t, s, c, 1)
	if want := fmt.Sprintf("2026%07d", len(perYear["2026"])+1); c.Code != want {
		t.Errorf("next code after bulk = %s, want %s", c.Code, want)
	}

	// A bulk load that clashes stores nothing of its transaction.
	clash := []*casework.Case{newCase(t0), newCase(t0)}
	clash[1].ID = cases[3].ID
	wantKind(t, "BulkCreateCases(duplicate id)", s.BulkCreateCases(ctx, clash, nil), errs.KindConflict)
	if got, err := s.CountCases(ctx); err != nil || got != n+1 {
		t.Errorf("CountCases after a failed bulk load = %d, %v; want %d", got, err, n+1)
	}
	if err := s.BulkCreateCases(ctx, clash[:1], [][]casework.Event{}); err == nil {
		t.Error("BulkCreateCases with 1 case and 0 event lists succeeded")
	}
}
