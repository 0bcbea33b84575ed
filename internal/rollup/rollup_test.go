package rollup

import (
	"math"
	"testing"
	"time"

	"cityloop/internal/assess"
	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/kpi"
)

var cst = time.FixedZone("CST", 8*3600)

func ptr[T any](v T) *T { return &v }

func sample() *casework.Case {
	at := time.Date(2026, 3, 2, 23, 30, 0, 0, cst)
	return &casework.Case{
		ID: "c1", Status: casework.StatusPendingDispatch, Source: casework.SourcePatrol,
		Category: &catalog.Ref{Kind: catalog.Event, Code: "0501"},
		Grid:     "g1", Community: "cm1", Street: "s1", District: "d1", Department: "dep1",
		ReportedAt: at, FiledAt: ptr(at.Add(time.Minute)),
	}
}

// TestShippedBooksAreRolledUp: every predicate the shipped indicator book
// and assessment schemes count has a measure, so none of their figures
// falls back to the raw cases.
func TestShippedBooksAreRolledUp(t *testing.T) {
	day := time.Date(2026, 6, 1, 0, 0, 0, 0, cst)
	book := kpi.Default()
	sets, _, _ := kpi.Sets(book.InForce(day))
	for _, sch := range assess.Default().InForce(day) {
		p, err := assess.NewPlan(sch, book, day)
		if err != nil {
			t.Fatalf("plan %s: %v", sch.Code, err)
		}
		sets = append(sets, p.Sets...)
	}
	for _, p := range sets {
		if _, ok := Find(p); !ok {
			t.Errorf("predicate %q has no rollup measure; add it to measureSpecs and to a migration", p.String())
		}
	}
}

func TestFindIgnoresOrder(t *testing.T) {
	a, _ := casework.ParsePredicate("disposed_on_time,dispatched")
	b, _ := casework.ParsePredicate("dispatched,disposed_on_time")
	i, ok := Find(a)
	j, ok2 := Find(b)
	if !ok || !ok2 || i != j {
		t.Fatalf("Find(%v) = %d,%v; Find(%v) = %d,%v", a, i, ok, b, j, ok2)
	}
	if _, ok := Find(casework.Predicate{{Fact: casework.FactClosed, Not: true}}); ok {
		t.Fatal("!closed is not a measure")
	}
}

func TestDay(t *testing.T) {
	tests := []struct {
		at    time.Time
		start bool
	}{
		{time.Date(2026, 3, 2, 0, 0, 0, 0, cst), true},
		{time.Date(2026, 3, 2, 23, 59, 59, 999999000, cst), false},
		{time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), false},
		{time.Date(1960, 1, 1, 0, 0, 0, 0, cst), true},
	}
	for _, tc := range tests {
		d, ok := DayStart(tc.at)
		if ok != tc.start {
			t.Errorf("DayStart(%v) = %v, want %v", tc.at, ok, tc.start)
		}
		y, m, dd := tc.at.In(cst).Date()
		want := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC).Unix() / 86400
		if d != want {
			t.Errorf("Day(%v) = %d, want %d", tc.at, d, want)
		}
	}
}

func col(name string) int {
	for i, m := range Measures {
		if m.Column == name {
			return i
		}
	}
	panic(name)
}

// sum adds the entries of one unit kind.
func sum(es []Entry, unit string) map[string]Vector {
	out := map[string]Vector{}
	for _, e := range es {
		if e.Key.Unit != unit || e.Key.Grain != GrainDay {
			continue
		}
		out[e.Key.Code] = e.Vec
	}
	return out
}

