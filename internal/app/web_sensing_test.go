package app

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cityloop/internal/auth"
	"cityloop/internal/geo"
	"cityloop/internal/ingest/mqtt"
	"cityloop/internal/org"
	"cityloop/internal/sensing"
)

// Tests of the two pages that read the live sensing state: the staff
// monitoring page (/console/sensing) and the citizens' parking page
// (/citizen/parking). As in sensing_http_test.go the app is served without
// Run (the first sensing request takes the service) and the tests call
// Work and Flush themselves; TestWeb_SensingPagesTwoNodes runs two nodes.

// section returns the part of page from the first occurrence of start to
// the next occurrence of end after it ("" when start is missing).
func section(page, start, end string) string {
	i := strings.Index(page, start)
	if i < 0 {
		return ""
	}
	rest := page[i:]
	if j := strings.Index(rest, end); j >= 0 {
		return rest[:j]
	}
	return rest
}

// addCitizenAccount creates an account holding only the citizen post.
func addCitizenAccount(t *testing.T, a *App, username string) {
	t.Helper()
	hash, err := auth.HashPassword("demo", auth.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store.CreateAccount(context.Background(), &org.Account{ID: NewID(), Username: username, Name: username, PasswordHash: hash,
		Grants: []org.Grant{{Post: org.PostCitizen}}, CreatedAt: a.Now()}); err != nil {
		t.Fatal(err)
	}
}

// putParking registers lot-a (near 118.72, 32.02, two berths) and lot-b
// (farther east, one berth) and reports lot-a full and lot-b free.
func putParking(t *testing.T, admin *client) {
	t.Helper()
	mustPut(t, admin, "/api/v1/sensing/parking/lots/lot-a", map[string]any{"name": "鼓楼停车场", "lng": 118.72, "lat": 32.02, "capacity": 2, "max_stay_min": 120})
	mustPut(t, admin, "/api/v1/sensing/parking/lots/lot-b", map[string]any{"name": "东街停车场", "lng": 118.74, "lat": 32.02, "capacity": 1, "on_street": true})
	for dev, l := range map[string]string{"berth-a1": "lot-a", "berth-a2": "lot-a", "berth-b1": "lot-b"} {
		mustPut(t, admin, "/api/v1/sensing/devices/"+dev, map[string]any{"kind": "berth", "lot": l, "lng": 118.72, "lat": 32.02, "interval_s": 300})
	}
	t0 := time.Now().Add(-time.Minute)
	postReadings(t, admin,
		reading("berth-a1", t0, map[string]any{"occupied": 1}),
		reading("berth-a2", t0, map[string]any{"occupied": 1}),
		reading("berth-b1", t0, map[string]any{"occupied": 0}))
}

var tagRe = regexp.MustCompile(`<[^>]+>`)

// text strips tags and folds white space, for matching table rows.
func text(page string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tagRe.ReplaceAllString(page, " "))), " ")
}

// sensingFixture registers devices (a noise meter and a bin at wp-1 that
// report, an air sensor that never does), two dahua cameras whose hawker
// case an operator confirms and whose exposed-refuse case he rejects, and
// the parking of putParking. The bin overflows: its case is returned.
func sensingFixture(t *testing.T, a *App, base string) string {
	t.Helper()
	ctx := context.Background()
	admin, op := login(t, base, "admin"), login(t, base, "operator")
	mustPut(t, admin, "/api/v1/sensing/waste/points/wp-1", map[string]any{"name": "一号投放点", "lng": 118.71, "lat": 32.02})
	mustPut(t, admin, "/api/v1/sensing/devices/noise-1", map[string]any{"kind": "noise", "name": "中山路噪声", "lng": 118.72, "lat": 32.03, "interval_s": 600})
	mustPut(t, admin, "/api/v1/sensing/devices/bin-1", map[string]any{"kind": "bin", "name": "一号桶", "point": "wp-1", "stream": "other", "lng": 118.71, "lat": 32.02, "interval_s": 600})
	mustPut(t, admin, "/api/v1/sensing/devices/air-1", map[string]any{"kind": "air", "lng": 118.73, "lat": 32.04, "interval_s": 600})
	t0 := time.Now().Add(-2 * time.Minute)
	postReadings(t, admin,
		reading("noise-1", t0, map[string]any{"noise_db": 48}),
		reading("bin-1", t0, map[string]any{"fill_pct": 96}))
	if err := a.sensing.Work(ctx); err != nil {
		t.Fatal(err)
	}
	_, binCase := ruleCase(t, admin, "bin-1", "bin-full")
	if binCase == "" {
		t.Fatal("no bin-full case")
	}
	putParking(t, admin)

	// Two AI cameras; the operator confirms a hawker and rejects exposed refuse.
	for _, cam := range []string{"cam-1", "cam-2"} {
		mustPut(t, admin, "/api/v1/sensing/cameras/"+cam, map[string]any{"lng": 118.71, "lat": 32.03, "vendor": "dahua", "watches": []string{"event:0501", "event:0102"}})
	}
	event := func(cam, code string) string {
		t.Helper()
		var out map[string]any
		if st := admin.do("POST", "/api/v1/sensing/camera-events", map[string]any{"camera_id": cam, "code": code, "confidence": 0.95,
			"bbox": []float64{0.4, 0.4, 0.1, 0.1}}, &out); st != 201 {
			t.Fatalf("camera event %s: %d %v", code, st, out)
		}
		return out["case_id"].(string)
	}
	hawker, refuse := event("cam-1", "884"), event("cam-2", "883")
	act(t, op, hawker, map[string]any{"action": "accept"}, 200)
	act(t, op, refuse, map[string]any{"action": "reject", "note": "误报：阴影"}, 200)
	if err := a.sensing.Flush(ctx); err != nil { // reads how people judged the AI cases
		t.Fatal(err)
	}
	return binCase
}

