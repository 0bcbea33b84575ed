package storetest

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/org"
)

// randomCase is a case somewhere along a random history: any state, any
// mix of flags and counters, times in order. The tally test needs every
// combination the facts can meet, not only the ones the loop makes often.
func randomCase(r *rand.Rand, at time.Time) *casework.Case {
	c := newCase(at)
	c.Pending, c.StageClock, c.CaseClock = nil, nil, nil
	c.Status = casework.Statuses[r.IntN(len(casework.Statuses))]
	c.Source = []casework.Source{casework.SourcePatrol, casework.SourceCitizen, casework.SourceHotline,
		casework.SourceCamera, casework.SourceSensor, casework.SourceLeader}[r.IntN(6)]
	c.District = []string{"3301", "3302"}[r.IntN(2)]
	c.Street = c.District + []string{"01", "02", "03"}[r.IntN(3)]
	c.Community, c.Grid = c.Street+"01", c.Street+"0101"
	c.Department = []string{"", "water", "traffic", "sanitation"}[r.IntN(4)]
	c.FiledAt, c.DispatchedAt, c.DisposedAt, c.ClosedAt = nil, nil, nil, nil
	step := func() *time.Time { v := at.Add(time.Duration(r.IntN(72*60)) * time.Minute); return &v }
	if r.IntN(5) > 0 {
		c.FiledAt = step()
		if r.IntN(4) > 0 {
			c.DispatchedAt = step()
			if r.IntN(3) > 0 {
				c.DisposedAt = step()
			}
		}
	}
	if c.Status == casework.StatusClosed {
		c.ClosedAt = step()
	}
	c.SelfHandled = r.IntN(10) == 0
	c.Overdue, c.ClosedLate, c.DisposedLate = r.IntN(3) == 0, r.IntN(3) == 0, r.IntN(3) == 0
	// The stage record: any stages, each bit half the time, and none at
	// all for a case stored before the record existed.
	if r.IntN(5) > 0 {
		c.StagesSeen, c.StagesDone, c.StagesLate = r.IntN(256), r.IntN(256), r.IntN(256)
	}
	c.Reworks, c.Returns, c.Shirks = r.IntN(3)/2, r.IntN(3), r.IntN(2)
	c.Extensions, c.Urges = r.IntN(4)/3, r.IntN(2)
	c.Satisfaction = []string{"", "", "satisfied", "basic", "unsatisfied"}[r.IntN(5)]
	c.Recurrence = []string{"", "", "", "case-earlier"}[r.IntN(4)]
	return c
}

// testTally: the aggregate behind the indicators counts, for every fact,
// its negation and random conjunctions, what Fact.Holds says and what the
// case list totals with the same predicate, per unit and over a region,
// a department and a date range.
func testTally(t *testing.T, s Store) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(13, 5))
	const n = 400
	cases := make([]*casework.Case, n)
	for i := range cases {
		cases[i] = randomCase(r, t0.Add(-time.Duration(r.IntN(60*24))*time.Hour))
		cases[i].ReporterID = []string{"sup-a", "sup-b", "citizen-1"}[i%3]
	}
	if err := s.BulkCreateCases(ctx, cases, nil); err != nil {
		t.Fatal(err)
	}
	var sets []casework.Predicate
	for _, f := range casework.Facts {
		sets = append(sets, casework.Predicate{{Fact: f}}, casework.Predicate{{Fact: f, Not: true}})
	}
	for range 20 {
		p := casework.Predicate{}
		for range 1 + r.IntN(3) {
			p = append(p, casework.FactTest{Fact: casework.Facts[r.IntN(len(casework.Facts))], Not: r.IntN(2) == 0})
		}
		sets = append(sets, p)
	}
	sets = append(sets, casework.Predicate{})
	from, to := t0.Add(-30*24*time.Hour), t0.Add(-3*24*time.Hour)
	bases := []struct {
		name string
		f    casework.Filter
		in   func(c *casework.Case) bool
	}{
		{"everything", casework.Filter{}, func(*casework.Case) bool { return true }},
		{"a district in a month", casework.Filter{RegionLevel: org.LevelDistrict, Region: "3301", From: &from, To: &to},
			func(c *casework.Case) bool {
				return c.District == "3301" && !c.ReportedAt.Before(from) && c.ReportedAt.Before(to)
			}},
		{"a department", casework.Filter{Department: "water"}, func(c *casework.Case) bool { return c.Department == "water" }},
		{"a scope", casework.Filter{Scope: &casework.Scope{Regions: []casework.RegionScope{{Level: org.LevelStreet, Code: "330102"}}}},
			func(c *casework.Case) bool { return c.Street == "330102" }},
		// A ranking of supervisors: their reports only, in one query.
		{"some reporters", casework.Filter{ReporterIDs: []string{"sup-a", "sup-b"}},
			func(c *casework.Case) bool { return c.ReporterID == "sup-a" || c.ReporterID == "sup-b" }},
	}
	for _, b := range bases {
		t.Run(b.name, func(t *testing.T) {
			for _, group := range []string{"", "district", "street", "department", casework.TallyByReporter} {
				rows, err := s.TallyCases(ctx, casework.TallyQuery{Filter: b.f, Sets: sets, GroupBy: group})
				if err != nil {
					t.Fatalf("TallyCases by %q: %v", group, err)
				}
				got := map[string]casework.TallyRow{}
				for _, row := range rows {
					got[row.Key] = row
				}
				want := map[string]*casework.TallyRow{}
				for _, c := range cases {
					if !b.in(c) {
						continue
					}
					key := map[string]string{"": "", "district": c.District, "street": c.Street, "department": c.Department,
						casework.TallyByReporter: c.ReporterID}[group]
					w := want[key]
					if w == nil {
						w = &casework.TallyRow{Key: key, Counts: make([]int, len(sets))}
						want[key] = w
					}
					for i, p := range sets {
						if p.Holds(c) {
							w.Counts[i]++
						}
					}
					if c.DispatchedAt != nil {
						w.Dispatched++
						w.Response += c.DispatchedAt.Sub(c.ReportedAt).Truncate(time.Second)
					}
				}
				if len(got) != len(want) {
					t.Fatalf("by %q: %d rows, want %d", group, len(got), len(want))
				}
				for key, w := range want {
					g := got[key]
					for i, p := range sets {
						if g.Counts[i] != w.Counts[i] {
							t.Errorf("by %q, unit %q, %q: counted %d, Holds says %d", group, key, p, g.Counts[i], w.Counts[i])
						}
					}
					if g.Dispatched != w.Dispatched || g.Response != w.Response {
						t.Errorf("by %q, unit %q: response %v over %d, want %v over %d", group, key, g.Response, g.Dispatched, w.Response, w.Dispatched)
					}
				}
			}
			// The list with the same predicate totals what the tally counted.
			rows, err := s.TallyCases(ctx, casework.TallyQuery{Filter: b.f, Sets: sets})
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range sets {
				f := b.f
				f.Is, f.Limit = p, 1
				_, total, err := s.FindCases(ctx, f)
				if err != nil {
					t.Fatalf("FindCases is=%s: %v", p, err)
				}
				want := 0
				if len(rows) == 1 {
					want = rows[0].Counts[i]
				}
				if total != want {
					t.Errorf("FindCases is=%q totals %d, the tally counted %d", p.String(), total, want)
				}
			}
		})
	}
	t.Run("refuses an unknown grouping", func(t *testing.T) {
		_, err := s.TallyCases(ctx, casework.TallyQuery{GroupBy: "reporter_phone"})
		wantKind(t, "group by reporter_phone", err, errs.KindInvalid)
	})
}
