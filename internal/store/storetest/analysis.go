package storetest

import (
	"context"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"cityloop/internal/analysis"
	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/org"
)

// AnalysisStore is what the analysis contract exercises: the aggregate
// queries, and bulk writes to seed them.
type AnalysisStore interface {
	analysis.Store
	BulkCreateCases(ctx context.Context, cases []*casework.Case, events [][]casework.Event) error
}

// RunAnalysis runs the analysis contract on a store from open: every
// aggregate of a seeded set of cases equals a recount of the same cases in
// Go, for several filters and scopes, and the hour of the week and the week
// are those of the city's clock, not of UTC.
func RunAnalysis(t *testing.T, open func(t *testing.T) AnalysisStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, s AnalysisStore)
	}{
		{"aggregates equal a recount", testAnalysisRecount},
		{"city clock", testAnalysisClock},
		{"recurrence", testAnalysisRecurrence},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, open(t))
		})
	}
}

// place is a grid with its ancestors.
type place struct{ grid, community, street, district string }

var analysisPlaces = []place{
	{"330102001001", "330102001", "330102", "3301"},
	{"330102001002", "330102001", "330102", "3301"},
	{"330103002001", "330103002", "330103", "3301"},
	{"330201001001", "330201001", "330201", "3302"},
}

var analysisSources = []casework.Source{casework.SourcePatrol, casework.SourceCitizen, casework.SourceHotline, casework.SourceCamera}

// seedAnalysis writes n cases spread over ten weeks before t0, in every
// place, three sub-classes (and some unclassified) and four sources, and
// returns them.
func seedAnalysis(t *testing.T, s AnalysisStore, n int) []*casework.Case {
	t.Helper()
	rng := rand.New(rand.NewPCG(13, 1))
	cats := []*catalog.Ref{ptr(catParking), ptr(catManhole), ptr(catOther), nil}
	cases := make([]*casework.Case, n)
	for i := range cases {
		at := t0.Add(-time.Duration(rng.Int64N(int64(70 * 24 * time.Hour))))
		c := newCase(at.Truncate(time.Microsecond))
		p := analysisPlaces[rng.IntN(len(analysisPlaces))]
		c.Grid, c.Community, c.Street, c.District = p.grid, p.community, p.street, p.district
		c.Category = cats[rng.IntN(len(cats))]
		c.Source = analysisSources[rng.IntN(len(analysisSources))]
		c.Recurrence = ""
		if rng.IntN(5) == 0 {
			c.Recurrence = "case-earlier"
		}
		if rng.IntN(10) == 0 {
			c.MergedInto = "case-other"
		}
		cases[i] = c
	}
	if err := s.BulkCreateCases(context.Background(), cases, make([][]casework.Event, n)); err != nil {
		t.Fatal(err)
	}
	return cases
}

// analysisQueries are the filters each aggregate is checked under.
func analysisQueries() []struct {
	name string
	q    analysis.Query
	keep func(c *casework.Case) bool
} {
	from, to := t0.Add(-42*24*time.Hour), t0.Add(-7*24*time.Hour)
	in := func(c *casework.Case) bool { return !c.ReportedAt.Before(from) && c.ReportedAt.Before(to) }
	street := &casework.Scope{Regions: []casework.RegionScope{{Level: org.LevelStreet, Code: "330102"}}}
	return []struct {
		name string
		q    analysis.Query
		keep func(c *casework.Case) bool
	}{
		{"whole city", analysis.Query{From: from, To: to, Offset: 8 * time.Hour}, in},
		{"a district", analysis.Query{From: from, To: to, Region: "3301", RegionLevel: org.LevelDistrict, Offset: 8 * time.Hour},
			func(c *casework.Case) bool { return in(c) && c.District == "3301" }},
		{"a street's scope", analysis.Query{From: from, To: to, Scope: street, Offset: 8 * time.Hour},
			func(c *casework.Case) bool { return in(c) && c.Street == "330102" }},
		{"a scope and a region outside it", analysis.Query{From: from, To: to, Scope: street, Region: "3302", RegionLevel: org.LevelDistrict},
			func(c *casework.Case) bool { return false }},
		{"one sub-class", analysis.Query{From: from, To: to, Category: ptr(catManhole), Offset: 8 * time.Hour},
			func(c *casework.Case) bool { return in(c) && c.Category != nil && *c.Category == catManhole }},
		{"complaint sources", analysis.Query{From: from, To: to, Sources: []casework.Source{casework.SourceCitizen, casework.SourceHotline}, Offset: 8 * time.Hour},
			func(c *casework.Case) bool {
				return in(c) && (c.Source == casework.SourceCitizen || c.Source == casework.SourceHotline)
			}},
	}
}