func TestWeb_SensingPage(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	ctx := context.Background()
	binCase := sensingFixture(t, a, base)

	b := newBrowserClient(t, base)
	if res := b.signIn("operator", "demo"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", res.StatusCode)
	}
	if _, page, _ := b.get("/console"); !strings.Contains(page, `href="/console/sensing"`) {
		t.Fatal("the console navigation does not link the monitoring page for an operator")
	}
	st, page, _ := b.get("/console/sensing")
	if st != 200 || !strings.Contains(page, "<h1>智能感知</h1>") {
		t.Fatalf("monitoring page: %d\n%.2000s", st, page)
	}
	devices := text(section(page, `id="device-figures"`, "</table>"))
	for _, want := range []string{"噪声监测 1 1 0 0", "垃圾桶满溢 1 1 0 0", "空气质量 1 0 0 1", "泊位检测 3 3 0 0", "积水监测 0 0 0 0", "AI 摄像头 2 2 0 0"} {
		if !strings.Contains(devices, want) {
			t.Errorf("device figures lack %q: %s", want, devices)
		}
	}
	if !strings.Contains(page, `id="mqtt-off"`) {
		t.Error("without MQTT the page should say it is not configured")
	}

	overall := text(section(page, `id="accuracy-overall"`, "</div>"))
	if !strings.Contains(overall, "50.0%") || !strings.Contains(overall, "未达标") {
		t.Errorf("overall accuracy: %s", overall)
	}
	if row := text(section(page, `data-category="event:0501"`, "</tr>")); !strings.Contains(row, "无照经营游商") || !strings.Contains(row, "1 1 0 100.0%") ||
		!strings.Contains(row, "达标") || strings.Contains(row, "未达标") || !strings.Contains(row, "人工确认") {
		t.Errorf("hawker row: %s", row)
	}
	// event:0102 is set to file automatically but has not earned it.
	if row := text(section(page, `data-category="event:0102"`, "</tr>")); !strings.Contains(row, "暴露垃圾") || !strings.Contains(row, "1 0 1 0.0%") ||
		!strings.Contains(row, "未达标") || !strings.Contains(row, "暂需人工确认") {
		t.Errorf("exposed refuse row: %s", row)
	}
	if row := text(section(page, `data-vendor="dahua"`, "</tr>")); !strings.Contains(row, "大华 2 1 1 50.0% 未达标") {
		t.Errorf("vendor row: %s", row)
	}

	alerts := section(page, `id="alert-list"`, "</table>")
	if !strings.Contains(alerts, `href="/console/cases/`+binCase+`"`) || !strings.Contains(alerts, "垃圾桶满溢") || !strings.Contains(alerts, "一号桶") {
		t.Errorf("alerts do not link the bin case %s: %s", binCase, text(alerts))
	}
	// One overflow day at one point in 30 days: 29/30.
	if waste := text(section(page, `id="waste-compliance"`, "</table>")); !strings.Contains(waste, "西社区 1 1 96.7%") {
		t.Errorf("waste compliance: %s", waste)
	}
	lots := text(section(page, `id="parking-occupancy"`, "</table>"))
	if !strings.Contains(lots, "鼓楼停车场 2 2 2 0 已满 0 0 100.0%") || !strings.Contains(lots, "东街停车场 1 1 0 1 0 0 0.0%") {
		t.Errorf("parking occupancy: %s", lots)
	}

	_, en, _ := b.get("/console/sensing?lang=en")
	for _, want := range []string{"<h1>Intelligent monitoring</h1>", "Unlicensed hawker", "Below target", "Meets target", "Human confirmation", "Noise"} {
		if !strings.Contains(en, want) {
			t.Errorf("the English page lacks %q", want)
		}
	}

	t.Run("refused", func(t *testing.T) {
		anon := newBrowserClient(t, base)
		res, err := anon.http.Get(base + "/console/sensing")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin?next=%2Fconsole%2Fsensing" {
			t.Fatalf("anonymous: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		addCitizenAccount(t, a, "citizen1")
		for _, user := range []string{"citizen1", "handler"} {
			c := newBrowserClient(t, base)
			if res := c.signIn(user, "demo"); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("%s sign in: %d", user, res.StatusCode)
			}
			if st, page, _ := c.get("/console/sensing"); st != http.StatusForbidden || strings.Contains(page, "device-figures") {
				t.Fatalf("%s: %d, want 403", user, st)
			}
			if _, page, _ := c.get("/console"); strings.Contains(page, `href="/console/sensing"`) {
				t.Fatalf("the navigation links the monitoring page for %s", user)
			}
		}
		for _, user := range []string{"leader", "shiftlead", "dispatcher", "admin"} {
			c := newBrowserClient(t, base)
			c.signIn(user, "demo")
			if st, _, _ := c.get("/console/sensing"); st != 200 {
				t.Fatalf("%s: %d, want 200", user, st)
			}
		}
	})

	t.Run("MQTT counters", func(t *testing.T) {
		addr := os.Getenv("CITYLOOP_TEST_MQTT_ADDR")
		if addr == "" {
			t.Skip("CITYLOOP_TEST_MQTT_ADDR is not set: skipping the MQTT counters on the page")
		}
		suffix := fmt.Sprint(time.Now().UnixNano())
		t.Setenv("CITYLOOP_MQTT_ADDR", addr)
		t.Setenv("CITYLOOP_MQTT_CLIENT_ID", "cityloop-webpage-"+suffix)
		t.Setenv("CITYLOOP_MQTT_SESSION_EXPIRY", "10s")
		m := testApp(t, "")
		mbase := serve(t, m)
		dev := "noise-web-" + suffix
		mustPut(t, login(t, mbase, "admin"), "/api/v1/sensing/devices/"+dev, map[string]any{"kind": "noise", "lng": 118.72, "lat": 32.03, "interval_s": 600})
		pctx, cancel := context.WithCancel(ctx)
		defer cancel()
		pub, err := mqtt.Dial(pctx, mqtt.ConnConfig{Addr: addr, ClientID: "webpage-pub-" + suffix, CleanStart: true})
		if err != nil {
			t.Fatal(err)
		}
		stats := &m.mqttSub.Stats
		waitFor(t, 10*time.Second, "a reading over MQTT", func() bool {
			_ = pub.PublishSync(pctx, sensing.Topic(dev), fmt.Appendf(nil, `{"values":{"noise_db":%d}}`, 50))
			return stats.Stored.Load() >= 1
		})
		c := newBrowserClient(t, mbase)
		c.signIn("leader", "demo")
		_, page, _ := c.get("/console/sensing")
		mq := text(section(page, `id="mqtt-figures"`, "</dl>"))
		if !strings.Contains(mq, sensing.TopicFilter) || !strings.Contains(mq, "已入库") || strings.Contains(mq, "已入库 0") {
			t.Fatalf("MQTT figures: %s", mq)
		}
	})
}

