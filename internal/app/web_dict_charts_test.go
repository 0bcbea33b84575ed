package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/geo"
)

// TestWeb_AdminSubClass: the admin page adds a new version of a sub-class
// (names, department, duplicate settings, filing conditions) through
// World.PutSubClass — admin only, CSRF-checked, field errors shown, audited.
func TestWeb_AdminSubClass(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	b := newBrowserClient(t, base)
	if res := b.signIn("admin", "demo"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin sign-in: %d", res.StatusCode)
	}
	ref := catalog.Ref{}
	for _, sc := range a.World.Dict().SubClasses(a.Now()) {
		ref = sc.Ref
		break
	}
	st, page, tok := b.get("/console/admin?sub=" + url.QueryEscape(ref.String()))
	if st != 200 || !strings.Contains(page, `id="subclass-form"`) || !strings.Contains(page, `name="cond_3_amount"`) {
		t.Fatalf("admin page: %d", st)
	}
	before, _ := a.World.Dict().Lookup(ref, a.Now())
	form := func() url.Values {
		return url.Values{"_csrf": {tok}, "ref": {ref.String()}, "name_zh": {"测试小类新名"}, "name_en": {"Renamed"},
			"department": {before.Department}, "dup_radius_m": {"80"}, "dup_window_hours": {"48"},
			"cond_1_text_zh": {"一处"}, "cond_1_urgency": {"normal"}, "cond_1_amount": {"2"}, "cond_1_unit": {"working_days"}, "cond_1_closing_zh": {"已处理"},
			"cond_2_text_zh": {"危及安全"}, "cond_2_urgency": {"urgent"}, "cond_2_amount": {"4"}, "cond_2_unit": {"natural_hours"}, "cond_2_closing_zh": {"已排除"}}
	}

	t.Run("non-admin is refused", func(t *testing.T) {
		op := newBrowserClient(t, base)
		op.signIn("operator", "demo")
		_, _, opTok := op.get("/console")
		f := form()
		f.Set("_csrf", opTok)
		if res, _ := op.post("/console/admin/subclasses", f, nil); res.StatusCode != http.StatusForbidden {
			t.Fatalf("operator: %d", res.StatusCode)
		}
	})
	t.Run("missing CSRF token", func(t *testing.T) {
		f := form()
		f.Del("_csrf")
		if res, _ := b.post("/console/admin/subclasses", f, nil); res.StatusCode != http.StatusForbidden {
			t.Fatalf("without CSRF: %d", res.StatusCode)
		}
	})
	t.Run("invalid limit shows the error and saves nothing", func(t *testing.T) {
		for amount, shown := range map[string]string{"abc": "", "-3": "-3"} {
			f := form()
			f.Set("cond_1_amount", amount)
			res, body := b.post("/console/admin/subclasses", f, nil)
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `name="cond_1_amount" inputmode="decimal" value="`+shown+`" aria-invalid="true">`+
				`<span class="field-error" role="alert">the disposal limit must be a positive number</span>`) {
				t.Fatalf("amount %q: %d", amount, res.StatusCode)
			}
			if now, _ := a.World.Dict().Lookup(ref, a.Now()); now.Version != before.Version || now.Name != before.Name {
				t.Fatalf("amount %q saved a version: %+v", amount, now)
			}
		}
		f := form()
		f.Set("cond_2_unit", "working_hours") // urgent must run on natural hours
		if res, body := b.post("/console/admin/subclasses", f, nil); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "natural_hours") {
			t.Fatalf("urgent on working hours: %d", res.StatusCode)
		}
	})
	t.Run("admin adds a version", func(t *testing.T) {
		res, body := b.post("/console/admin/subclasses", form(), nil)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d %s", res.StatusCode, body)
		}
		if st, page, _ := b.get(res.Header.Get("Location")); st != 200 || !strings.Contains(page, "测试小类新名") {
			t.Fatalf("after save: %d", st)
		}
		var out struct {
			Current  catalog.SubClass   `json:"current"`
			Versions []catalog.SubClass `json:"versions"`
		}
		if st := login(t, base, "admin").do("GET", "/api/v1/categories/"+ref.String(), nil, &out); st != 200 {
			t.Fatalf("GET category: %d", st)
		}
		c := out.Current
		if c.Version <= before.Version || c.Name.Zh != "测试小类新名" || c.Name.En != "Renamed" || c.DupRadiusM != 80 || c.DupWindowHours != 48 ||
			len(c.Conditions) != 2 || c.Conditions[1].Urgency != catalog.Urgent || c.Conditions[1].Limit.Amount != 4 || c.Conditions[0].Closing.Zh != "已处理" {
			t.Fatalf("current version %+v", c)
		}
		if c.MajorName != before.MajorName {
			t.Fatalf("major name %v, want %v kept", c.MajorName, before.MajorName)
		}
		var trail struct {
			Items []struct{ Actor, Object string }
		}
		if st := login(t, base, "auditor").do("GET", "/api/v1/audit?object=category/"+ref.String()+"&action=dictionary.subclass", nil, &trail); st != 200 || len(trail.Items) != 1 {
			t.Fatalf("not audited: %d %+v", st, trail.Items)
		}
	})
}

// TestWeb_OverviewCharts: the leader's overview carries the chart data and
// loads the chart bundle; the data is computed inside the caller's scope,
// so a department's handler counts only its department's cases.
func TestWeb_OverviewCharts(t *testing.T) { overviewCharts(t, "") }

func TestWeb_OverviewChartsPostgres(t *testing.T) {
	url := os.Getenv("CITYLOOP_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("CITYLOOP_TEST_POSTGRES_URL not set: skipping the chart statistics on PostgreSQL")
	}
	overviewCharts(t, freshPostgres(t, url))
}