func sortCounts(cs []analysis.Count) []analysis.Count {
	sort.Slice(cs, func(i, j int) bool { return cs[i].Key < cs[j].Key })
	return cs
}

func testAnalysisRecount(t *testing.T, s AnalysisStore) {
	ctx := context.Background()
	cases := seedAnalysis(t, s, 600)
	for _, tc := range analysisQueries() {
		t.Run(tc.name, func(t *testing.T) {
			byGrid, byCat := map[string]int{}, map[string]int{}
			byWeek := map[int64]int{}
			byCell := map[analysis.CellWeek]int{}
			var how analysis.HourOfWeek
			for _, c := range cases {
				if !tc.keep(c) {
					continue
				}
				byGrid[c.Grid]++
				cat := ""
				if c.Category != nil {
					cat = c.Category.String()
				}
				byCat[cat]++
				byWeek[analysis.WeekOf(c.ReportedAt, tc.q.Offset)]++
				how[analysis.HourOfWeekOf(c.ReportedAt, tc.q.Offset)]++
				if cat != "" {
					byCell[analysis.CellWeek{Cell: analysis.Cell{Grid: c.Grid, Category: cat}, Week: analysis.WeekOf(c.ReportedAt, tc.q.Offset)}]++
				}
			}
			toCounts := func(m map[string]int) []analysis.Count {
				out := []analysis.Count{}
				for k, n := range m {
					out = append(out, analysis.Count{Key: k, N: n})
				}
				return sortCounts(out)
			}

			grids, err := s.CountByGrid(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(toCounts(byGrid), sortCounts(append([]analysis.Count{}, grids...))); d != "" {
				t.Errorf("CountByGrid (-recount +store):\n%s", d)
			}
			cats, err := s.CountByCategory(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(toCounts(byCat), sortCounts(append([]analysis.Count{}, cats...))); d != "" {
				t.Errorf("CountByCategory (-recount +store):\n%s", d)
			}
			h, err := s.CountByHourOfWeek(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if h != how {
				t.Errorf("CountByHourOfWeek = %v, recount %v", h, how)
			}
			weeks, err := s.CountByWeek(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			gotWeeks := map[int64]int{}
			for _, w := range weeks {
				gotWeeks[w.Week] += w.N
			}
			if d := cmp.Diff(byWeek, gotWeeks); d != "" {
				t.Errorf("CountByWeek (-recount +store):\n%s", d)
			}
			cells, err := s.CountByCellWeek(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			gotCells := map[analysis.CellWeek]int{}
			for _, c := range cells {
				n := c.N
				c.N = 0
				gotCells[c] += n
			}
			if d := cmp.Diff(byCell, gotCells); d != "" {
				t.Errorf("CountByCellWeek (-recount +store):\n%s", d)
			}
		})
	}
}

// testAnalysisClock: a case at Sunday 23:30 in the city (UTC+8) is Sunday
// 15:30 in UTC; with the city's offset it falls in the last hour of the
// week and in the week that began the Monday before, with UTC's in hour 159.
func testAnalysisClock(t *testing.T, s AnalysisStore) {
	ctx := context.Background()
	sun := time.Date(2026, 3, 1, 23, 30, 0, 0, cst) // Sunday
	mon := time.Date(2026, 3, 2, 0, 10, 0, 0, cst)  // the Monday after
	var cases []*casework.Case
	for _, at := range []time.Time{sun, mon} {
		cases = append(cases, newCase(at))
	}
	if err := s.BulkCreateCases(ctx, cases, make([][]casework.Event, len(cases))); err != nil {
		t.Fatal(err)
	}
	q := analysis.Query{From: sun.Add(-time.Hour), To: mon.Add(time.Hour), Offset: 8 * time.Hour}
	h, err := s.CountByHourOfWeek(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if h[167] != 1 || h[0] != 1 || h.Total() != 2 {
		t.Errorf("city clock: hour 167 = %d, hour 0 = %d, total %d; want 1, 1, 2", h[167], h[0], h.Total())
	}
	q.Offset = 0
	if h, err = s.CountByHourOfWeek(ctx, q); err != nil {
		t.Fatal(err)
	}
	if h[6*24+15] != 1 || h[6*24+16] != 1 {
		t.Errorf("UTC clock: Sunday 15:00 = %d, 16:00 = %d; want 1 and 1", h[6*24+15], h[6*24+16])
	}
	q.Offset = 8 * time.Hour
	weeks, err := s.CountByWeek(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(weeks, func(i, j int) bool { return weeks[i].Week < weeks[j].Week })
	if len(weeks) != 2 || weeks[1].Week != weeks[0].Week+1 || !analysis.WeekStart(weeks[1].Week, q.Offset).Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, cst)) {
		t.Errorf("weeks %+v; want two, the second starting Monday 2 March 2026 00:00 +08:00", weeks)
	}
}

// testAnalysisRecurrence: LAG over each cell finds the case reported
// within the window after another, including one just before the period;
// merged duplicates are neither counted nor a predecessor.
func testAnalysisRecurrence(t *testing.T, s AnalysisStore) {
	ctx := context.Background()
	day := 24 * time.Hour
	mk := func(at time.Time, grid string, cat catalog.Ref, rec, merged bool) *casework.Case {
		c := newCase(at)
		c.Grid, c.Category, c.Recurrence, c.MergedInto = grid, ptr(cat), "", ""
		if rec {
			c.Recurrence = "case-earlier"
		}
		if merged {
			c.MergedInto = "case-other"
		}
		return c
	}
	gA, gB := "330102001001", "330102001002"
	from := t0
	cases := []*casework.Case{
		mk(from.Add(-10*day), gA, catManhole, false, false),        // before the period: a predecessor only
		mk(from.Add(2*day), gA, catManhole, false, false),          // repeated (12 days after)
		mk(from.Add(50*day), gA, catManhole, true, false),          // 48 days later: not repeated, but recurrence_of set
		mk(from.Add(1*day), gA, catParking, false, false),          // first of its cell in the period
		mk(from.Add(1*day+time.Hour), gA, catParking, false, true), // merged duplicate: left out
		mk(from.Add(40*day), gA, catParking, false, false),         // 39 days after the first: not repeated
		mk(from.Add(3*day), gB, catParking, false, false),
		mk(from.Add(4*day), gB, catParking, true, false), // both repeated and recurrence_of
	}
	if err := s.BulkCreateCases(ctx, cases, make([][]casework.Event, len(cases))); err != nil {
		t.Fatal(err)
	}
	rows, err := s.RecurrenceByCell(ctx, analysis.Query{From: from, To: from.Add(60 * day)}, 30*day)
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Cell.Grid != rows[j].Cell.Grid {
			return rows[i].Cell.Grid < rows[j].Cell.Grid
		}
		return rows[i].Cell.Category < rows[j].Cell.Category
	})
	want := []analysis.RecurrenceRow{
		{Cell: analysis.Cell{Grid: gA, Category: catManhole.String()}, Cases: 2, Recurrence: 1, Repeated: 1, Recurring: 2},
		{Cell: analysis.Cell{Grid: gA, Category: catParking.String()}, Cases: 2, Recurrence: 0, Repeated: 0, Recurring: 0},
		{Cell: analysis.Cell{Grid: gB, Category: catParking.String()}, Cases: 2, Recurrence: 1, Repeated: 1, Recurring: 1},
	}
	if d := cmp.Diff(want, rows); d != "" {
		t.Errorf("RecurrenceByCell (-want +got):\n%s", d)
	}
}
