package app

import (
	"context"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cityloop/internal/config"
	"cityloop/internal/org"
)

// demoKPIApp opens a small demo city: its cases went round the loop on
// random paths (returns, extensions, suspensions, reworks, overdue
// sweeps, callbacks), which is what the indicators must explain.
func demoKPIApp(t testing.TB, cases int) *App {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Quiet, cfg.Addr, cfg.DemoCases, cfg.PublicRate = true, "127.0.0.1:0", cases, 0
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	a, err := Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// kpiCompare is a figure of the period before or a year before.
type kpiCompare struct {
	From, To    string
	Value       *float64
	Numerator   float64
	Denominator *int
	Cases       struct{ Numerator, Denominator *string }
}

type kpiItem struct {
	Previous    *kpiCompare
	YearAgo     *kpiCompare `json:"year_ago"`
	MoM         *float64
	YoY         *float64
	Code        string
	Name        struct{ Zh, En string }
	Value       *float64
	Numerator   float64
	Denominator *int
	Formula     string
	Target      *float64
	MeetsTarget *bool `json:"meets_target"`
	Cases       struct{ Numerator, Denominator *string }
}

// followCases checks that each case link of an item totals its figure.
func followCases(t *testing.T, c *client, where string, it kpiItem) {
	t.Helper()
	check := func(link *string, want float64, what string) {
		if link == nil {
			return
		}
		if !strings.HasPrefix(*link, "/api/v1/cases?") {
			t.Fatalf("%s %s: %s link %q", where, it.Code, what, *link)
		}
		var page struct{ Total int }
		if st := c.do("GET", *link+"&limit=1", nil, &page); st != 200 {
			t.Fatalf("%s %s: GET %s: %d", where, it.Code, *link, st)
		}
		if float64(page.Total) != want {
			t.Errorf("%s %s: %s is %v, but %s totals %d", where, it.Code, what, want, *link, page.Total)
		}
	}
	check(it.Cases.Numerator, it.Numerator, "numerator")
	if it.Denominator != nil {
		check(it.Cases.Denominator, float64(*it.Denominator), "denominator")
	}
	if it.Cases.Numerator == nil && it.Cases.Denominator == nil {
		t.Errorf("%s %s: no case link", where, it.Code)
	}
}

// TestKPIs_ExplainedByCases: on a demo city, every figure of GET
// /api/v1/kpis, for the city, a district, a street and a department, and
// of a ranking, opens into a case list whose total is the figure; and the
// jurisdiction holds (a street head sees his street, 403 elsewhere).
func TestKPIs_ExplainedByCases(t *testing.T) {
	a := demoKPIApp(t, 3000)
	base := serve(t, a)
	leader := login(t, base, "leader")
	atlas := a.World.Atlas()
	district := atlas.Regions(org.LevelDistrict)[0].Code
	street := atlas.Regions(org.LevelStreet)[0].Code
	dept := a.World.Dict().Departments()[0].Code
	community := atlas.Regions(org.LevelCommunity)[0].Code
	grid := atlas.Regions(org.LevelGrid)[0].Code
	accs, err := a.Store.FindAccounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var supervisor string
	for _, acc := range accs {
		for _, g := range acc.Grants {
			// One outside the street head's street, whom he may not see.
			if g.Post == org.PostSupervisor && supervisor == "" && g.Region != "" && !atlas.Within(g.Region, street) {
				supervisor = acc.ID
			}
		}
	}
	if supervisor == "" {
		t.Fatal("the demo city has no supervisor")
	}
	today := a.Now().In(a.Cal.Location())
	from := today.AddDate(0, -3, 0).Format("2006-01-02")
	to := today.Format("2006-01-02")
	span := "from=" + from + "&to=" + to
	for _, unit := range []string{"", "region=" + district, "region=" + street, "region=" + community, "region=" + grid,
		"department=" + dept, "supervisor=" + supervisor} {
		var out struct{ Items []kpiItem }
		path := "/api/v1/kpis?" + span
		if unit != "" {
			path += "&" + unit
		}
		if st := leader.do("GET", path, nil, &out); st != 200 {
			t.Fatalf("GET %s: %d", path, st)
		}
		if len(out.Items) < 30 {
			t.Fatalf("GET %s: %d items", path, len(out.Items))
		}
		for _, it := range out.Items {
			if it.Name.Zh == "" || it.Name.En == "" || it.Formula == "" {
				t.Errorf("%s: %+v lacks a name or formula", it.Code, it)
			}
			followCases(t, leader, path, it)
			// The period before and the year before open into their
			// cases too, and the changes are computed from them.
			for _, c := range []struct {
				name   string
				cmp    *kpiCompare
				change *float64
			}{{"previous", it.Previous, it.MoM}, {"year_ago", it.YearAgo, it.YoY}} {
				if c.cmp == nil {
					t.Fatalf("%s %s: no %s", path, it.Code, c.name)
				}
				followCases(t, leader, path+" "+c.name, kpiItem{Code: it.Code, Numerator: c.cmp.Numerator, Denominator: c.cmp.Denominator, Cases: c.cmp.Cases})
				switch {
				case it.Value == nil || c.cmp.Value == nil || *c.cmp.Value == 0:
					if c.change != nil {
						t.Errorf("%s %s: %s change %v without two values", path, it.Code, c.name, *c.change)
					}
				case c.change == nil:
					t.Errorf("%s %s: %s has no change from %v to %v", path, it.Code, c.name, *c.cmp.Value, *it.Value)
				case math.Abs(*c.change - (*it.Value-*c.cmp.Value) / *c.cmp.Value) > 1e-9:
					t.Errorf("%s %s: %s change %v, want (%v−%v)/%v", path, it.Code, c.name, *c.change, *it.Value, *c.cmp.Value, *c.cmp.Value)
				}
			}
			if f, _ := time.Parse("2006-01-02", from); it.YearAgo.From != f.AddDate(-1, 0, 0).Format("2006-01-02") {
				t.Errorf("%s: year_ago starts %s", path, it.YearAgo.From)
			}
		}
		if unit == "" {
			perPost := map[string]bool{"missed_report_rate": false, "on_time_verification_rate": false,
				"on_time_check_rate": false, "on_time_filing_rate": false, "on_time_dispatch_rate": false,
				"verify_sent_on_time_rate": false, "patrol_valid_report_rate": false}
			for _, it := range out.Items {
				if it.Code == "reported" && it.Numerator == 0 {
					t.Fatal("the demo city reported nothing in three months")
				}
				if _, ok := perPost[it.Code]; ok {
					perPost[it.Code] = it.Denominator != nil && *it.Denominator > 0 && it.Value != nil
				}
			}
			// The per-post rates of DOMAIN §5 are there and carried by
			// the demo's cases, not empty.
			for code, ok := range perPost {
				if !ok {
					t.Errorf("the city's %s has no cases behind it", code)
				}
			}
		}
	}
	for _, q := range []string{"level=district&kpi=closure_rate", "level=department&kpi=jn_score", "level=street&kpi=avg_response_hours",
		"level=street&kpi=supervisor_score", "level=district&kpi=shift_lead_score", "level=district&kpi=dispatcher_score"} {
		var out struct {
			Items []struct {
				Rank        int
				Unit        string
				Value       *float64
				Grade       string
				Numerator   *float64
				Denominator *int
				Cases       struct{ Numerator, Denominator *string }
				Parts       []kpiItem
			}
		}
		path := "/api/v1/rankings?" + q + "&" + span
		if st := leader.do("GET", path, nil, &out); st != 200 {
			t.Fatalf("GET %s: %d", path, st)
		}
		if len(out.Items) == 0 {
			t.Fatalf("GET %s: no units", path)
		}
		lowerBetter := strings.Contains(q, "avg_response_hours")
		for i, it := range out.Items {
			prev := out.Items[max(i-1, 0)]
			switch {
			case it.Value == nil:
				if it.Rank != 0 {
					t.Errorf("%s: %s has no value but rank %d", path, it.Unit, it.Rank)
				}
			case it.Rank < 1:
				t.Errorf("%s: %s has a value but no rank", path, it.Unit)
			case i > 0 && prev.Value == nil:
				t.Errorf("%s: %s ranked after a unit without a value", path, it.Unit)
			case i > 0 && (lowerBetter && *it.Value < *prev.Value || !lowerBetter && *it.Value > *prev.Value):
				t.Errorf("%s: %s (%v) ranked after %s (%v)", path, it.Unit, *it.Value, prev.Unit, *prev.Value)
			}
			if i >= 3 {
				continue // the links of the first units suffice; the store test covers the rest
			}
			if it.Cases.Numerator != nil || it.Cases.Denominator != nil {
				followCases(t, leader, path+" "+it.Unit, kpiItem{Code: q, Numerator: numOf(it.Numerator), Denominator: it.Denominator, Cases: it.Cases})
			}
			if strings.Contains(q, "_score") {
				if it.Value != nil && it.Grade == "" {
					t.Errorf("%s: %s scored without a grade", path, it.Unit)
				}
				for _, p := range it.Parts {
					followCases(t, leader, path+" "+it.Unit, p)
				}
			}
		}
	}

	// Assessments: regions, handling departments and supervisors, each
	// ranked by its level's scheme, every part and deduction opening into
	// its cases.
	type assessment struct {
		Scheme string
		Items  []struct {
			Rank       int
			Unit       string
			Score      *float64
			Grade      string
			Parts      []kpiItem
			Deductions []struct {
				Cases int
				List  *string
			}
		}
		Red, Black []string
	}
	for _, tc := range []struct{ query, scheme string }{
		{"level=district&scheme=jh_table", "jh_table"}, {"level=street", "jn_table"}, {"level=community", "jn_table"}, {"level=department", "jn_table"},
		{"level=supervisor", "supervisor_table"},
		// The post composites of DOMAIN §5 (per beat, per district centre).
		{"level=community&scheme=supervisor_beat_table", "supervisor_beat_table"},
		{"level=district&scheme=shift_lead_table", "shift_lead_table"},
		{"level=district&scheme=dispatcher_table", "dispatcher_table"},
	} {
		var out assessment
		path := "/api/v1/assessments?" + tc.query + "&" + span
		if st := leader.do("GET", path, nil, &out); st != 200 {
			t.Fatalf("GET %s: %d", path, st)
		}
		if out.Scheme != tc.scheme || len(out.Items) == 0 || len(out.Red) == 0 {
			t.Fatalf("GET %s: scheme %s, %d units, 红榜 %v", path, out.Scheme, len(out.Items), out.Red)
		}
		for i, it := range out.Items {
			if i > 0 && it.Score != nil && (out.Items[i-1].Score == nil || *out.Items[i-1].Score < *it.Score) {
				t.Errorf("%s: %s ranked below a lower score", path, it.Unit)
			}
			if i >= 2 {
				continue
			}
			if tc.scheme == "jh_table" {
				continue // LOC-JH counts leader cases twice: no case list totals its figures
			}
			for _, p := range it.Parts {
				followCases(t, leader, path+" "+it.Unit, p)
			}
			for _, d := range it.Deductions {
				followCases(t, leader, path+" "+it.Unit, kpiItem{Code: "deduction", Numerator: float64(d.Cases), Cases: struct{ Numerator, Denominator *string }{d.List, nil}})
			}
		}
	}

	// Jurisdiction: the street head sees his own street's figures, the same
	// as the leader's, and nothing else.
	chief := login(t, base, "streetchief")
	var own, lead struct{ Items []kpiItem }
	if st := chief.do("GET", "/api/v1/kpis?region="+street+"&"+span, nil, &own); st != 200 {
		t.Fatalf("street head on his street: %d", st)
	}
	leader.do("GET", "/api/v1/kpis?region="+street+"&"+span, nil, &lead)
	for i := range own.Items {
		if own.Items[i].Numerator != lead.Items[i].Numerator {
			t.Errorf("%s: the street head counts %v, the leader %v", own.Items[i].Code, own.Items[i].Numerator, lead.Items[i].Numerator)
		}
	}
	other := atlas.Regions(org.LevelStreet)[1].Code
	tests := []struct {
		name, path string
		c          *client
		status     int
	}{
		{"another street", "/api/v1/kpis?region=" + other + "&" + span, chief, 403},
		{"the whole city", "/api/v1/kpis?" + span, chief, 403},
		{"a department", "/api/v1/kpis?department=" + dept + "&" + span, chief, 403},
		{"a supervisor of another beat", "/api/v1/kpis?supervisor=" + supervisor + "&" + span, chief, 403},
		{"not a supervisor", "/api/v1/kpis?supervisor=nobody&" + span, leader, 400},
		{"region and supervisor", "/api/v1/kpis?region=" + district + "&supervisor=" + supervisor + "&" + span, leader, 400},
		{"anonymous", "/api/v1/kpis?" + span, login(t, base, ""), 401},
		{"no dates", "/api/v1/kpis?region=" + district, leader, 400},
		{"reversed dates", "/api/v1/kpis?from=" + to + "&to=" + from, leader, 400},
		{"unknown region", "/api/v1/kpis?region=nowhere&" + span, leader, 400},
		{"region and department", "/api/v1/kpis?region=" + district + "&department=" + dept + "&" + span, leader, 400},
		{"unknown parameter", "/api/v1/kpis?grid=1&" + span, leader, 400},
		{"unknown ranking level", "/api/v1/rankings?level=grid&kpi=closure_rate&" + span, leader, 400},
		{"unknown assessment level", "/api/v1/assessments?level=province&" + span, leader, 400},
		{"a regional table for supervisors", "/api/v1/assessments?level=supervisor&scheme=jn_table&" + span, leader, 400},
		{"no dates for an assessment", "/api/v1/assessments?level=supervisor", leader, 400},
		{"unknown indicator", "/api/v1/rankings?level=district&kpi=happiness&" + span, leader, 400},
		{"unknown case condition", "/api/v1/cases?is=closed,sleeping", leader, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if st := tc.c.do("GET", tc.path, nil, nil); st != tc.status {
				t.Errorf("GET %s: %d, want %d", tc.path, st, tc.status)
			}
		})
	}
}

