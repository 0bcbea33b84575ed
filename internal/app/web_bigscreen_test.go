package app

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cityloop/internal/auth"
	"cityloop/internal/casework"
	"cityloop/internal/org"
)

// bigScreen is the part of GET /web/bigscreen/data the tests read.
type bigScreen struct {
	Counters struct {
		ReportedToday int `json:"reported_today"`
		Open          int `json:"open"`
		Overdue       int `json:"overdue"`
		ClosedToday   int `json:"closed_today"`
	} `json:"counters"`
	Trend struct {
		Days     []string `json:"days"`
		Reported []int    `json:"reported"`
		Closed   []int    `json:"closed"`
	} `json:"trend"`
	Map struct {
		Code  string `json:"code"`
		From  string `json:"from"`
		To    string `json:"to"`
		Grids []struct {
			Grid  string   `json:"grid"`
			Value *float64 `json:"value"`
		} `json:"grids"`
	} `json:"map"`
	Ranking struct {
		Code  string `json:"code"`
		From  string `json:"from"`
		To    string `json:"to"`
		Items []struct {
			Rank  int      `json:"rank"`
			Code  string   `json:"code"`
			Name  string   `json:"name"`
			Value *float64 `json:"value"`
		} `json:"items"`
	} `json:"ranking"`
}

// seedBigScreen adds the chart cases (five dispatched earlier today, two of
// them overdue) and one case reported ten days ago and closed earlier today.
func seedBigScreen(t *testing.T, a *App) {
	t.Helper()
	seedChartCases(t, a)
	now := a.Now()
	reported, closed := now.AddDate(0, 0, -10), earlierToday(a)
	c := &casework.Case{ID: NewID(), Status: casework.StatusClosed, Source: casework.SourcePatrol, Condition: 1, Description: "closed",
		District: "320101", Street: "320101002", Community: "320101002001", Grid: "32010100200101",
		Photos: []string{}, AfterPhotos: []string{}, ReportedAt: reported, UpdatedAt: closed, DisposedAt: &closed, ClosedAt: &closed}
	if err := a.Store.BulkCreateCases(context.Background(), []*casework.Case{c}, nil); err != nil {
		t.Fatal(err)
	}
}

