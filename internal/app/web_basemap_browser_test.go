package app

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cityloop/internal/basemap"
	"cityloop/internal/casework"
)

// fixtureRoads is a city's road file as an operator imports it (CSV, WGS-84):
// four roads across the fixture city and one address point.
const fixtureRoads = `road,number,lng,lat
长江路,,118.700,32.0510
长江路,,118.800,32.0510
珠江路,,118.700,32.0200
珠江路,,118.800,32.0200
北京东路,,118.700,32.0800
北京东路,,118.800,32.0800
中山路,,118.7530,32.100
中山路,,118.7530,32.000
虎踞路,,118.7200,32.100
虎踞路,,118.7200,32.000
中山路,88,118.7528,32.0700
`

// TestWeb_BrowserBaseMapAddress: with no tile server the maps draw the
// city's own layer (outlines and named roads) under the data; the pin in
// step 1 of the citizen form reads as an address; the case keeps it, the
// tracking page shows the road without the number, and the console's
// queue row and case page show it whole.
func TestWeb_BrowserBaseMapAddress(t *testing.T) {
	ctx := browser(t)
	a := testApp(t, "")
	file := filepath.Join(t.TempDir(), "roads.csv")
	if err := os.WriteFile(file, []byte(fixtureRoads), 0o600); err != nil {
		t.Fatal(err)
	}
	roads, err := basemap.Roads(file, "wgs84", false)
	if err != nil {
		t.Fatal(err)
	}
	a.Cases.Addresses = roads
	base := serve(t, a)
	photo := pngFile(t)

	run(t, ctx, "citizen form draws the base layer",
		clearCookies(), phone,
		chromedp.Navigate(base+"/citizen"),
		chromedp.WaitVisible(chromedp.CSS("#pick-map")),
		chromedp.SetUploadFiles(chromedp.CSS("#photo"), []string{photo}),
		poll(`document.querySelectorAll('#pick-map .base-label').length >= 3`, 10*time.Second),
	)
	run(t, ctx, "zoom in to the road names",
		chromedp.Click(chromedp.CSS(".leaflet-control-zoom-in")), chromedp.Sleep(350*time.Millisecond),
		chromedp.Click(chromedp.CSS(".leaflet-control-zoom-in")), chromedp.Sleep(350*time.Millisecond),
		chromedp.Click(chromedp.CSS(".leaflet-control-zoom-in")), chromedp.Sleep(350*time.Millisecond),
		mapClick(t, 0, 0),
		poll(`document.getElementById('loc-status').textContent.includes('号附近')`, 10*time.Second),
	)
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#pick-map .base-road').length`)); n == 0 {
		t.Error("close up, no road name is in view")
	}
	status := get(t, ctx, chromedp.Text(chromedp.CSS("#loc-status")))
	if !strings.Contains(status, "长江路") || !strings.Contains(status, "测试区") {
		t.Fatalf("step 1 says %q; want the district and 长江路 with a number", status)
	}
	shot(t, ctx, "basemap-citizen-step1-address")

	run(t, ctx, "send the report",
		chromedp.Click(chromedp.CSS("#to-step2")),
		chromedp.WaitVisible(chromedp.CSS("#description")),
		chromedp.SendKeys(chromedp.CSS("#description"), "路边垃圾桶满了"),
		chromedp.Click(chromedp.CSS("#send")),
		chromedp.WaitVisible(chromedp.CSS("#tracking-code")),
	)
	code := strings.TrimSpace(get(t, ctx, chromedp.Text(chromedp.CSS("#tracking-code"))))
	c, err := a.Store.FindCaseByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	full := regexp.MustCompile(`^测试区 \S+街道 长江路 \d+ 号附近$`)
	if !full.MatchString(c.Address) {
		t.Fatalf("the case's address is %q; want 测试区 …街道 长江路 N 号附近", c.Address)
	}
	if !strings.Contains(status, c.Address) {
		t.Errorf("step 1 showed %q, the case has %q", status, c.Address)
	}
	key := strings.TrimSpace(get(t, ctx, chromedp.Text(chromedp.CSS("#tracking-key"))))
	run(t, ctx, "tracking page", chromedp.Navigate(base+"/citizen/track?code="+code+"&key="+key), chromedp.WaitVisible(chromedp.CSS("#track-place")))
	if p := get(t, ctx, chromedp.Text(chromedp.CSS("#track-place"))); !strings.HasSuffix(p, "长江路附近") || strings.ContainsAny(p, "0123456789") {
		t.Errorf("the tracking page shows %q; want the road without the house number", p)
	}
	shot(t, ctx, "basemap-citizen-track-masked")

	run(t, ctx, "public map", chromedp.Navigate(base+"/citizen/map"), chromedp.WaitVisible(chromedp.CSS("#public-map")),
		poll(`document.querySelectorAll('#public-map .base-label').length >= 3`, 10*time.Second), chromedp.Sleep(500*time.Millisecond))
	shot(t, ctx, "basemap-citizen-public-map")

	run(t, ctx, "desktop", desktop)
	signIn(t, ctx, base, "operator")
	if body := get(t, ctx, chromedp.Text(chromedp.CSS("#queues"))); !strings.Contains(body, c.Address) {
		t.Errorf("the operator's queue does not show the address %q", c.Address)
	}
	run(t, ctx, "case page", chromedp.Navigate(base+"/console/cases/"+c.ID), chromedp.WaitVisible(chromedp.CSS("#case-map")),
		poll(`document.querySelectorAll('#case-map .base-label').length >= 1`, 10*time.Second), chromedp.Sleep(500*time.Millisecond))
	if body := get(t, ctx, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(body, c.Address) {
		t.Errorf("the case page does not show the address %q", c.Address)
	}
	shot(t, ctx, "basemap-console-case")
}

