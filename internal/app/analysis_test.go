package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"cityloop/internal/analysis"
	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/config"
	"cityloop/internal/geo"
	"cityloop/internal/org"
)

// seedAnalysisCases writes cases into the fixture city: both streets, three
// sub-classes, four sources, over the last ten weeks and the same weeks a
// year earlier, as the store holds them after intake.
func seedAnalysisCases(t *testing.T, a *App) int {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 5))
	now := a.Now().UTC()
	grids := []string{"32010100100101", "32010100100102", "32010100200101", "32010100200104"}
	cats := []catalog.Ref{{Kind: catalog.Event, Code: "0501"}, {Kind: catalog.Event, Code: "0102"}, {Kind: catalog.Component, Code: "0101"}}
	sources := []casework.Source{casework.SourcePatrol, casework.SourceCitizen, casework.SourceHotline, casework.SourceCamera}
	var cases []*casework.Case
	for i := 0; i < 400; i++ {
		at := now.Add(-time.Duration(rng.Int64N(int64(70 * 24 * time.Hour))))
		if i%3 == 0 {
			at = at.AddDate(-1, 0, 0)
		}
		at = at.Truncate(time.Microsecond)
		g := grids[rng.IntN(len(grids))]
		cat := cats[rng.IntN(len(cats))]
		c := &casework.Case{ID: NewID(), Status: casework.StatusClosed, Source: sources[rng.IntN(len(sources))], Category: &cat,
			Point: geo.Point{Lng: 118.72, Lat: 32.02}, Grid: g, Community: g[:12], Street: g[:9], District: g[:6],
			ReportedAt: at, UpdatedAt: at, Photos: []string{}, AfterPhotos: []string{}}
		if rng.IntN(6) == 0 {
			c.Recurrence = "earlier"
		}
		cases = append(cases, c)
	}
	if err := a.Store.BulkCreateCases(context.Background(), cases, make([][]casework.Event, len(cases))); err != nil {
		t.Fatal(err)
	}
	return len(cases)
}

// total follows a cases link and returns the list's total.
func (c *client) total(link string) int {
	c.t.Helper()
	if !strings.HasPrefix(link, "/api/v1/cases?") {
		c.t.Fatalf("cases link %q", link)
	}
	var out struct{ Total int }
	if st := c.do("GET", link+"&limit=1", nil, &out); st != 200 {
		c.t.Fatalf("GET %s: %d", link, st)
	}
	return out.Total
}