func TestWeb_ParkingPage(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	admin := login(t, base, "admin")
	putParking(t, admin)
	b := newBrowserClient(t, base)

	st, page, _ := b.get("/citizen/parking")
	if st != 200 || !strings.Contains(page, "停车场空位") || !strings.Contains(page, `id="locate-me"`) || !strings.Contains(page, `/citizen/parking.js`) ||
		!strings.Contains(page, `href="/citizen/parking"`) || strings.Contains(page, `id="nearest-lots"`) {
		t.Fatalf("parking page: %d\n%.2000s", st, page)
	}
	if row := text(section(page, `<tr data-lot="lot-a">`, "</tr>")); !strings.Contains(row, "鼓楼停车场 0 / 2 已满") {
		t.Errorf("lot-a row: %s", row)
	}
	if row := text(section(page, `<tr data-lot="lot-b">`, "</tr>")); !strings.Contains(row, "东街停车场 路内泊位 1 / 1 有空位") {
		t.Errorf("lot-b row: %s", row)
	}

	nearest := func(q string) []string {
		t.Helper()
		st, page, _ := b.get("/citizen/parking?" + q)
		if st != 200 {
			t.Fatalf("search %s: %d", q, st)
		}
		near := section(page, `id="nearest-lots"`, "</ol>")
		ids := []string{}
		for _, m := range regexp.MustCompile(`<li class="lot" data-lot="([^"]+)"`).FindAllStringSubmatch(near, -1) {
			ids = append(ids, m[1])
		}
		return ids
	}
	// lot-a is nearest but full: the nearest lot with a free space is lot-b, ≈ 1.9 km east.
	st, page, _ = b.get("/citizen/parking?lng=118.72&lat=32.02")
	if st != 200 {
		t.Fatalf("search: %d", st)
	}
	near := section(page, `id="nearest-lots"`, "</ol>")
	if !strings.Contains(near, `data-lot="lot-b"`) || strings.Contains(near, `data-lot="lot-a"`) {
		t.Fatalf("nearest with lot-a full: %s", text(near))
	}
	for _, want := range []string{"1.9 km", "有空位", "geo:32.020000,118.740000", "uri.amap.com/marker", "coordinate=gaode"} {
		if !strings.Contains(near, want) {
			t.Errorf("nearest lacks %q: %s", want, near)
		}
	}
	// The list of all lots is by distance now, with the full one marked.
	if ia, ib := strings.Index(page, `<tr data-lot="lot-a">`), strings.Index(page, `<tr data-lot="lot-b">`); ia < 0 || ib < ia {
		t.Errorf("all lots not by distance: a=%d b=%d", ia, ib)
	}
	// The same point in GCJ-02 (AMap, WeChat) finds the same lot.
	g := geo.FromWGS84(geo.Point{Lng: 118.72, Lat: 32.02}, geo.GCJ02)
	if ids := nearest(fmt.Sprintf("lng=%.6f&lat=%.6f&crs=gcj02", g.Lng, g.Lat)); fmt.Sprint(ids) != "[lot-b]" {
		t.Errorf("nearest from a GCJ-02 point: %v", ids)
	}
	// A car leaves lot-a: it is the nearest again.
	postReadings(t, admin, reading("berth-a2", time.Now().Add(-30*time.Second), map[string]any{"occupied": 0}))
	if ids := nearest("lng=118.72&lat=32.02"); fmt.Sprint(ids) != "[lot-a lot-b]" {
		t.Errorf("nearest after a car left: %v", ids)
	}

	st, page, _ = b.get("/citizen/parking?lang=en")
	if st != 200 || !strings.Contains(page, "<h1>Parking spaces</h1>") || !strings.Contains(page, "Spaces free") || !strings.Contains(page, ">Parking</a>") {
		t.Fatalf("English page: %d", st)
	}
	for _, q := range []string{"lng=x&lat=32.02", "lng=118.72&lat=32.02&crs=mars", "lng=500&lat=32"} {
		if st, page, _ := b.get("/citizen/parking?" + q); st != 400 || !strings.Contains(page, "Not a valid location") {
			t.Errorf("bad point %s: %d", q, st)
		}
	}
	if st, js, _ := b.get("/citizen/parking.js"); st != 200 || !strings.Contains(js, "geolocation") || !strings.Contains(js, "parking-form") {
		t.Fatalf("script: %d", st)
	}

	t.Run("rate limited per address", func(t *testing.T) {
		limited := false
		for i := range 30 {
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/citizen/parking?lng=118.72&lat=32.0%d", base, i%10), nil)
			// A forged note of another node's count does not help.
			req.Header.Set("X-Cityloop-Parking-Limited", fmt.Sprintf("%d.forged", time.Now().Unix()))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode == http.StatusTooManyRequests {
				limited = res.Header.Get("Retry-After") != ""
				break
			}
		}
		if !limited {
			t.Fatal("30 searches in a row were not rate-limited")
		}
		// The list without a search is not limited.
		if st, _, _ := b.get("/citizen/parking"); st != 200 {
			t.Fatalf("the plain list after the limit: %d", st)
		}
	})
}

