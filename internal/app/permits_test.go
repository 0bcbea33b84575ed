package app

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cityloop/internal/community"
)

type permitOut struct {
	ID, Kind, Status, Number, Phone, Light, Reason string
	DueAt                                          time.Time `json:"due_at"`
}

// TestPermits_API: a demo city has permits in every state; a citizen
// applies, a shift lead grants it (numbered, audited), a second decision
// is a 409, refusals need a reason, the public list holds only permits in
// force and no phone, and bad input is a 4xx that names the field.
func TestPermits_API(t *testing.T) {
	a := demoCityApp(t, 300)
	base := serve(t, a)
	op, anon, lead, aud := login(t, base, "operator"), login(t, base, ""), login(t, base, "shiftlead"), login(t, base, "auditor")

	var all struct {
		Items []permitOut
		Total int
	}
	if st := op.do("GET", "/api/v1/permits?limit=500", nil, &all); st != 200 || all.Total != community.DemoPermitCount {
		t.Fatalf("list: %d total %d", st, all.Total)
	}
	seen := map[string]int{}
	for _, p := range all.Items {
		seen[p.Status]++
		if p.Phone != "" {
			t.Fatalf("a list shows phones: %+v", p)
		}
	}
	for _, s := range []string{"submitted", "approved", "rejected", "expired"} {
		if seen[s] == 0 {
			t.Errorf("no demo permit %s: %v", s, seen)
		}
	}
	for _, kind := range []string{"outdoor_ad", "road_occupation", "muck_transport"} {
		var l struct{ Items []permitOut }
		if st := op.do("GET", "/api/v1/permits?kind="+kind, nil, &l); st != 200 || len(l.Items) == 0 || l.Items[0].Kind != kind {
			t.Errorf("kind %s: %d %d", kind, st, len(l.Items))
		}
	}

	day := func(d int) string { return a.Now().In(a.Cal.Location()).AddDate(0, 0, d).Format("2006-01-02") }
	app := map[string]any{"kind": "road_occupation", "applicant": "张三", "phone": "13912345678", "address": "中山路1号门前",
		"lng": 118.78, "lat": 32.04, "details": "开业庆典拱门一座，占用人行道 4 小时", "valid_from": day(3), "valid_to": day(4)}
	var p permitOut
	if st := anon.do("POST", "/api/v1/permits", app, &p); st != 201 || p.Status != "submitted" || p.DueAt.IsZero() || p.Light != "green" {
		t.Fatalf("apply: %d %+v", st, p)
	}
	var refused map[string]any
	if st := lead.do("POST", "/api/v1/permits/"+p.ID+"/reject", map[string]string{"reason": ""}, &refused); st != 400 {
		t.Fatalf("a refusal without reason: %d %v", st, refused)
	}
	if st := op.do("POST", "/api/v1/permits/"+p.ID+"/approve", nil, nil); st != 403 {
		t.Fatalf("an operator grants: %d", st)
	}
	var granted permitOut
	year := a.Now().In(a.Cal.Location()).Year()
	if st := lead.do("POST", "/api/v1/permits/"+p.ID+"/approve", nil, &granted); st != 200 || granted.Status != "approved" ||
		!strings.HasPrefix(granted.Number, fmt.Sprintf("ZD-%d-", year)) {
		t.Fatalf("grant: %d %+v", st, granted)
	}
	var conflict map[string]any
	if st := lead.do("POST", "/api/v1/permits/"+p.ID+"/reject", map[string]string{"reason": "位置不符合规划"}, &conflict); st != 409 {
		t.Fatalf("a second decision: %d %v", st, conflict)
	}
	var one permitOut
	if st := op.do("GET", "/api/v1/permits/"+p.ID, nil, &one); st != 200 || one.Phone != "13912345678" {
		t.Fatalf("one: %d %+v", st, one)
	}
	var trail struct{ Items []map[string]any }
	if st := aud.do("GET", "/api/v1/audit?object=permit/"+p.ID, nil, &trail); st != 200 || len(trail.Items) < 2 {
		t.Fatalf("audit of %s: %d %d", p.ID, st, len(trail.Items))
	}
	var pub struct {
		Items []map[string]any
		Total int
	}
	if st := anon.do("GET", "/api/v1/permits/public?limit=500", nil, &pub); st != 200 || pub.Total == 0 {
		t.Fatalf("public: %d %d", st, pub.Total)
	}
	found := false
	for _, it := range pub.Items {
		if it["status"] != "approved" || it["phone"] != nil {
			t.Fatalf("public item %v", it)
		}
		found = found || it["number"] == granted.Number
	}
	if !found {
		t.Fatalf("%s not on the public list", granted.Number)
	}

	// The figures: the demo's decisions over the past year (and the grant
	// above) with their formulas; every shop keeps its frontage until the
	// linking job has run.
	var fig struct {
		PermitTurnaround struct {
			Decided, Granted, OnTime int
			OnTimeRate               *float64 `json:"on_time_rate"`
			MeanWorkingDays          *float64 `json:"mean_working_days"`
			Formulas                 []string
		} `json:"permit_turnaround"`
		FrontageKept struct{ Kept, Merchants int } `json:"frontage_kept"`
	}
	yearAgo := a.Now().In(a.Cal.Location()).AddDate(-1, 0, 0).Format("2006-01-02")
	if st := op.do("GET", "/api/v1/community/figures?from="+yearAgo, nil, &fig); st != 200 {
		t.Fatalf("figures: %d", st)
	}
	pt := fig.PermitTurnaround
	if pt.Decided < community.DemoPermitCount/2 || pt.Granted == 0 || pt.OnTimeRate == nil || *pt.OnTimeRate <= 0 || pt.MeanWorkingDays == nil ||
		len(pt.Formulas) != 3 || fig.FrontageKept.Merchants != community.DemoShops || fig.FrontageKept.Kept > fig.FrontageKept.Merchants {
		t.Fatalf("figures %+v", fig)
	}
	if st := op.do("GET", "/api/v1/community/figures?from=2026-13-01", nil, nil); st != 400 {
		t.Fatalf("a bad date: %d", st)
	}

	for _, tc := range []struct {
		name, method, path string
		body               any
		c                  *client
		status             int
		must               string
	}{
		{"unknown kind", "POST", "/api/v1/permits", with(app, "kind", "fireworks"), anon, 400, "kind"},
		{"no dates", "POST", "/api/v1/permits", with(app, "valid_to", "soon"), anon, 400, "valid_to"},
		{"bad USCC", "POST", "/api/v1/permits", with(app, "uscc", "91350100M000100Y44"), anon, 400, "uscc"},
		{"outside the city", "POST", "/api/v1/permits", with(app, "lng", 100.0), anon, 422, ""},
		{"anonymous list", "GET", "/api/v1/permits", nil, anon, 401, ""},
		{"bad status", "GET", "/api/v1/permits?status=lost", nil, op, 400, "status"},
		{"status on the public list", "GET", "/api/v1/permits/public?status=rejected", nil, anon, 400, "status"},
		{"no such permit", "GET", "/api/v1/permits/nope", nil, op, 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out map[string]any
			st := tc.c.do(tc.method, tc.path, tc.body, &out)
			if st != tc.status || !strings.Contains(fmt.Sprint(out), tc.must) || out["detail"] == nil {
				t.Fatalf("%d %v", st, out)
			}
		})
	}
}