// TestWireKPI: a city's indicator book replaces the shipped one; a book
// with mistakes stops the start and says what to mend.
func TestWireKPI(t *testing.T) {
	good := `{"indicators":[{"code":"closure_rate","name":{"zh":"结案率","en":"Closure rate"},"kind":"rate",
	  "numerator":"due_to_close,closed","denominator":"due_to_close","target":95,"direction":"higher","unit":"%","version":2,"effective":"2026-01-01"}]}`
	bad := strings.Replace(good, `"direction":"higher"`, `"direction":"up"`, 1)
	tests := []struct {
		name, book, err string
	}{
		{"a city's book", good, ""},
		{"a book with a mistake", bad, "direction must be higher or lower"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "kpi.json")
			if err := os.WriteFile(path, []byte(tc.book), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := config.Default()
			cfg.DataDir, cfg.Demo, cfg.Quiet, cfg.Addr, cfg.KPIBook = dir, false, true, "127.0.0.1:0", path
			if err := cfg.Finish(); err != nil {
				t.Fatal(err)
			}
			a, err := Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Open: %v, want an error naming %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			defs := a.api.KPIs.InForce(a.Now())
			if len(defs) != 1 || defs[0].Version != 2 || *defs[0].Target != 95 {
				t.Fatalf("the API serves %+v, not the city's book", defs)
			}
		})
	}
}

func numOf(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}