// TestWeb_SensingPagesTwoNodes: with two nodes, the pages asked of the node
// that does not hold the sensing state are served by the one that does,
// and a parking search passed on is counted once, against the citizen.
func TestWeb_SensingPagesTwoNodes(t *testing.T) {
	a := testApp(t, "")
	// A second node on the same database sharing the web secret, as
	// several nodes must.
	cfg := a.Cfg
	cfg.DataDir = t.TempDir()
	secret, err := os.ReadFile(filepath.Join(a.Cfg.DataDir, "web.secret"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg.DataDir, "web.secret"), secret, 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := Open(context.Background(), cfg, a.Log, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	baseA, _ := startNode(t, a)
	waitFor(t, 5*time.Second, "node A to take the sensing service", a.sensingOwner.IsOwner)
	baseB, _ := startNode(t, b)
	putParking(t, login(t, baseA, "admin"))
	if b.sensingOwner.IsOwner() {
		t.Fatal("both nodes hold the sensing service")
	}

	viaB := newBrowserClient(t, baseB)
	viaB.signIn("leader", "demo")
	if st, page, _ := viaB.get("/console/sensing"); st != 200 || !strings.Contains(text(section(page, `id="parking-occupancy"`, "</table>")), "鼓楼停车场 2 2 2 0 已满") {
		t.Fatalf("monitoring page through B: %d", st)
	}

	// Node B allows a burst of 10 searches per address; passed on to A they
	// must not use up A's budget for B's address (here the same 127.0.0.1
	// as the test's own), so 10 searches straight to A pass too.
	search := func(base string, i int) int {
		res, err := http.Get(fmt.Sprintf("%s/citizen/parking?lng=118.72&lat=32.0%d", base, i%10))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for i := range 10 {
		if st := search(baseB, i); st != 200 {
			t.Fatalf("search %d through B: %d", i, st)
		}
	}
	limited := false
	for i := 0; i < 5 && !limited; i++ { // the bucket refills at one search per 2 s
		limited = search(baseB, i) == http.StatusTooManyRequests
	}
	if !limited {
		t.Fatal("node B did not limit searches past its burst")
	}
	for i := range 10 {
		if st := search(baseA, i); st != 200 {
			t.Fatalf("search %d straight to A after 10 passed on by B: %d", i, st)
		}
	}
}

// TestWeb_BrowserSensingPages opens both pages in Chromium: the monitoring
// page for a leader, and the parking page on a phone, where the script shows
// the location button and a typed point finds the nearest free space.
func TestWeb_BrowserSensingPages(t *testing.T) {
	ctx := browser(t)
	a := testApp(t, "")
	base := serve(t, a)
	sensingFixture(t, a, base)

	run(t, ctx, "desktop", desktop)
	signIn(t, ctx, base, "leader")
	run(t, ctx, "monitoring page",
		chromedp.Click(chromedp.CSS(`a[href="/console/sensing"]`)),
		chromedp.WaitVisible(chromedp.CSS("#device-figures")),
		chromedp.WaitVisible(chromedp.CSS("#alert-list")))
	shot(t, ctx, "console-sensing")
	if row := get(t, ctx, chromedp.Text(chromedp.CSS(`#accuracy-classes tr[data-category="event:0501"]`))); !strings.Contains(row, "达标") {
		t.Fatalf("hawker accuracy row: %q", row)
	}

	run(t, ctx, "parking page",
		clearCookies(),
		phone,
		chromedp.Navigate(base+"/citizen"),
		chromedp.Click(chromedp.CSS(`a[href="/citizen/parking"]`)),
		chromedp.WaitVisible(chromedp.CSS("#lot-list")),
		chromedp.WaitVisible(chromedp.CSS("#locate-me")), // the script ran under the CSP
	)
	shot(t, ctx, "citizen-parking")
	run(t, ctx, "parking typed point",
		chromedp.Click(chromedp.CSS("#parking-form summary")),
		chromedp.SetValue(chromedp.CSS(`#parking-form input[name=lng]`), "118.72"),
		chromedp.SetValue(chromedp.CSS(`#parking-form input[name=lat]`), "32.02"),
		chromedp.Click(chromedp.CSS(`#parking-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#nearest-lots")))
	shot(t, ctx, "citizen-parking-nearest")
	if first := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('#nearest-lots li').dataset.lot`)); first != "lot-b" {
		t.Fatalf("nearest lot with a free space: %q, want lot-b (lot-a is full)", first)
	}
}
