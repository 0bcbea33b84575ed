package bigscreen

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"cityloop/internal/analysis"
	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

var cst = time.FixedZone("CST", 8*3600)

// now is a Wednesday afternoon on the city's clock.
var now = time.Date(2026, 3, 4, 15, 0, 0, 0, cst)

// fakeCases answers counts by the kind of filter and tallies from a table
// of unit → predicate → count, and records what it was asked.
type fakeCases struct {
	mu      sync.Mutex // the screen's parts ask side by side
	rows    map[string]map[string]map[string]int
	filters []casework.Filter
	groups  []string
}

func (f *fakeCases) FindCases(_ context.Context, _ org.Actor, fl casework.Filter) ([]*casework.Case, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.filters = append(f.filters, fl)
	switch {
	case fl.Light == worktime.Red:
		return nil, 3, nil
	case len(fl.Statuses) > 0:
		return nil, 11, nil
	case fl.From != nil:
		return nil, 7, nil
	}
	return nil, 0, nil
}

// fakeDays counts per city day: seven reports and four closures today,
// two reports yesterday, one closure every other day, and what lies before
// the trend (which must not show).
type fakeDays struct{ asked DayQuery }

func (d *fakeDays) CasesPerDay(_ context.Context, q DayQuery) (DayCounts, error) {
	d.asked = q
	today := (time.Date(2026, 3, 4, 0, 0, 0, 0, cst).Unix() + 8*3600) / 86400
	out := DayCounts{Reported: map[int64]int{today: 7, today - 1: 2, today - 40: 99}, Closed: map[int64]int{today: 4, today - 40: 99}}
	for d := today - Days + 1; d < today; d++ {
		out.Closed[d] = 1
	}
	return out, nil
}

func (f *fakeCases) Tally(_ context.Context, _ org.Actor, q casework.TallyQuery) ([]casework.TallyRow, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groups = append(f.groups, q.GroupBy)
	var out []casework.TallyRow
	for key, counts := range f.rows[q.GroupBy] {
		r := casework.TallyRow{Key: key, Counts: make([]int, len(q.Sets))}
		for i, p := range q.Sets {
			r.Counts[i] = counts[p.String()]
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b casework.TallyRow) int { return cmpString(a.Key, b.Key) })
	return out, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (f *fakeCases) ScopeOf(a org.Actor) *casework.Scope {
	return casework.ScopeFor(a, func(code string) (org.Level, bool) {
		r, ok := testAtlas.Region(code)
		return r.Level, ok
	})
}

type fakeHeat struct{ asked analysis.Params }

func (h *fakeHeat) Heat(_ context.Context, _ org.Actor, p analysis.Params) (analysis.HeatResult, error) {
	h.asked = p
	return analysis.HeatResult{Heat: analysis.Heat{Grids: []analysis.HeatCell{{Grid: "g1", Name: "一号网格", Count: 6}, {Grid: "g2", Count: 2}}}}, nil
}

var testAtlas = func() *org.Atlas {
	a, err := org.NewAtlas([]org.Region{{Code: "3201", Name: "示范市", Level: org.LevelCity},
		{Code: "320101", Name: "东区", Level: org.LevelDistrict, Parent: "3201"},
		{Code: "320102", Name: "西区", Level: org.LevelDistrict, Parent: "3201"},
		{Code: "320103", Name: "南区", Level: org.LevelDistrict, Parent: "3201"},
		{Code: "320101001", Name: "东街道", Level: org.LevelStreet, Parent: "320101"},
		{Code: "320101001001", Name: "东社区", Level: org.LevelCommunity, Parent: "320101001"},
		{Code: "g1", Name: "一号网格", Level: org.LevelGrid, Parent: "320101001001"}})
	if err != nil {
		panic(err)
	}
	return a
}()

func newService() (*Service, *fakeCases, *fakeHeat) {
	fc := &fakeCases{rows: map[string]map[string]map[string]int{
		"district": {
			"320101": {"due_to_close,closed": 8, "due_to_close": 10},  // 80 %
			"320102": {"due_to_close,closed": 19, "due_to_close": 20}, // 95 %
			// 南区 has no cases: unranked, last.
		},
		"grid": {"g1": {"due_to_close,closed": 3, "due_to_close": 4, "overdue": 2}, "g9": {"overdue": 1}},
	}}
	fh := &fakeHeat{}
	return &Service{Cases: fc, Heat: fh, Days: &fakeDays{}, Atlas: func() *org.Atlas { return testAtlas }, Loc: cst, Now: func() time.Time { return now }}, fc, fh
}

func actor(grants ...org.Grant) org.Actor { return org.Actor{ID: "a", Grants: grants} }

func TestAllowed(t *testing.T) {
	tests := []struct {
		name string
		a    org.Actor
		want bool
	}{
		{"leader", actor(org.Grant{Post: org.PostLeader}), true},
		{"shift lead", actor(org.Grant{Post: org.PostShiftLead}), true},
		{"admin", actor(org.Grant{Post: org.PostAdmin}), true},
		{"street chief", actor(org.Grant{Post: org.PostStreetHead, Region: "320101001"}), true},
		{"handler", actor(org.Grant{Post: org.PostHandler, Department: "sanitation"}), false},
		{"citizen", actor(org.Grant{Post: org.PostCitizen}), false},
		{"operator", actor(org.Grant{Post: org.PostOperator}), false},
		{"no post", actor(), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Allowed(tc.a); got != tc.want {
				t.Errorf("Allowed = %v, want %v", got, tc.want)
			}
		})
	}
}

