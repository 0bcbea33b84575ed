package app

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cityloop/internal/org"
	"cityloop/internal/store/sqlstore"
)

// TestWeb_BrowserAssessment walks the leader through the monthly meeting
// on a demo city: 指标 for last month, a district failing a target, the
// failing figure opened into its cases (the list totals the figure's
// denominator, and exports), the ranking with its 红黑榜, the analyses,
// and a bulletin downloaded from 通报 (audited). The screenshots are in
// testout/screenshots/assess-*.png.
func TestWeb_BrowserAssessment(t *testing.T) {
	ctx := browser(t)
	a := demoKPIApp(t, 3000)
	base := serve(t, a)
	leader := login(t, base, "leader")

	// Which district fails a target last month, and the figure's cases,
	// as the API says: the page must show the same.
	now := a.Now().In(a.Cal.Location())
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location())
	from, to := first.AddDate(0, -1, 0).Format("2006-01-02"), first.AddDate(0, 0, -1).Format("2006-01-02")
	var district string
	var failing kpiItem
	for _, reg := range a.World.Atlas().Regions(org.LevelDistrict) {
		var out struct{ Items []kpiItem }
		if st := leader.do("GET", "/api/v1/kpis?region="+reg.Code+"&from="+from+"&to="+to, nil, &out); st != 200 {
			t.Fatalf("kpis of %s: %d", reg.Code, st)
		}
		for _, it := range out.Items {
			if it.MeetsTarget != nil && !*it.MeetsTarget && it.Denominator != nil && district == "" {
				district, failing = reg.Code, it
			}
		}
	}
	if district == "" {
		t.Fatal("no district of the demo city fails a target last month")
	}
	t.Logf("failing: %s %s = %v of %d cases", district, failing.Code, *failing.Value, *failing.Denominator)

	signIn(t, ctx, base, "leader")
	run(t, ctx, "指标 from the navigation",
		chromedp.EmulateViewport(1366, 900),
		chromedp.Click(chromedp.CSS("#nav-kpis")),
		chromedp.WaitVisible(chromedp.CSS("#kpi-table")),
	)
	if rows := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#kpi-table tbody tr').length`)); rows < 30 {
		t.Errorf("the 指标 table has %d rows", rows)
	}
	shot(t, ctx, "assess-kpis-city")

	run(t, ctx, "choose the failing district",
		chromedp.SetValue(chromedp.CSS("#kpi-unit"), district),
		chromedp.Submit(chromedp.CSS("#kpi-form")),
		waitJS(`location.search.includes('unit=`+district+`')`, 10*time.Second),
		chromedp.WaitVisible(chromedp.CSS("#kpi-failing")),
	)
	row := "#kpi-" + failing.Code
	if cls := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('`+row+`').className`)); cls != "kpi-fail" {
		t.Errorf("%s is shown as %q, not failing", failing.Code, cls)
	}
	shot(t, ctx, "assess-kpis-failing-district")

	run(t, ctx, "open the failing figure's cases",
		chromedp.Click(chromedp.CSS(row+" a.kpi-den")),
		chromedp.WaitVisible(chromedp.CSS("#case-total")),
	)
	total := get(t, ctx, chromedp.Evaluate[string](`document.getElementById('case-total').textContent.trim()`))
	if total != strconv.Itoa(*failing.Denominator) {
		t.Errorf("the case list totals %s; the figure's denominator is %d", total, *failing.Denominator)
	}
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#case-table tbody tr').length`)); n != min(*failing.Denominator, 50) {
		t.Errorf("the list shows %d cases", n)
	}
	shot(t, ctx, "assess-failing-cases")
	// The export buttons download the same cases.
	csvURL := get(t, ctx, chromedp.Evaluate[string](`document.getElementById('export-csv').href`))
	b := newBrowserClient(t, base)
	if res := b.signIn("leader", "demo"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", res.StatusCode)
	}
	u, _ := url.Parse(csvURL)
	st, body, hdr := download(t, b, u.RequestURI())
	if st != 200 || !strings.Contains(hdr.Get("Content-Type"), "csv") {
		t.Fatalf("export %s: %d %s", u.RequestURI(), st, hdr.Get("Content-Type"))
	}
	if lines := strings.Count(strings.TrimSpace(body), "\n"); lines != *failing.Denominator {
		t.Errorf("the CSV has %d case lines; the figure's denominator is %d", lines, *failing.Denominator)
	}

	run(t, ctx, "考核排名 with 红黑榜",
		chromedp.Navigate(base+"/console/rankings?level=district&from="+from+"&to="+to),
		chromedp.WaitVisible(chromedp.CSS("#rank-table")),
		waitJS(`document.querySelectorAll('#red-list li a').length > 0 && document.querySelectorAll('#black-list li a').length > 0`, 5*time.Second),
	)
	shot(t, ctx, "assess-rankings")
	run(t, ctx, "supervisors ranked",
		chromedp.Navigate(base+"/console/rankings?level=supervisor&from="+from+"&to="+to),
		waitJS(`document.querySelectorAll('#rank-table tbody tr').length > 1`, 10*time.Second),
	)
	run(t, ctx, "分析",
		chromedp.Navigate(base+"/console/analysis"),
		chromedp.WaitVisible(chromedp.CSS("#an-forecast")),
		waitJS(`document.querySelectorAll('#an-hours td').length === 168 && document.querySelectorAll('#an-heat tbody tr').length > 0`, 5*time.Second),
	)
	shot(t, ctx, "assess-analysis")

	// 通报: the demo city carries its past months' bulletins; one opens in
	// the browser and its download is on the audit trail.
	run(t, ctx, "通报",
		chromedp.Navigate(base+"/console/bulletins"),
		waitJS(`document.querySelectorAll('#bulletin-table a.bulletin-file').length >= 3`, 5*time.Second),
		chromedp.WaitVisible(chromedp.CSS("#produce-form")),
	)
	shot(t, ctx, "assess-bulletins")
	href := get(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#bulletin-table a.bulletin-file')].find(a => a.href.endsWith('.html')).href`))
	title := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('#bulletin-table tbody th').textContent.trim()`))
	run(t, ctx, "open a bulletin",
		chromedp.Navigate(href),
		waitJS(`document.body.innerText.includes(`+strconv.Quote(title)+`)`, 10*time.Second),
	)
	shot(t, ctx, "assess-bulletin-html")
	// Its figures open into the console's case lists, in the session.
	run(t, ctx, "a bulletin figure's cases",
		waitJS(`(a => a && (a.click(), true))(document.querySelector('a[href^="/console/cases?"]'))`, 5*time.Second),
		chromedp.WaitVisible(chromedp.CSS("#case-total")),
	)
	u, _ = url.Parse(href)
	if st, body, hdr := download(t, b, strings.Replace(u.RequestURI(), ".html", ".xlsx", 1)); st != 200 || !strings.Contains(hdr.Get("Content-Disposition"), "attachment") || !strings.HasPrefix(body, "PK") {
		t.Errorf("XLSX download: %d %q", st, hdr.Get("Content-Disposition"))
	}
	recs, _, err := a.Store.FindAudit(context.Background(), sqlstore.AuditFilter{Action: "bulletin.download"})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < 2 {
		t.Errorf("%d bulletin downloads audited; want the HTML and the XLSX", len(recs))
	}
	run(t, ctx, "leave", chromedp.Navigate("about:blank"))
}

// download GETs path in b's session, with the answer's headers.
func download(t *testing.T, b *browserClient, path string) (int, string, http.Header) {
	t.Helper()
	res, err := b.http.Get(b.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(body), res.Header
}