// TestWeb_BrowserBaseMapDemo: the demo city (a few hundred cases) draws its
// districts, streets and lattice roads, its generated cases carry
// reverse-geocoded addresses, and a pin in the citizen form reads as one.
func TestWeb_BrowserBaseMapDemo(t *testing.T) {
	ctx := browser(t)
	a := demoCityApp(t, 300)
	cases, _, err := a.Store.FindCases(context.Background(), casework.Filter{Now: a.Now(), Limit: 5})
	if err != nil || len(cases) == 0 {
		t.Fatalf("no demo case: %v", err)
	}
	addr := regexp.MustCompile(`^\S+区 \S+街道 \S+(路|街) \d+ 号附近$`)
	for _, c := range cases {
		if !addr.MatchString(c.Address) {
			t.Errorf("demo case %s has the address %q", c.Code, c.Address)
		}
	}
	base := serve(t, a)

	run(t, ctx, "citizen form on the demo city",
		clearCookies(), phone,
		chromedp.Navigate(base+"/citizen"),
		chromedp.WaitVisible(chromedp.CSS("#pick-map")),
		poll(`document.querySelectorAll('#pick-map .base-label').length >= 30`, 15*time.Second),
		chromedp.Click(chromedp.CSS(".leaflet-control-zoom-in")), chromedp.Sleep(350*time.Millisecond),
		chromedp.Click(chromedp.CSS(".leaflet-control-zoom-in")), chromedp.Sleep(350*time.Millisecond),
		chromedp.Click(chromedp.CSS(".leaflet-control-zoom-in")), chromedp.Sleep(350*time.Millisecond),
		mapClick(t, 20, 30),
		poll(`document.getElementById('loc-status').textContent.includes('号附近')`, 10*time.Second),
	)
	shot(t, ctx, "basemap-demo-citizen-step1")

	run(t, ctx, "desktop", desktop)
	signIn(t, ctx, base, "operator")
	shot(t, ctx, "basemap-demo-console-queue")
	c := cases[0]
	run(t, ctx, "demo case page", chromedp.Navigate(base+"/console/cases/"+c.ID), chromedp.WaitVisible(chromedp.CSS("#case-map")),
		poll(`document.querySelectorAll('#case-map .base-label').length >= 1`, 10*time.Second), chromedp.Sleep(500*time.Millisecond))
	if body := get(t, ctx, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(body, c.Address) {
		t.Errorf("the case page does not show the address %q", c.Address)
	}
	shot(t, ctx, "basemap-demo-console-case")
}
