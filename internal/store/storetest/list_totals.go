package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// testListTotals checks a list's total against the cases themselves on
// random cases that are bulk-loaded, created one by one and then moved
// (status, overdue flag, region, department): a store may keep the totals
// at write time (sqlstore's case_tally) but must answer exactly what
// counting the matching cases answers, for every filter shape, including
// report-time ranges that start and end inside a day.
func testListTotals(t *testing.T, s Store) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(14, 1))
	statuses := []casework.Status{casework.StatusPendingAccept, casework.StatusInDisposal, casework.StatusClosed, casework.StatusVoided}
	sources := []casework.Source{casework.SourcePatrol, casework.SourceCitizen, casework.SourceHotline}
	cats := []catalog.Ref{catParking, catManhole, catOther}
	depts := []string{"traffic", "water", ""}
	place := func(c *casework.Case) {
		d := 1 + r.IntN(2)
		st := r.IntN(2)
		c.District = fmt.Sprintf("330%d", d)
		c.Street = fmt.Sprintf("%s0%d", c.District, st)
		c.Community = fmt.Sprintf("%s0%d", c.Street, r.IntN(2))
		c.Grid = c.Community + "g"
	}
	random := func(at time.Time) *casework.Case {
		c := newCase(at)
		c.Status = statuses[r.IntN(len(statuses))]
		c.Source = sources[r.IntN(len(sources))]
		c.Category = ptr(cats[r.IntN(len(cats))])
		c.Department = depts[r.IntN(len(depts))]
		c.Overdue = r.IntN(3) == 0
		c.ExternalRef = ""
		if r.IntN(4) == 0 { // no stage clock (closed, suspended)
			c.StageDue, c.StageWarn = nil, nil
		} else {
			due := at.Add(time.Duration(r.IntN(96)-48) * time.Hour)
			warn := due.Add(-time.Hour)
			c.StageDue, c.StageWarn = &due, &warn
		}
		place(c)
		return c
	}
	// Six days of cases, a few hours apart, across UTC midnights.
	start := t0.Add(-6 * 24 * time.Hour)
	var all []*casework.Case
	var bulk []*casework.Case
	for i := range 40 {
		bulk = append(bulk, random(start.Add(time.Duration(i)*97*time.Minute)))
	}
	if err := s.BulkCreateCases(ctx, bulk, nil); err != nil {
		t.Fatal(err)
	}
	all = append(all, bulk...)
	for i := range 20 {
		c := random(start.Add(time.Duration(i)*211*time.Minute + 13*time.Second))
		mustCreate(t, s, c, 1)
		all = append(all, c)
	}
	// Move a third of them.
	for _, c := range all {
		if r.IntN(3) != 0 {
			continue
		}
		found, err := s.FindCaseByID(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		prev := found.Version
		found.Status = statuses[r.IntN(len(statuses))]
		found.Overdue = !found.Overdue
		if r.IntN(2) == 0 {
			place(found)
		}
		found.Department = depts[r.IntN(len(depts))]
		found.Version++
		if err := s.UpdateCase(ctx, found, prev, nil); err != nil {
			t.Fatal(err)
		}
		*c = *found
	}

	at := func(h float64) *time.Time { return ptr(start.Add(time.Duration(h * float64(time.Hour)))) }
	filters := []casework.Filter{
		{},
		{Statuses: []casework.Status{casework.StatusClosed}},
		{Statuses: []casework.Status{casework.StatusPendingAccept, casework.StatusInDisposal}},
		{Overdue: ptr(true)},
		{Overdue: ptr(false), Statuses: []casework.Status{casework.StatusClosed}},
		{RegionLevel: org.LevelDistrict, Region: "3301"},
		{RegionLevel: org.LevelDistrict, Region: "3302", Overdue: ptr(true)},
		{RegionLevel: org.LevelStreet, Region: "330101", Statuses: []casework.Status{casework.StatusInDisposal}},
		{RegionLevel: org.LevelCommunity, Region: "33010100"},
		{RegionLevel: org.LevelCity, Region: "33"},
		{Department: "water"},
		{Department: "traffic", Statuses: []casework.Status{casework.StatusClosed, casework.StatusVoided}},
		{Category: ptr(catManhole)},
		{Source: casework.SourceHotline, Overdue: ptr(false)},
		{Source: casework.SourceCitizen, Department: "water"},
		{From: at(30)},
		{To: at(50.5)},
		{From: at(7.25), To: at(100.75)},
		{From: at(24), To: at(72), Statuses: []casework.Status{casework.StatusClosed}},
		{From: at(3), To: at(9)},
		{From: at(20), To: at(140), Overdue: ptr(true)},
		{From: at(20), To: at(140), Department: "water"},
		{Scope: &casework.Scope{Regions: []casework.RegionScope{{Level: org.LevelStreet, Code: "330201"}}}},
		{Scope: &casework.Scope{Departments: []string{"traffic"}}, Statuses: []casework.Status{casework.StatusInDisposal}},
		{Scope: &casework.Scope{Departments: []string{"traffic"}}, Department: "water"},
		{Scope: &casework.Scope{Regions: []casework.RegionScope{{Level: org.LevelDistrict, Code: "3301"}}}, RegionLevel: org.LevelDistrict, Region: "3301"},
		{Scope: &casework.Scope{All: true}, Source: casework.SourcePatrol},
		// Several statuses inside one dimension and a scope: PostgreSQL
		// reads them as one LATERAL range per status (splitLateral).
		{RegionLevel: org.LevelStreet, Region: "330201", Statuses: []casework.Status{casework.StatusPendingAccept, casework.StatusClosed, casework.StatusVoided}, Overdue: ptr(false)},
		{Scope: &casework.Scope{Regions: []casework.RegionScope{{Level: org.LevelDistrict, Code: "3302"}}}, Source: casework.SourceCitizen, Statuses: []casework.Status{casework.StatusInDisposal, casework.StatusClosed}},
		{Light: "red", Now: t0.Add(-72 * time.Hour)},
		{Light: "yellow", Now: t0.Add(-72 * time.Hour)},
		{Light: "green", Now: t0.Add(-72 * time.Hour)},
		{Light: "red", Now: t0.Add(-72 * time.Hour), Statuses: []casework.Status{casework.StatusPendingAccept, casework.StatusInDisposal}, RegionLevel: org.LevelStreet, Region: "330101"},
		{Light: "green", Now: t0.Add(-72 * time.Hour), Scope: &casework.Scope{Departments: []string{"water"}}},
	}
	for i, f := range filters {
		var want []string
		sorted := slices.Clone(all)
		slices.SortFunc(sorted, func(a, b *casework.Case) int {
			if c := b.ReportedAt.Compare(a.ReportedAt); c != 0 {
				return c
			}
			return strings.Compare(b.ID, a.ID)
		})
		for _, c := range sorted {
			if matches(c, f) {
				want = append(want, c.ID)
			}
		}
		_, got, err := s.FindCases(ctx, f)
		if err != nil {
			t.Fatalf("filter %d %+v: %v", i, f, err)
		}
		if got != len(want) {
			t.Errorf("filter %d %+v: total %d, want %d", i, f, got, len(want))
		}
		// The second page of 7, newest first: the same whichever way the
		// store reads it (one index range or one per status).
		f.Limit, f.Offset = 7, 7
		page, _, err := s.FindCases(ctx, f)
		if err != nil {
			t.Fatalf("filter %d %+v: %v", i, f, err)
		}
		wantPage := want[min(7, len(want)):min(14, len(want))]
		if d := cmp.Diff(wantPage, ids(page), emptyEqual); d != "" {
			t.Errorf("filter %d %+v: second page (-want +got):\n%s", i, f, d)
		}
		// Every page of the queue order: deadline first, cases without one
		// last, ties by id.
		byDue := slices.Clone(sorted)
		slices.SortStableFunc(byDue, func(a, b *casework.Case) int {
			switch {
			case a.StageDue == nil && b.StageDue == nil:
				return strings.Compare(a.ID, b.ID)
			case a.StageDue == nil:
				return 1
			case b.StageDue == nil:
				return -1
			}
			if c := a.StageDue.Compare(*b.StageDue); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		var wantDue []string
		for _, c := range byDue {
			if matches(c, f) {
				wantDue = append(wantDue, c.ID)
			}
		}
		f.SortByDue = true
		for off := 0; off <= len(wantDue); off += 5 {
			f.Limit, f.Offset = 5, off
			page, _, err := s.FindCases(ctx, f)
			if err != nil {
				t.Fatalf("filter %d %+v: %v", i, f, err)
			}
			if d := cmp.Diff(wantDue[off:min(off+5, len(wantDue))], ids(page), emptyEqual); d != "" {
				t.Errorf("filter %d %+v: queue page at %d (-want +got):\n%s", i, f, off, d)
			}
		}
	}
	testCensus(t, s, all)
}

// testCensus checks the census /metrics shows (a store may keep it at
// write time) against the same cases: open ones by status, every one by
// source, and the lights as the light filter counts them.
func testCensus(t *testing.T, s Store, all []*casework.Case) {
	cs, ok := s.(interface {
		Census(context.Context, time.Time) (casework.Census, error)
	})
	if !ok {
		return
	}
	now := t0.Add(-72 * time.Hour)
	want := casework.Census{Open: map[casework.Status]int64{}, Lights: map[worktime.Light]int64{}, BySource: map[casework.Source]int64{}}
	for _, c := range all {
		want.BySource[c.Source]++
		if slices.Contains(casework.OpenStatuses, c.Status) {
			want.Open[c.Status]++
		}
		for _, l := range []worktime.Light{worktime.Red, worktime.Yellow, worktime.Green} {
			if matches(c, casework.Filter{Light: l, Now: now}) {
				want.Lights[l]++
			}
		}
	}
	got, err := cs.Census(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []worktime.Light{worktime.Red, worktime.Yellow, worktime.Green} {
		if got.Lights[l] == 0 && want.Lights[l] == 0 {
			delete(got.Lights, l) // a store may report a zero
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("census (-want +got):\n%s", d)
	}
}

// matches is the meaning of the filter fields testListTotals uses.
func matches(c *casework.Case, f casework.Filter) bool {
	if len(f.Statuses) > 0 {
		ok := false
		for _, s := range f.Statuses {
			ok = ok || c.Status == s
		}
		if !ok {
			return false
		}
	}
	if f.Light != "" {
		if c.StageDue == nil || c.StageWarn == nil {
			return false
		}
		var l worktime.Light
		switch {
		case c.StageDue.Before(f.Now):
			l = worktime.Red
		case !c.StageWarn.After(f.Now):
			l = worktime.Yellow
		default:
			l = worktime.Green
		}
		if l != f.Light {
			return false
		}
	}
	if f.Overdue != nil && c.Overdue != *f.Overdue {
		return false
	}
	region := map[org.Level]string{org.LevelDistrict: c.District, org.LevelStreet: c.Street, org.LevelCommunity: c.Community, org.LevelGrid: c.Grid}
	if f.Region != "" && f.RegionLevel != org.LevelCity && region[f.RegionLevel] != f.Region {
		return false
	}
	if f.Department != "" && c.Department != f.Department {
		return false
	}
	if f.Category != nil && (c.Category == nil || *c.Category != *f.Category) {
		return false
	}
	if f.Source != "" && c.Source != f.Source {
		return false
	}
	if f.From != nil && c.ReportedAt.Before(*f.From) {
		return false
	}
	if f.To != nil && !c.ReportedAt.Before(*f.To) {
		return false
	}
	if sc := f.Scope; sc != nil && !sc.All {
		in := false
		for _, rs := range sc.Regions {
			in = in || (region[rs.Level] == rs.Code && (rs.Department == "" || rs.Department == c.Department))
		}
		for _, d := range sc.Departments {
			in = in || c.Department == d
		}
		if !in {
			return false
		}
	}
	return true
}