func TestDelta(t *testing.T) {
	dispatchedAt := sample().ReportedAt.Add(90*time.Minute + 999*time.Millisecond)
	tests := []struct {
		name   string
		change func(c *casework.Case)
		// want: per unit kind and code, the changed counts (by column)
		want map[string]map[string]map[string]int64
	}{
		{"nothing counted changes", func(c *casework.Case) { c.Description = "new words" }, map[string]map[string]map[string]int64{}},
		{"dispatch adds dispatched and the response", func(c *casework.Case) {
			c.Status, c.DispatchedAt = casework.StatusInDisposal, &dispatchedAt
		}, map[string]map[string]map[string]int64{
			UnitCity: {"": {"dispatched": 1, "dispatched_accurately": 1, "accurately_dispatched": 1, "response": 5400}},
		}},
		{"a pause (挂账) leaves the due base", func(c *casework.Case) { c.Status, c.Overdue = casework.StatusSuspended, true }, map[string]map[string]map[string]int64{
			UnitCity: {"": {"suspended": 1, "overdue": 1}},
		}},
		{"a move to another grid moves every row below the street", func(c *casework.Case) { c.Grid, c.Community = "g2", "cm2" }, map[string]map[string]map[string]int64{
			UnitGrid:      {"g1": {"reported": -1, "filed": -1, "filed_not_voided": -1}, "g2": {"reported": 1, "filed": 1, "filed_not_voided": 1}},
			UnitCommunity: {"cm1": {"reported": -1, "filed": -1, "filed_not_voided": -1}, "cm2": {"reported": 1, "filed": 1, "filed_not_voided": 1}},
		}},
		{"a corrected sub-class moves the category row", func(c *casework.Case) { c.Category = &catalog.Ref{Kind: catalog.Component, Code: "0101"} }, map[string]map[string]map[string]int64{
			UnitCategory: {"event:0501": {"reported": -1, "filed": -1, "filed_not_voided": -1}, "component:0101": {"reported": 1, "filed": 1, "filed_not_voided": 1}},
		}},
		{"a void removes it from the accurate filings", func(c *casework.Case) { c.Status = casework.StatusVoided }, map[string]map[string]map[string]int64{
			UnitCity: {"": {"voided": 1, "filed_not_voided": -1}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			old := sample()
			nw := sample()
			tc.change(nw)
			es := Delta(old, nw)
			for unit, codes := range tc.want {
				got := sum(es, unit)
				for code, cols := range codes {
					v, ok := got[code]
					if !ok {
						t.Fatalf("%s %q: no entry; entries %v", unit, code, es)
					}
					for name, n := range cols {
						i := Response
						if name != "response" {
							i = col(name)
						}
						if v[i] != n {
							t.Errorf("%s %q %s = %d, want %d", unit, code, name, v[i], n)
						}
					}
				}
			}
			if len(tc.want) == 0 && len(es) != 0 {
				t.Fatalf("entries %v, want none", es)
			}
			// Adding the delta to the old contribution gives the new one.
			var b Batch
			b.Add(nil, old)
			for _, e := range es {
				b.rows[e.Key] = addVec(b.rows[e.Key], e.Vec)
			}
			var want Batch
			want.Add(nil, nw)
			got, exp := b.Entries(), want.Entries()
			if len(got) != len(exp) {
				t.Fatalf("old + delta has %d rows, new has %d", len(got), len(exp))
			}
			for i := range got {
				if got[i].Key != exp[i].Key || !equal(got[i].Vec, exp[i].Vec) {
					t.Fatalf("row %d: old + delta %v, new %v", i, got[i], exp[i])
				}
			}
		})
	}
}

func addVec(a, b Vector) Vector {
	if a == nil {
		a = make(Vector, Width)
	}
	for i := range b {
		a[i] += b[i]
	}
	return a
}

func equal(a, b Vector) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

func TestCreateAndDeleteCancel(t *testing.T) {
	var b Batch
	c := sample()
	b.Add(nil, c)
	if n := len(b.Entries()); n != 2*len(Units) {
		t.Fatalf("a new case changes %d rows, want a day and a month row per unit kind (%d)", n, 2*len(Units))
	}
	b.Add(c, nil)
	if es := b.Entries(); len(es) != 0 {
		t.Fatalf("created then removed: %d rows still change", len(es))
	}
}

func TestSpans(t *testing.T) {
	d := func(y int, m time.Month, dd int) int64 {
		return time.Date(y, m, dd, 0, 0, 0, 0, time.UTC).Unix() / 86400
	}
	p := func(v int64) *int64 { return &v }
	tests := []struct {
		name     string
		from, to *int64
		want     []Span
	}{
		{"a month", p(d(2026, 3, 1)), p(d(2026, 4, 1)), []Span{{GrainMonth, d(2026, 3, 1), d(2026, 4, 1)}}},
		{"a week inside a month", p(d(2026, 3, 2)), p(d(2026, 3, 9)), []Span{{GrainDay, d(2026, 3, 2), d(2026, 3, 9)}}},
		{"a year from mid-month", p(d(2025, 3, 15)), p(d(2026, 3, 15)), []Span{
			{GrainDay, d(2025, 3, 15), d(2025, 4, 1)}, {GrainMonth, d(2025, 4, 1), d(2026, 3, 1)}, {GrainDay, d(2026, 3, 1), d(2026, 3, 15)}}},
		{"across a month end", p(d(2026, 1, 20)), p(d(2026, 2, 10)), []Span{{GrainDay, d(2026, 1, 20), d(2026, 2, 10)}}},
		{"until a day", nil, p(d(2026, 3, 10)), []Span{{GrainMonth, math.MinInt64, d(2026, 3, 1)}, {GrainDay, d(2026, 3, 1), d(2026, 3, 10)}}},
		{"since a day", p(d(2026, 3, 10)), nil, []Span{{GrainDay, d(2026, 3, 10), d(2026, 4, 1)}, {GrainMonth, d(2026, 4, 1), math.MaxInt64}}},
		{"all time", nil, nil, []Span{{GrainMonth, math.MinInt64, math.MaxInt64}}},
		{"empty", p(d(2026, 3, 10)), p(d(2026, 3, 10)), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Spans(tc.from, tc.to)
			if len(got) != len(tc.want) {
				t.Fatalf("Spans = %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("Spans = %v, want %v", got, tc.want)
				}
			}
		})
	}
}