// TestAnalysis_API walks the analysis routes on both databases: the
// jurisdiction (a street supervisor sees his street, another street is 403
// and audited, the district is answered for his part only), the figures
// against the case lists they link to, and the errors a person can act on.
func TestAnalysis_API(t *testing.T) {
	dbs := []struct{ name, dsn string }{{"sqlite", ""}}
	if u := os.Getenv("CITYLOOP_TEST_POSTGRES_URL"); u != "" {
		dbs = append(dbs, struct{ name, dsn string }{"postgres", u})
	} else {
		t.Log("CITYLOOP_TEST_POSTGRES_URL not set: the PostgreSQL run is skipped")
	}
	for _, db := range dbs {
		t.Run(db.name, func(t *testing.T) {
			dsn := ""
			if db.dsn != "" {
				dsn = freshPostgres(t, db.dsn)
			}
			a := testApp(t, dsn)
			seedAnalysisCases(t, a)
			// The west street and its grids have residents; the east does not.
			pop, err := analysis.ParsePopulation("320101001=8000,32010100100101=2000,32010100100102=2000,32010100100103=2000,32010100100104=2000")
			if err != nil {
				t.Fatal(err)
			}
			a.api.Analysis.(*analysis.Service).Settings.Population = pop
			base := serve(t, a)
			sup, lead, aud := login(t, base, "supervisor"), login(t, base, "leader"), login(t, base, "auditor")
			anon := login(t, base, "")
			from := url.QueryEscape(a.Now().AddDate(0, 0, -35).Format(time.RFC3339))

			for _, sc := range []struct {
				name   string
				c      *client
				path   string
				status int
				has    string
			}{
				{"anonymous", anon, "/api/v1/analysis/heat", 401, "sign in"},
				{"auditor has no jurisdiction", aud, "/api/v1/analysis/heat", 403, "no jurisdiction"},
				{"another street", sup, "/api/v1/analysis/heat?region=320101002", 403, "outside your jurisdiction"},
				{"another street's grid", sup, "/api/v1/analysis/forecast?region=32010100200101", 403, "不在您的辖区内"},
				{"unknown region", sup, "/api/v1/analysis/heat?region=999999", 400, "no region with code"},
				{"bad date", lead, "/api/v1/analysis/heat?from=yesterday", 400, "use a date"},
				{"unknown parameter", lead, "/api/v1/analysis/hour-of-week?colour=red", 400, "unknown parameter"},
				{"from after to", lead, "/api/v1/analysis/top-categories?from=2026-05-01&to=2026-04-01", 400, "from must be before to"},
				{"more than a year", lead, "/api/v1/analysis/heat?from=2024-01-01&to=2026-01-01", 400, "at most a year"},
				{"bad category", lead, "/api/v1/analysis/heat?category=0501", 400, "category"},
				{"forecast too far ahead", lead, "/api/v1/analysis/forecast?week=" + a.Now().AddDate(0, 2, 0).Format("2006-01-02"), 400, "weeks ahead"},
				{"targets answer", lead, "/api/v1/analysis/targets?from=" + from, 200, "baseline_year"},
				{"limit", lead, "/api/v1/analysis/heat?limit=0", 400, "limit"},
			} {
				t.Run(sc.name, func(t *testing.T) {
					var out map[string]any
					st := sc.c.do("GET", sc.path, nil, &out)
					if st != sc.status || !strings.Contains(fmt.Sprint(out), sc.has) {
						t.Errorf("GET %s: %d %v; want %d with %q", sc.path, st, out, sc.status, sc.has)
					}
				})
			}

			t.Run("the refusal is audited", func(t *testing.T) {
				var out struct {
					Items []struct {
						Action, Object string
					}
				}
				if st := aud.do("GET", "/api/v1/audit?action=analysis.denied", nil, &out); st != 200 || len(out.Items) < 2 {
					t.Fatalf("audit: %d %+v; want the two refusals", st, out)
				}
			})

			t.Run("heat: a street supervisor's grids, each count its case list", func(t *testing.T) {
				for _, region := range []string{"", "320101001", "320101"} {
					var h struct {
						Region  string
						Total   int
						Measure string
						Cases   string
						Per1000 *float64 `json:"per_1000_residents"`
						Grids   []struct {
							Grid    string
							Count   int
							PerKm2  float64  `json:"per_km2"`
							Per1000 *float64 `json:"per_1000_residents"`
							Density float64
							Cases   string
						}
					}
					path := "/api/v1/analysis/heat?from=" + from
					if region != "" {
						path += "&region=" + region
					}
					if st := sup.do("GET", path, nil, &h); st != 200 {
						t.Fatalf("GET %s: %d", path, st)
					}
					if len(h.Grids) == 0 || h.Measure != "per_1000_residents" {
						t.Fatalf("%s: %+v", path, h)
					}
					if (region == "320101001" || region == "") != (h.Per1000 != nil) {
						t.Errorf("%s: the street's figure per 1,000 residents is %v; want it for the street only (the district is seen in part)", path, h.Per1000)
					}
					sum := 0
					for _, g := range h.Grids {
						if !strings.HasPrefix(g.Grid, "320101001") {
							t.Errorf("%s: grid %s is outside the supervisor's street", path, g.Grid)
						}
						if n := sup.total(g.Cases); n != g.Count {
							t.Errorf("grid %s: count %d, its case list %d", g.Grid, g.Count, n)
						}
						if g.PerKm2 <= 0 || g.Per1000 == nil || g.Density != *g.Per1000 || *g.Per1000 != float64(g.Count)/2 {
							t.Errorf("grid %s: %d cases, per km² %v, per 1,000 residents %v, density %v", g.Grid, g.Count, g.PerKm2, g.Per1000, g.Density)
						}
						sum += g.Count
					}
					if sum != h.Total || sup.total(h.Cases) != h.Total {
						t.Errorf("%s: total %d, grids add to %d, the list has %d", path, h.Total, sum, sup.total(h.Cases))
					}
				}
			})

			t.Run("hour of week adds up to its list", func(t *testing.T) {
				var h struct {
					Matrix [7][24]int
					Total  int
					Peaks  []struct{ Count int }
					Cases  string
				}
				if st := lead.do("GET", "/api/v1/analysis/hour-of-week?from="+from, nil, &h); st != 200 {
					t.Fatalf("status %d", st)
				}
				sum := 0
				for _, row := range h.Matrix {
					for _, n := range row {
						sum += n
					}
				}
				if sum != h.Total || h.Total == 0 || lead.total(h.Cases) != h.Total || len(h.Peaks) == 0 {
					t.Errorf("matrix sums to %d, total %d, list %d, peaks %v", sum, h.Total, lead.total(h.Cases), h.Peaks)
				}
			})

			t.Run("top sub-classes and targets match their lists", func(t *testing.T) {
				var top struct {
					Items []struct {
						Category        string
						Name            struct{ Zh, En string }
						Count, Previous int
						Cases           string
						PreviousCases   string `json:"previous_cases"`
					}
				}
				if st := lead.do("GET", "/api/v1/analysis/top-categories?region=320101002&from="+from, nil, &top); st != 200 || len(top.Items) == 0 {
					t.Fatalf("top: %d %+v", st, top)
				}
				for _, it := range top.Items {
					if it.Name.Zh == "" || it.Name.Zh == it.Category || lead.total(it.Cases) != it.Count || lead.total(it.PreviousCases) != it.Previous {
						t.Errorf("item %+v: list totals %d and %d", it, lead.total(it.Cases), lead.total(it.PreviousCases))
					}
				}
				var tg struct {
					BaselineYear int `json:"baseline_year"`
					Incidence    struct {
						Count, Baseline int
						Target          float64
						Cases           map[string]string
					}
					BySubClass []struct {
						Count, Baseline int
						Cases           map[string]string
					} `json:"by_sub_class"`
					Complaints struct {
						Count, Baseline int
						Target          float64
						Cases           map[string]string
					}
				}
				if st := sup.do("GET", "/api/v1/analysis/targets?from="+from, nil, &tg); st != 200 {
					t.Fatalf("targets: %d", st)
				}
				if tg.BaselineYear != a.Now().AddDate(0, 0, -35).Year()-1 || tg.Incidence.Target != -0.5 || tg.Complaints.Target != -0.3 {
					t.Errorf("targets %+v", tg)
				}
				if tg.Incidence.Count == 0 || tg.Incidence.Baseline == 0 || sup.total(tg.Incidence.Cases["current"]) != tg.Incidence.Count ||
					sup.total(tg.Incidence.Cases["baseline"]) != tg.Incidence.Baseline {
					t.Errorf("incidence %+v", tg.Incidence)
				}
				for _, it := range tg.BySubClass {
					if sup.total(it.Cases["current"]) != it.Count || sup.total(it.Cases["baseline"]) != it.Baseline {
						t.Errorf("sub-class %+v", it)
					}
				}
				cur := sup.total(tg.Complaints.Cases["current_citizen"]) + sup.total(tg.Complaints.Cases["current_hotline"])
				was := sup.total(tg.Complaints.Cases["baseline_citizen"]) + sup.total(tg.Complaints.Cases["baseline_hotline"])
				if cur != tg.Complaints.Count || was != tg.Complaints.Baseline || cur == 0 {
					t.Errorf("complaints %+v; lists %d and %d", tg.Complaints, cur, was)
				}
			})

			t.Run("recurrence hotspots and forecast", func(t *testing.T) {
				var rec struct {
					Items []struct {
						Grid             string
						Count, Recurring int
						Cases            string
					}
				}
				if st := sup.do("GET", "/api/v1/analysis/recurrence-hotspots?from="+from, nil, &rec); st != 200 || len(rec.Items) == 0 {
					t.Fatalf("recurrence: %d %+v", st, rec)
				}
				for _, it := range rec.Items {
					if it.Recurring < 2 || it.Recurring > it.Count || sup.total(it.Cases) != it.Count {
						t.Errorf("hotspot %+v", it)
					}
				}
				var fc struct {
					Expected float64 `json:"expected_total"`
					Items    []struct {
						Grid     string
						Expected float64
						Recent   int
						Cases    string
					}
					Backtest struct {
						Holdout int `json:"holdout_weeks"`
						Model   struct{ WAPE float64 }
						Naive   struct{ WAPE float64 }
						Weeks   []struct {
							Start  time.Time `json:"week_start"`
							Actual float64
						}
					}
					HourOfWeek [7][24]float64 `json:"hour_of_week"`
				}
				if st := sup.do("GET", "/api/v1/analysis/forecast", nil, &fc); st != 200 || len(fc.Items) == 0 || fc.Expected <= 0 {
					t.Fatalf("forecast: %d %+v", st, fc)
				}
				if fc.Backtest.Holdout != analysis.HoldoutWeeks || len(fc.Backtest.Weeks) != analysis.HoldoutWeeks || fc.Backtest.Naive.WAPE == 0 {
					t.Errorf("backtest %+v", fc.Backtest)
				}
				for _, it := range fc.Items {
					if !strings.HasPrefix(it.Grid, "320101001") || sup.total(it.Cases) != it.Recent {
						t.Errorf("forecast item %+v: list %d", it, sup.total(it.Cases))
					}
				}
				spread := 0.0
				for _, row := range fc.HourOfWeek {
					for _, v := range row {
						spread += v
					}
				}
				// Each of the 168 hours is rounded to 3 decimals.
				if spread < fc.Expected-0.09 || spread > fc.Expected+0.09 {
					t.Errorf("hours of the week add to %.2f, the week %.2f", spread, fc.Expected)
				}
			})
		})
	}
}