func with(m map[string]any, k string, v any) map[string]any {
	c := map[string]any{}
	for a, b := range m {
		c[a] = b
	}
	c[k] = v
	return c
}

// TestWeb_BrowserPermits: a citizen applies for a temporary road
// occupation on a phone and finds the reference; the shift lead finds the
// application in the console's queue with its green light and grants it;
// the permit's number then stands on the public list. Screenshots are
// testout/screenshots/permits-*.png.
func TestWeb_BrowserPermits(t *testing.T) {
	ctx := browser(t)
	a := demoCityApp(t, 300)
	base := serve(t, a)
	day := func(d int) string { return a.Now().In(a.Cal.Location()).AddDate(0, 0, d).Format("2006-01-02") }
	run(t, ctx, "the application form on a phone",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(base+"/citizen/permits"),
		chromedp.WaitVisible(chromedp.CSS("#permit-apply")),
		chromedp.SetValue(chromedp.CSS(`select[name=kind]`), "road_occupation"),
		chromedp.SendKeys(chromedp.CSS(`input[name=applicant]`), "李四"),
		chromedp.SendKeys(chromedp.CSS(`input[name=phone]`), "13912340000"),
		chromedp.SendKeys(chromedp.CSS(`input[name=address]`), "中山路8号门前"),
		chromedp.SetValue(chromedp.CSS(`input[name=lng]`), "118.78"),
		chromedp.SetValue(chromedp.CSS(`input[name=lat]`), "32.04"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=details]`), "开业庆典拱门一座，占用人行道 4 小时"),
		chromedp.SetValue(chromedp.CSS(`input[name=valid_from]`), day(3)),
		chromedp.SetValue(chromedp.CSS(`input[name=valid_to]`), day(4)),
	)
	if w := get(t, ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
		t.Errorf("the form is %d px wide on a 390 px phone", w)
	}
	shot(t, ctx, "permits-apply-phone")
	run(t, ctx, "apply",
		chromedp.Submit(chromedp.CSS("#permit-apply")),
		chromedp.WaitVisible(chromedp.CSS("p.flash")),
	)
	flash := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('p.flash').textContent`))
	if !strings.Contains(flash, "已受理") {
		t.Fatalf("after applying: %q", flash)
	}
	shot(t, ctx, "permits-applied-phone")

	signIn(t, ctx, base, "shiftlead")
	run(t, ctx, "the review queue",
		chromedp.EmulateViewport(1366, 900),
		chromedp.Click(chromedp.CSS("#nav-permits")),
		chromedp.WaitVisible(chromedp.CSS("#permit-list")),
	)
	id := get(t, ctx, chromedp.Evaluate[string](`(([...document.querySelectorAll('#permit-list tbody tr')].find(r => r.textContent.includes('李四')) || {}).id || '')`))
	if id == "" {
		t.Fatal("the application is not in the queue")
	}
	if cls := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('#`+id+` .permit-due').className`)); !strings.Contains(cls, "light-green") {
		t.Errorf("a fresh application's light: %q", cls)
	}
	shot(t, ctx, "permits-queue")
	run(t, ctx, "grant it",
		chromedp.Click(chromedp.CSS("#"+id+" button.permit-approve")),
		waitJS(`!document.getElementById('`+id+`')`, 10*time.Second),
	)
	var one permitOut
	if st := login(t, base, "operator").do("GET", "/api/v1/permits/"+strings.TrimPrefix(id, "permit-"), nil, &one); st != 200 || one.Status != "approved" || one.Number == "" {
		t.Fatalf("after granting: %d %+v", st, one)
	}
	run(t, ctx, "the public list",
		clearCookies(),
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(base+"/citizen/permits"),
		chromedp.WaitVisible(chromedp.CSS("#permit-public")),
	)
	if txt := get(t, ctx, chromedp.Evaluate[string](`document.getElementById('permit-public').textContent`)); !strings.Contains(txt, one.Number) {
		t.Errorf("%s is not on the public list", one.Number)
	}
}