func f(v float64) *float64 { return &v }

func TestRank(t *testing.T) {
	items := func() []RankItem {
		return []RankItem{{Code: "a", Value: f(80)}, {Code: "b", Value: nil}, {Code: "c", Value: f(95)}, {Code: "d", Value: f(80)}, {Code: "e", Value: f(60)}}
	}
	tests := []struct {
		name   string
		higher bool
		order  []string
		ranks  []int
	}{
		{"higher is better, ties share a rank, no value last", true, []string{"c", "a", "d", "e", "b"}, []int{1, 2, 2, 4, 0}},
		{"lower is better", false, []string{"e", "a", "d", "c", "b"}, []int{1, 2, 2, 4, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it := items()
			Rank(it, tc.higher)
			var order []string
			var ranks []int
			for _, x := range it {
				order, ranks = append(order, x.Code), append(ranks, x.Rank)
			}
			if !slices.Equal(order, tc.order) || !slices.Equal(ranks, tc.ranks) {
				t.Errorf("order %v ranks %v; want %v %v", order, ranks, tc.order, tc.ranks)
			}
		})
	}
}

func TestService_Screen(t *testing.T) {
	leader := actor(org.Grant{Post: org.PostLeader})
	ctx := context.Background()

	t.Run("refusals", func(t *testing.T) {
		tests := []struct {
			name string
			a    org.Actor
			q    Query
			kind errs.Kind
		}{
			{"a handler", actor(org.Grant{Post: org.PostHandler, Department: "sanitation"}), Query{}, errs.KindForbidden},
			{"an unknown figure", leader, Query{Figure: "weather"}, errs.KindInvalid},
			{"a count as ranking", leader, Query{Rank: "reported"}, errs.KindInvalid},
			{"an unknown ranking", leader, Query{Rank: "speed"}, errs.KindInvalid},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				s, fc, _ := newService()
				_, err := s.Screen(ctx, tc.a, tc.q)
				if !errs.Is(err, tc.kind) {
					t.Fatalf("err %v, want kind %v", err, tc.kind)
				}
				if len(fc.filters)+len(fc.groups) != 0 {
					t.Errorf("a refused screen still queried the cases")
				}
			})
		}
	})

	t.Run("counters, trend, heat map and ranking", func(t *testing.T) {
		s, _, fh := newService()
		sc, err := s.Screen(ctx, leader, Query{})
		if err != nil {
			t.Fatal(err)
		}
		if c := sc.Counters; c != (Counters{ReportedToday: 7, Open: 11, Overdue: 3, ClosedToday: 4}) {
			t.Errorf("counters %+v", c)
		}
		tr := sc.Trend
		if len(tr.Days) != Days || tr.Days[Days-1] != "03-04" || tr.Days[0] != "02-03" {
			t.Errorf("days %v", tr.Days)
		}
		if tr.Reported[Days-1] != 7 || tr.Reported[Days-2] != 2 || tr.Closed[Days-1] != 4 || tr.Closed[0] != 1 {
			t.Errorf("trend reported %v closed %v", tr.Reported, tr.Closed)
		}
		// The heat map is this week's, Monday to Sunday.
		if want := time.Date(2026, 3, 2, 0, 0, 0, 0, cst); !fh.asked.From.Equal(want) || !fh.asked.To.Equal(want.AddDate(0, 0, 7)) {
			t.Errorf("heat asked %v – %v", fh.asked.From, fh.asked.To)
		}
		if m := sc.Map; m.Code != HeatFigure || len(m.Grids) != 2 || *m.Grids[0].Value != 6 || m.Max != 6 || m.From != "2026-03-02" {
			t.Errorf("map %+v", m)
		}
		var got []string
		for _, it := range sc.Ranking.Items {
			got = append(got, it.Code)
		}
		if !slices.Equal(got, []string{"320102", "320101", "320103"}) || *sc.Ranking.Items[0].Value != 95 || *sc.Ranking.Items[1].Value != 80 ||
			sc.Ranking.Items[2].Value != nil || sc.Ranking.Items[2].Rank != 0 || *sc.Ranking.Items[1].MeetsTarget {
			t.Errorf("ranking %+v", sc.Ranking.Items)
		}
		if sc.Ranking.From != "2026-02-03" || sc.Ranking.To != "2026-03-04" || sc.Ranking.Unit != "%" {
			t.Errorf("ranking period %s – %s unit %s", sc.Ranking.From, sc.Ranking.To, sc.Ranking.Unit)
		}
	})

	t.Run("an indicator per grid", func(t *testing.T) {
		tests := []struct {
			figure string
			want   map[string]*float64
			unit   string
		}{
			{"closure_rate", map[string]*float64{"g1": f(75), "g9": nil}, "%"},
			{"overdue", map[string]*float64{"g1": f(2), "g9": f(1)}, "件"},
		}
		for _, tc := range tests {
			t.Run(tc.figure, func(t *testing.T) {
				s, fc, _ := newService()
				sc, err := s.Screen(ctx, leader, Query{Figure: tc.figure})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Contains(fc.groups, "grid") || sc.Map.Unit != tc.unit {
					t.Fatalf("grouped by %v, unit %s", fc.groups, sc.Map.Unit)
				}
				for _, g := range sc.Map.Grids {
					w := tc.want[g.Grid]
					if (w == nil) != (g.Value == nil) || (w != nil && *w != *g.Value) {
						t.Errorf("grid %s = %v, want %v", g.Grid, g.Value, w)
					}
				}
				if sc.Map.Grids[0].Name != "一号网格" {
					t.Errorf("grid name %q", sc.Map.Grids[0].Name)
				}
			})
		}
	})

	t.Run("a street chief ranks only the districts it sees wholly", func(t *testing.T) {
		s, _, _ := newService()
		sc, err := s.Screen(ctx, actor(org.Grant{Post: org.PostStreetHead, Region: "320101001"}), Query{})
		if err != nil {
			t.Fatal(err)
		}
		if len(sc.Ranking.Items) != 0 {
			t.Errorf("a street chief sees the districts %+v", sc.Ranking.Items)
		}
	})
}

// FuzzScreenQuery: whatever a browser sends as figure and rank, the
// screen is built or refused as Invalid; it never fails otherwise or panics.
func FuzzScreenQuery(f *testing.F) {
	for _, seed := range [][2]string{{"", ""}, {"week_cases", "closure_rate"}, {"overdue", "satisfaction_rate"}, {"closure_rate", "reported"},
		{"x", "y"}, {"\x00", "closure_rate,"}, {"avg_response_hours", "avg_response_hours"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, figure, rank string) {
		s, _, _ := newService()
		sc, err := s.Screen(context.Background(), actor(org.Grant{Post: org.PostLeader}), Query{Figure: figure, Rank: rank})
		if err != nil {
			if !errs.Is(err, errs.KindInvalid) {
				t.Fatalf("figure %q rank %q: %v", figure, rank, err)
			}
			return
		}
		if (figure != "" && sc.Map.Code != figure) || (rank != "" && sc.Ranking.Code != rank) {
			t.Fatalf("asked %q/%q, got %q/%q", figure, rank, sc.Map.Code, sc.Ranking.Code)
		}
	})
}