// TestWeb_BigScreen: who may open the big screen, and the JSON it reads
// agrees with /api/v1/kpis and /api/v1/analysis/heat for the same period.
func TestWeb_BigScreen(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	seedBigScreen(t, a)
	ctx := context.Background()
	hash, err := auth.HashPassword("demo", auth.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store.CreateAccount(ctx, &org.Account{ID: NewID(), Username: "citizen1", Name: "citizen1", PasswordHash: hash,
		Grants: []org.Grant{{Post: org.PostCitizen}}, CreatedAt: a.Now()}); err != nil {
		t.Fatal(err)
	}

	t.Run("access", func(t *testing.T) {
		tests := []struct {
			user       string
			page, data int
		}{
			{"", http.StatusSeeOther, http.StatusUnauthorized},
			{"handler", http.StatusForbidden, http.StatusForbidden},
			{"citizen1", http.StatusForbidden, http.StatusForbidden},
			{"operator", http.StatusForbidden, http.StatusForbidden},
			{"leader", http.StatusOK, http.StatusOK},
			{"shiftlead", http.StatusOK, http.StatusOK},
			{"admin", http.StatusOK, http.StatusOK},
		}
		for _, tc := range tests {
			t.Run(tc.user, func(t *testing.T) {
				b := newBrowserClient(t, base)
				if tc.user != "" {
					if res := b.signIn(tc.user, "demo"); res.StatusCode != http.StatusSeeOther {
						t.Fatalf("sign in: %d", res.StatusCode)
					}
				}
				if tc.user != "" {
					_, console, _ := b.get("/console")
					if linked := strings.Contains(console, `href="/console/bigscreen"`); linked != (tc.page == http.StatusOK) {
						t.Errorf("the console links the big screen: %v", linked)
					}
				}
				if st, body, _ := b.get("/console/bigscreen"); st != tc.page {
					t.Errorf("page: %d, want %d: %.300s", st, tc.page, body)
				} else if st == http.StatusForbidden && !strings.Contains(body, "大屏仅对") {
					t.Errorf("the refusal does not say who may open it: %.300s", body)
				}
				if st, body, _ := b.get("/web/bigscreen/data"); st != tc.data {
					t.Errorf("data: %d, want %d: %.300s", st, tc.data, body)
				}
			})
		}
		var trail struct {
			Items []struct{ Action, Actor string }
		}
		if st := login(t, base, "auditor").do("GET", "/api/v1/audit?action=bigscreen.denied", nil, &trail); st != 200 || len(trail.Items) < 6 {
			t.Errorf("audit: %d, %d refusals recorded; want the six", st, len(trail.Items))
		}
	})

	leader := newBrowserClient(t, base)
	leader.signIn("leader", "demo")
	screen := func(t *testing.T, query string) bigScreen {
		t.Helper()
		st, body, _ := leader.get("/web/bigscreen/data" + query)
		if st != 200 {
			t.Fatalf("data%s: %d %s", query, st, body)
		}
		var sc bigScreen
		if err := json.Unmarshal([]byte(body), &sc); err != nil {
			t.Fatal(err)
		}
		return sc
	}
	api := login(t, base, "leader")
	kpiOf := func(t *testing.T, region, from, to, code string) *float64 {
		t.Helper()
		var out struct {
			Items []struct {
				Code  string
				Value *float64
			}
		}
		if st := api.do("GET", "/api/v1/kpis?region="+region+"&from="+from+"&to="+to, nil, &out); st != 200 {
			t.Fatalf("kpis: %d", st)
		}
		for _, it := range out.Items {
			if it.Code == code {
				return it.Value
			}
		}
		t.Fatalf("no %s in /api/v1/kpis", code)
		return nil
	}

	t.Run("counters and trend", func(t *testing.T) {
		sc := screen(t, "")
		c := sc.Counters
		if c.ReportedToday != 5 || c.Open != 5 || c.Overdue != 2 || c.ClosedToday != 1 {
			t.Errorf("counters %+v; want 5 reported today, 5 open, 2 overdue, 1 closed today", c)
		}
		n := len(sc.Trend.Days)
		if n != 30 || len(sc.Trend.Reported) != 30 || len(sc.Trend.Closed) != 30 {
			t.Fatalf("trend of %d days", n)
		}
		sum := 0
		for _, v := range sc.Trend.Reported {
			sum += v
		}
		if sum != 6 || sc.Trend.Reported[29] != 5 || sc.Trend.Closed[29] != 1 {
			t.Errorf("trend reported %v closed %v", sc.Trend.Reported, sc.Trend.Closed)
		}
	})

	t.Run("map figures agree with the API", func(t *testing.T) {
		tests := []struct{ figure, grid string }{
			{"overdue", "32010100100101"},
			{"closure_rate", "32010100200101"},
			{"on_time_disposal_rate", "32010100100101"},
		}
		for _, tc := range tests {
			t.Run(tc.figure, func(t *testing.T) {
				sc := screen(t, "?figure="+tc.figure)
				if sc.Map.Code != tc.figure {
					t.Fatalf("map figure %q", sc.Map.Code)
				}
				want := kpiOf(t, tc.grid, sc.Map.From, sc.Map.To, tc.figure)
				var got *float64
				found := false
				for _, g := range sc.Map.Grids {
					if g.Grid == tc.grid {
						got, found = g.Value, true
					}
				}
				if !found || (got == nil) != (want == nil) || (got != nil && *got != *want) {
					t.Errorf("grid %s: big screen %v, /api/v1/kpis %v", tc.grid, deref(got), deref(want))
				}
			})
		}
		t.Run("week_cases", func(t *testing.T) {
			sc := screen(t, "?figure=week_cases")
			var heat struct {
				Grids []struct {
					Grid  string
					Count int
				}
			}
			if st := api.do("GET", "/api/v1/analysis/heat?from="+sc.Map.From, nil, &heat); st != 200 {
				t.Fatalf("heat: %d", st)
			}
			want := map[string]float64{}
			for _, g := range heat.Grids {
				want[g.Grid] = float64(g.Count)
			}
			if len(sc.Map.Grids) == 0 || want["32010100100101"] != 5 {
				t.Fatalf("heat %+v; big screen %+v", heat, sc.Map.Grids)
			}
			for _, g := range sc.Map.Grids {
				if g.Value == nil || *g.Value != want[g.Grid] {
					t.Errorf("grid %s: big screen %v, heat %v", g.Grid, deref(g.Value), want[g.Grid])
				}
			}
		})
	})

	t.Run("ranking agrees with the API", func(t *testing.T) {
		sc := screen(t, "?rank=closure_rate")
		if len(sc.Ranking.Items) != 1 || sc.Ranking.Items[0].Code != "320101" || sc.Ranking.Items[0].Name != "测试区" {
			t.Fatalf("ranking %+v", sc.Ranking)
		}
		want := kpiOf(t, "320101", sc.Ranking.From, sc.Ranking.To, "closure_rate")
		if got := sc.Ranking.Items[0].Value; (got == nil) != (want == nil) || (got != nil && *got != *want) {
			t.Errorf("closure rate: big screen %v, /api/v1/kpis %v", deref(got), deref(want))
		}
	})

	t.Run("bad queries are 400 with the choices", func(t *testing.T) {
		for _, q := range []string{"?figure=nope", "?rank=reported", "?rank=x", "?colour=red"} {
			st, body, _ := leader.get("/web/bigscreen/data" + q)
			if st != http.StatusBadRequest || !strings.Contains(body, "大屏参数有误") {
				t.Errorf("%s: %d %.300s", q, st, body)
			}
		}
	})
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestWeb_BrowserBigScreen: the leader's big screen at 1920×1080 shows
// numeric counters and the unit grids as coloured polygons, and follows a
// new report through the live event stream.
func TestWeb_BrowserBigScreen(t *testing.T) {
	ctx := browser(t)
	a := testApp(t, "")
	base := runApp(t, a) // Run follows the change feed, as a serving node does
	seedBigScreen(t, a)
	signIn(t, ctx, base, "leader")
	run(t, ctx, "big screen at 1920x1080",
		chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(base+"/console/bigscreen"),
		waitJS(`document.getElementById('bigscreen').dataset.ready === '1' && document.getElementById('bs-map').dataset.districts === '1'`, 20*time.Second),
		waitJS(bsNumeric, 5*time.Second),
		waitJS(`document.querySelectorAll('#bs-map path.bs-grid').length === 8 && Number(document.getElementById('bs-map').dataset.painted) > 0`, 10*time.Second),
		waitJS(`document.querySelectorAll('#bs-trend canvas').length > 0 && document.querySelectorAll('#bs-ranking li').length === 1`, 5*time.Second),
	)
	if counts := get(t, ctx, chromedp.Evaluate[[]string](bsCounts)); strings.Join(counts, ",") != "5,5,2,1" {
		t.Errorf("counters on the page %v; want 5,5,2,1", counts)
	}
	// Everything fits the wall: no scrolling at 1920×1080.
	if over := get(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollHeight > 1080 || document.documentElement.scrollWidth > 1920`)); over {
		t.Errorf("the big screen overflows 1920×1080")
	}
	shot(t, ctx, "bigscreen-leader-1920x1080")

	// A report through the API reaches the wall through the event stream
	// (reloaded at most every 5 s), well before the 20 s poll.
	run(t, ctx, "the live stream is open", waitJS(`document.getElementById('bs-live').classList.contains('on')`, 5*time.Second))
	var c caseOut
	if st := login(t, base, "supervisor").do("POST", "/api/v1/cases", map[string]any{"category": "event:0102", "description": "垃圾", "lng": 118.71, "lat": 32.01}, &c); st != 201 {
		t.Fatalf("report: %d", st)
	}
	start := time.Now()
	run(t, ctx, "a new report reaches the wall",
		waitJS(`document.getElementById('bs-reported_today').textContent.trim() === '6'`, 12*time.Second))
	t.Logf("report to big screen: %s", time.Since(start).Round(time.Millisecond))

	run(t, ctx, "choose another figure",
		waitJS(`(f => (f.value = 'closure_rate', f.dispatchEvent(new Event('change')), true))(document.getElementById('bs-figure'))`, 5*time.Second),
		waitJS(`document.getElementById('bs-map-title').textContent.includes('结案率')`, 10*time.Second),
	)
	run(t, ctx, "leave the big screen", chromedp.Navigate("about:blank"))
}

const (
	bsCounts  = `['reported_today','open','overdue','closed_today'].map(k => document.getElementById('bs-'+k).textContent.trim())`
	bsNumeric = `['reported_today','open','overdue','closed_today'].every(k => /^\d+$/.test(document.getElementById('bs-'+k).textContent.trim()))`
)

// TestWeb_BrowserBigScreenDemo: the demo city's big screen as the demo
// leader (CITYLOOP_KPI_DEMO_CASES cases, 6,000 by default), with the time
// each figure takes to answer; the screenshot is what a command centre sees.
func TestWeb_BrowserBigScreenDemo(t *testing.T) {
	ctx := browser(t)
	n := 6000
	if v, err := strconv.Atoi(os.Getenv("CITYLOOP_KPI_DEMO_CASES")); err == nil && v > 0 {
		n = v
	}
	a := demoKPIApp(t, n)
	base := serve(t, a)
	leader := newBrowserClient(t, base)
	if res := leader.signIn("leader", "demo"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("demo leader sign-in: %d", res.StatusCode)
	}
	for _, q := range []string{"?figure=week_cases", "?figure=overdue", "?figure=closure_rate&rank=on_time_disposal_rate", "?figure=satisfaction_rate&rank=satisfaction_rate"} {
		best := time.Duration(1 << 62)
		for range 3 {
			start := time.Now()
			if st, body, _ := leader.get("/web/bigscreen/data" + q); st != 200 {
				t.Fatalf("%s: %d %.300s", q, st, body)
			}
			best = min(best, time.Since(start))
		}
		t.Logf("GET /web/bigscreen/data%-48s best of 3: %6.1f ms (%d demo cases, SQLite)", q, float64(best.Microseconds())/1000, n)
	}
	signIn(t, ctx, base, "leader")
	run(t, ctx, "demo big screen",
		chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(base+"/console/bigscreen?figure=closure_rate"),
		waitJS(`document.getElementById('bigscreen').dataset.ready === '1' && document.getElementById('bs-map').dataset.districts !== undefined`, 30*time.Second),
		waitJS(bsNumeric, 5*time.Second),
		waitJS(`document.querySelectorAll('#bs-map path.bs-grid').length > 0 && Number(document.getElementById('bs-map').dataset.painted) > 0`, 10*time.Second),
	)
	grids := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#bs-map path.bs-grid').length`))
	t.Logf("demo city: %d grid polygons, counters %v", grids, get(t, ctx, chromedp.Evaluate[[]string](bsCounts)))
	shot(t, ctx, "bigscreen-demo-1920x1080")
	run(t, ctx, "leave the big screen", chromedp.Navigate("about:blank"))
}