func overviewCharts(t *testing.T, dsn string) {
	a := testApp(t, dsn)
	base := serve(t, a)
	seedChartCases(t, a)
	type series struct {
		Labels  []string `json:"labels"`
		Values  []int    `json:"values"`
		Overdue []int    `json:"overdue"`
	}
	var data struct{ Reported, Lights, Top, Districts series }
	sum := func(v []int) int {
		n := 0
		for _, x := range v {
			n += x
		}
		return n
	}
	stats := func(user string) {
		t.Helper()
		b := newBrowserClient(t, base)
		if res := b.signIn(user, "demo"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s sign-in: %d", user, res.StatusCode)
		}
		st, body, _ := b.get("/web/overview/stats")
		if st != 200 {
			t.Fatalf("%s stats: %d %s", user, st, body)
		}
		data = struct{ Reported, Lights, Top, Districts series }{}
		if err := json.Unmarshal([]byte(body), &data); err != nil {
			t.Fatal(err)
		}
	}
	stats("leader")
	if len(data.Reported.Values) != 30 || sum(data.Reported.Values) != 5 || data.Reported.Values[29] != 5 {
		t.Fatalf("leader per day %v", data.Reported.Values)
	}
	if len(data.Lights.Values) != 3 || data.Lights.Values[0] != 3 || data.Lights.Values[2] != 2 {
		t.Fatalf("leader lights %v", data.Lights.Values)
	}
	if len(data.Top.Values) != 1 || data.Top.Values[0] != 5 {
		t.Fatalf("leader top %v %v", data.Top.Labels, data.Top.Values)
	}
	if len(data.Districts.Labels) != 1 || data.Districts.Labels[0] != "测试区" || data.Districts.Values[0] != 5 || data.Districts.Overdue[0] != 2 {
		t.Fatalf("leader districts %+v", data.Districts)
	}
	stats("handler") // enforcement
	if sum(data.Reported.Values) != 3 || data.Lights.Values[2] != 1 || data.Districts.Values[0] != 3 || data.Districts.Overdue[0] != 1 || data.Top.Values[0] != 3 {
		t.Fatalf("handler sees %+v", data)
	}

	leader := newBrowserClient(t, base)
	leader.signIn("leader", "demo")
	if st, page, _ := leader.get("/console"); st != 200 || !strings.Contains(page, `id="charts"`) || !strings.Contains(page, "data-charts=") ||
		!strings.Contains(page, "/assets/charts.") {
		t.Fatalf("leader overview: %d", st)
	}
	h := newBrowserClient(t, base)
	h.signIn("handler", "demo")
	if st, page, _ := h.get("/console"); st != 200 || strings.Contains(page, `id="charts"`) || strings.Contains(page, "charts.js") {
		t.Fatalf("handler workbench: %d shows charts", st)
	}
}

// seedChartCases adds five dispatched cases of one sub-class in the test
// district, reported earlier today: three for enforcement (one overdue) and
// two for sanitation (one overdue).
func seedChartCases(t *testing.T, a *App) {
	t.Helper()
	ctx := context.Background()
	now := a.Now()
	ref := catalog.Ref{}
	for _, sc := range a.World.Dict().SubClasses(now) {
		ref = sc.Ref
		break
	}
	mk := func(dept string, due time.Duration) *casework.Case {
		at := earlierToday(a)
		r := ref
		c := &casework.Case{ID: NewID(), Status: casework.StatusDispatched, Source: casework.SourceCitizen, Category: &r, Condition: 1,
			Urgency: catalog.Normal, Description: "test", Point: geo.Point{Lng: 118.71, Lat: 32.01}, Department: dept,
			District: "320101", Street: "320101001", Community: "320101001001", Grid: "32010100100101",
			Photos: []string{}, AfterPhotos: []string{}, ReportedAt: at, UpdatedAt: at}
		d, w := now.Add(due), now.Add(due-time.Hour)
		c.StageDue, c.StageWarn = &d, &w
		return c
	}
	cases := []*casework.Case{mk("enforcement", -time.Hour), mk("enforcement", 48*time.Hour), mk("enforcement", 48*time.Hour),
		mk("sanitation", 48*time.Hour), mk("sanitation", -time.Hour)}
	if err := a.Store.BulkCreateCases(ctx, cases, nil); err != nil {
		t.Fatal(err)
	}
}

// TestWeb_BrowserOverviewCharts: the leader's overview draws its four charts
// (ECharts on canvas, from charts.js under the strict CSP).
func TestWeb_BrowserOverviewCharts(t *testing.T) {
	ctx := browser(t)
	a := testApp(t, "")
	base := serve(t, a)
	seedChartCases(t, a)
	signIn(t, ctx, base, "leader")
	run(t, ctx, "leader overview charts",
		chromedp.Navigate(base+"/console"),
		waitJS(`document.getElementById('charts') && document.getElementById('charts').dataset.ready === '1' && document.querySelectorAll('#charts .chart canvas').length === 4`, 20*time.Second),
	)
	shot(t, ctx, "console-leader-charts")
	// Leave the page: its event stream would keep the test server from closing.
	run(t, ctx, "leave the console", chromedp.Navigate("about:blank"))
}

// earlierToday is a moment of the city's today before now: half way
// between its midnight and now, so that "today" figures hold whenever the
// tests run (an hour ago is yesterday just after midnight).
func earlierToday(a *App) time.Time {
	now := a.Now().In(a.Cal.Location())
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	return midnight.Add(now.Sub(midnight) / 2)
}
