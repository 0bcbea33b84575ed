package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWeb_BrowserRegionImportPreview previews, on a phone, a regions file
// as public sources deliver them — a community whose outline spikes out and
// back and is not closed, a grid wound clockwise, a grid that crosses itself,
// and a gap between the grids — and finds the console listing each repair
// with its place, the gap with its area, and nothing imported.
func TestWeb_BrowserRegionImportPreview(t *testing.T) {
	ctx := browser(t)
	a := testApp(t, "")
	base := serve(t, a)
	file := filepath.Join(t.TempDir(), "西社区二.geojson")
	doc := `{"type":"FeatureCollection","features":[
	{"type":"Feature","properties":{"code":"320101001009","name":"西社区二","level":"community","parent":"320101001"},
	 "geometry":{"type":"Polygon","coordinates":[[[118.70,32.00],[118.72,32.00],[118.72,32.01],[118.725,32.01],[118.72,32.01],[118.72,32.02],[118.70,32.02]]]}},
	{"type":"Feature","properties":{"code":"32010100100901","name":"网格甲","level":"grid","parent":"320101001009"},
	 "geometry":{"type":"Polygon","coordinates":[[[118.70,32.00],[118.70,32.01],[118.71,32.01],[118.71,32.00],[118.70,32.00]]]}},
	{"type":"Feature","properties":{"code":"32010100100902","name":"网格乙","level":"grid","parent":"320101001009"},
	 "geometry":{"type":"Polygon","coordinates":[[[118.71,32.00],[118.72,32.01],[118.72,32.00],[118.71,32.01],[118.71,32.00]]]}}]}`
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	before := a.World.Atlas().Len()
	run(t, ctx, "phone", clearCookies(), phone)
	signIn(t, ctx, base, "admin")
	run(t, ctx, "preview the file",
		chromedp.Navigate(base+"/console/admin#regions"),
		chromedp.WaitVisible(chromedp.CSS("#import-form")),
		chromedp.Click(chromedp.CSS(`#import-form input[name="dry_run"]`)),
		chromedp.SetUploadFiles(chromedp.CSS("#geojson"), []string{file}),
		chromedp.Click(chromedp.CSS(`#import-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#import-repairs")),
		chromedp.ScrollIntoView(chromedp.CSS("#import-repairs")),
	)
	repairs := get(t, ctx, chromedp.Text(chromedp.CSS("#import-repairs")))
	for _, want := range []string{"闭合环", "删除回头尖刺 @ 118.725000,32.010000", "调整环方向", "在自相交处拆分 @ 118.715000,32.005000", "320101001009 西社区二"} {
		if !strings.Contains(repairs, want) {
			t.Errorf("repair table lacks %q:\n%s", want, repairs)
		}
	}
	if strings.Contains(repairs, "在自接触点拆分") {
		t.Errorf("the spike's base is reported as a self-touch too:\n%s", repairs)
	}
	coverage := get(t, ctx, chromedp.Text(chromedp.CSS("#import-coverage")))
	if !strings.Contains(coverage, "缝隙") || !strings.Contains(coverage, "320101001009") {
		t.Errorf("coverage table lacks the gap in 320101001009:\n%s", coverage)
	}
	if flash := get(t, ctx, chromedp.Text(chromedp.CSS(".flash"))); !strings.Contains(flash, "未导入") {
		t.Errorf("flash %q does not say nothing was imported", flash)
	}
	// The page is tall; the phone's screen where the report starts is what
	// a person sees first.
	run(t, ctx, "report on screen", poll(`(document.getElementById('import-repairs').scrollIntoView({block: 'start'}), true)`, 5*time.Second), chromedp.Sleep(300*time.Millisecond))
	screen := get(t, ctx, chromedp.CaptureScreenshot())
	if err := os.WriteFile(filepath.Join(shotDir(t), "admin-region-import-preview-phone-screen.png"), screen, 0o644); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "admin-region-import-preview-phone")
	if got := a.World.Atlas().Len(); got != before {
		t.Errorf("a preview changed the region tree: %d regions, was %d", got, before)
	}
}