// demoCityApp opens an app with a generated demo city of n cases (no
// data directory to keep: the test's own temporary one).
func demoCityApp(t testing.TB, n int) *App {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Quiet = true
	cfg.Addr = "127.0.0.1:0"
	cfg.DemoCases = n
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

// TestAnalysis_DemoForecast runs the forecast on a generated demo city and
// reports its backtest error beside the naive baseline's, for the city and
// for each district; the model must beat the baseline on the city.
//
//	go test -run TestAnalysis_DemoForecast -v ./internal/app/
func TestAnalysis_DemoForecast(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a demo city")
	}
	a := demoCityApp(t, 30_000)
	leader := org.Actor{ID: "test-leader", Grants: []org.Grant{{Post: org.PostLeader}}}
	ctx := context.Background()
	regions := []string{""}
	for _, d := range a.World.Atlas().Regions(org.LevelDistrict) {
		regions = append(regions, d.Code)
	}
	for _, region := range regions {
		res, err := a.api.Analysis.Forecast(ctx, leader, analysis.Params{Region: region}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		bt := res.Backtest
		name := res.RegionName
		t.Logf("%-8s %s cells %5d expected %6.1f | %d held-out weeks, model vs naive: cell WAPE %.3f vs %.3f, MAE %.4f vs %.4f, RMSE %.4f vs %.4f; grid WAPE %.3f vs %.3f, RMSE %.3f vs %.3f; total MAPE %s vs %s; top-%d grids caught %.1f %% vs %.1f %% of the cases",
			res.Region, name, bt.Cells, res.Expected, bt.Holdout, bt.Model.WAPE, bt.Naive.WAPE, bt.Model.MAE, bt.Naive.MAE, bt.Model.RMSE, bt.Naive.RMSE,
			bt.Grid.Model.WAPE, bt.Grid.Naive.WAPE, bt.Grid.Model.RMSE, bt.Grid.Naive.RMSE, pct(bt.Model.MAPE), pct(bt.Naive.MAPE),
			bt.Capture.K, 100*bt.Capture.Model, 100*bt.Capture.Naive)
		if region == "" && (bt.Model.RMSE >= bt.Naive.RMSE || bt.Grid.Model.RMSE >= bt.Grid.Naive.RMSE || *bt.Model.MAPE >= *bt.Naive.MAPE || bt.Capture.Model <= bt.Capture.Naive) {
			t.Errorf("on the demo city the model does not beat the naive baseline on RMSE, the weekly total and the top grids: %+v", bt)
		}
	}
}

func pct(p *float64) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf("%.3f", *p)
}
