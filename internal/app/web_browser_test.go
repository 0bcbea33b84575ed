package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"cityloop/internal/casework"
	"cityloop/internal/config"
	"cityloop/internal/web"
)

// browser starts Debian's Chromium headless (CITYLOOP_TEST_CHROMIUM) with a
// fresh profile, or skips the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	exe := os.Getenv("CITYLOOP_TEST_CHROMIUM")
	if exe == "" {
		t.Skip("CITYLOOP_TEST_CHROMIUM is not set (e.g. /usr/bin/chromium; .ci/run sets it): skipping the browser test")
	}
	if !web.BundleEmbedded() {
		t.Skip("the front-end bundle is not built: run `make web` (make test does) before the browser tests")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("lang", "zh-CN"),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)

	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel3 := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(cancel3)
	return ctx
}

func shotDir(t *testing.T) string {
	dir := filepath.Join("..", "..", "testout", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// shot saves a full-page screenshot as testout/screenshots/NAME.png.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	c2, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	buf, err := chromedp.Run(c2, chromedp.FullScreenshot(100))
	if err != nil {
		// A full-page capture of a tall page in phone emulation now and
		// then never returns; the viewport is enough to look at.
		c3, cancel3 := context.WithTimeout(ctx, 10*time.Second)
		defer cancel3()
		if buf, err = chromedp.Run(c3, chromedp.CaptureScreenshot()); err != nil {
			t.Errorf("screenshot %s: %v", name, err)
			return
		}
	}
	// FullScreenshot with quality 100 is PNG.
	if err := os.WriteFile(filepath.Join(shotDir(t), name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

type step = chromedp.Action[chromedp.Void]

var (
	phone   = chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)
	desktop = chromedp.EmulateViewport(1280, 900)
)

func clearCookies() step {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.ClearBrowserCookies, cdp.Empty{})
		return err
	})
}

func offline(off bool) step {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		// The rule blocks the requests; the state override tells the page (navigator.onLine and the online event).
		if _, err := cdp.Call(ctx, t, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}}}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	})
}

// poll waits until the JavaScript expression is true.
func poll(expr string, d time.Duration) step {
	p := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(d))
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := p(ctx, t)
		return chromedp.Void{}, err
	}
}

// waitJS polls the expression until it is true, riding out navigations.
func waitJS(expr string, d time.Duration) step {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		deadline := time.Now().Add(d)
		for {
			c2, cancel := context.WithTimeout(ctx, 2*time.Second)
			ok, err := chromedp.Evaluate[bool](expr)(c2, t)
			cancel()
			if err == nil && ok {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("waiting for %s: last answer %v, %v", expr, ok, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

func run(t *testing.T, ctx context.Context, what string, actions ...step) {
	t.Helper()
	start := time.Now()
	defer func() { t.Logf("%-24s %6.0f ms", what, float64(time.Since(start).Microseconds())/1000) }()
	if err := chromedp.Do(ctx, actions...); err != nil {
		// The step may have failed because ctx ran out: look at the page
		// with a few seconds of its own, so a hung page reports its state
		// instead of stalling the package until go test's timeout.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		shot(t, dctx, "failed-"+strings.ReplaceAll(what, " ", "-"))
		if m, err := chromedp.Run(dctx, chromedp.Evaluate[string](`JSON.stringify(Object.assign({}, (document.getElementById('city-map') || {}).dataset || {}, {stats: (document.getElementById('map-stats') || {}).textContent}))`)); err == nil {
			t.Logf("page state: %s", m)
		}
		loc, _ := chromedp.Run(dctx, chromedp.Location())
		body, _ := chromedp.Run(dctx, chromedp.Text(chromedp.CSS("main")))
		t.Fatalf("%s: %v (at %s: %.600s)", what, err, loc, body)
	}
}

func get[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// signIn signs out whoever is signed in and signs in as user through the
// form: desk posts land on the console's queues, field posts (supervisor,
// grid member, handler) on the field app's task list.
func signIn(t *testing.T, ctx context.Context, base, user string) {
	t.Helper()
	run(t, ctx, "sign in as "+user,
		clearCookies(),
		chromedp.Navigate(base+"/signin"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), "demo"),
		chromedp.Submit(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#queues, #tasks")),
	)
}

// act opens one action on the case page, lets fill set its fields and submits it.
func actOn(t *testing.T, ctx context.Context, base, id, action string, fill ...step) {
	t.Helper()
	acts := []step{
		chromedp.Navigate(base + "/console/cases/" + id),
		chromedp.WaitVisible(chromedp.CSS("#act-" + action + " summary")),
		chromedp.Click(chromedp.CSS("#act-" + action + " summary")),
		chromedp.WaitVisible(chromedp.CSS("#do-" + action)),
	}
	acts = append(acts, fill...)
	acts = append(acts, chromedp.Click(chromedp.CSS("#do-"+action)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	run(t, ctx, action, acts...)
}

func statusOfCase(t *testing.T, a *App, id string) casework.Status {
	t.Helper()
	c, err := a.Store.FindCaseByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c.Status
}

func pngFile(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "photo.png")
	if err := os.WriteFile(p, tinyPNG, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestWeb_BrowserLoop walks one case around the loop in a real browser:
// a citizen reports from a phone, the operator accepts, the shift lead
// files, the dispatcher dispatches, the handler signs and disposes, the
// supervisor checks, the shift lead closes, and the citizen rates.
func TestWeb_BrowserLoop(t *testing.T) {
	ctx := browser(t)
	a := testApp(t, "")
	base := serve(t, a)
	photo := pngFile(t)

	// Citizen, phone-sized, two steps.
	run(t, ctx, "citizen step 1",
		clearCookies(),
		phone,
		chromedp.Navigate(base+"/citizen"),
		chromedp.WaitVisible(chromedp.CSS("#pick-map")),
		chromedp.SetUploadFiles(chromedp.CSS("#photo"), []string{photo}),
		chromedp.Click(chromedp.CSS("#pick-map")),
		chromedp.WaitNotPresent(chromedp.CSS(`#lat[value=""]`)),
	)
	shot(t, ctx, "citizen-report-step1")
	run(t, ctx, "citizen step 2",
		chromedp.Click(chromedp.CSS("#to-step2")),
		chromedp.WaitVisible(chromedp.CSS("#description")),
		chromedp.SendKeys(chromedp.CSS("#description"), "有商户店外经营，占用人行道"),
		// The suggestion is a chip to tap, never applied by itself.
		chromedp.WaitVisible(chromedp.CSS(`#suggestion .chip[data-ref="event:0504"]`)),
		chromedp.Click(chromedp.CSS(`#suggestion .chip[data-ref="event:0504"]`)),
		poll(`document.getElementById('category').value === 'event:0504'`, 10*time.Second),
		chromedp.SendKeys(chromedp.CSS("#phone"), "13812345678"),
	)
	shot(t, ctx, "citizen-report-step2")
	run(t, ctx, "citizen send",
		chromedp.Click(chromedp.CSS("#send")),
		chromedp.WaitVisible(chromedp.CSS("#tracking-code")),
	)
	code := get(t, ctx, chromedp.Text(chromedp.CSS("#tracking-code")))
	key := get(t, ctx, chromedp.Text(chromedp.CSS("#tracking-key")))
	shot(t, ctx, "citizen-tracking-code")
	c, err := a.Store.FindCaseByCode(context.Background(), strings.TrimSpace(code))
	if err != nil {
		t.Fatalf("case %q: %v", code, err)
	}
	if c.Source != casework.SourceCitizen || c.Category == nil || c.Category.String() != "event:0504" || len(c.Photos) != 1 || c.Phone != "13812345678" {
		t.Fatalf("citizen case: %+v", c)
	}

	// Staff, desktop-sized.
	run(t, ctx, "desktop", desktop)
	signIn(t, ctx, base, "operator")
	board := get(t, ctx, chromedp.Text(chromedp.CSS("#q-intake")))
	if !strings.Contains(board, c.Code) {
		t.Fatalf("the intake queue does not show %s: %s", c.Code, board)
	}
	shot(t, ctx, "console-operator-workbench")
	run(t, ctx, "case page", chromedp.Navigate(base+"/console/cases/"+c.ID), chromedp.WaitVisible(chromedp.CSS("#case-map")),
		poll(`document.getElementById('case-map').dataset.ready === '1'`, 10*time.Second))
	shot(t, ctx, "console-case-page")
	actOn(t, ctx, base, c.ID, "accept")

	signIn(t, ctx, base, "shiftlead")
	shot(t, ctx, "console-shiftlead-workbench")
	actOn(t, ctx, base, c.ID, "file")

	signIn(t, ctx, base, "dispatcher")
	run(t, ctx, "suggested department", chromedp.Navigate(base+"/console/cases/"+c.ID), chromedp.WaitVisible(chromedp.CSS("#act-dispatch summary")))
	dep := get(t, ctx, chromedp.Value(chromedp.CSS("#dep-dispatch")))
	if dep != "enforcement" {
		t.Fatalf("dispatch form preselects %q, want the suggested enforcement", dep)
	}
	actOn(t, ctx, base, c.ID, "dispatch")

	signIn(t, ctx, base, "handler")
	shot(t, ctx, "handler-lands-on-field")
	actOn(t, ctx, base, c.ID, "sign")
	actOn(t, ctx, base, c.ID, "dispose",
		chromedp.SetUploadFiles(chromedp.CSS("#ph-dispose"), []string{photo}),
		chromedp.SendKeys(chromedp.CSS("#note-dispose"), "已劝离，物品收回店内"))

	signIn(t, ctx, base, "supervisor")
	actOn(t, ctx, base, c.ID, "check",
		chromedp.Click(chromedp.CSS(`#act-check input[name=passed][value=true]`)),
		chromedp.SetUploadFiles(chromedp.CSS("#ph-check"), []string{photo}))

	signIn(t, ctx, base, "shiftlead")
	actOn(t, ctx, base, c.ID, "close")
	if st := statusOfCase(t, a, c.ID); st != casework.StatusClosed {
		t.Fatalf("status after close: %s", st)
	}
	shot(t, ctx, "console-case-closed")

	signIn(t, ctx, base, "leader")
	run(t, ctx, "leader overview", chromedp.WaitVisible(chromedp.CSS(".lights")))
	shot(t, ctx, "console-leader-overview")

	// The citizen rates, with the tracking key.
	run(t, ctx, "citizen rates",
		clearCookies(),
		phone,
		chromedp.Navigate(base+"/citizen/track?code="+c.Code+"&key="+strings.TrimSpace(key)),
		chromedp.WaitVisible(chromedp.CSS("#rate-form")),
		chromedp.Click(chromedp.CSS(`#rate-form input[value=satisfied]`)),
	)
	run(t, ctx, "rating sent", chromedp.Submit(chromedp.CSS("#rate-form")),
		waitJS(`document.getElementById('rated') !== null || document.querySelector('.error') !== null`, 15*time.Second),
		chromedp.WaitVisible(chromedp.CSS("#rated")))
	rated := get(t, ctx, chromedp.Text(chromedp.CSS("#rated")))
	shot(t, ctx, "citizen-progress-rated")
	if rated != "满意" {
		t.Fatalf("rating shows %q", rated)
	}
	c, _ = a.Store.FindCaseByID(context.Background(), c.ID)
	if c.Satisfaction != "satisfied" {
		t.Fatalf("satisfaction %q", c.Satisfaction)
	}
	// The progress page shows the outcome (the handler's reply, the after
	// photo, the place on a map) and no personal data.
	page := get(t, ctx, chromedp.Text(chromedp.CSS("main")))
	if !strings.Contains(page, "已劝离，物品收回店内") {
		t.Fatalf("the progress page does not show the reply: %.400s", page)
	}
	run(t, ctx, "outcome photo and map",
		poll(`document.querySelector('#track-after img') !== null && document.querySelector('#track-after img').complete && document.querySelector('#track-after img').naturalWidth > 0`, 10*time.Second),
		poll(`document.getElementById('track-map').dataset.ready === '1'`, 10*time.Second))
	for _, secret := range []string{"13812345678", "operator", "handler"} {
		if strings.Contains(page, secret) {
			t.Fatalf("the public progress page shows %q", secret)
		}
	}
}

// TestWeb_BrowserFieldOffline reports from the field app while offline; the
// report waits in IndexedDB and is sent once, when the network returns.
func TestWeb_BrowserFieldOffline(t *testing.T) {
	ctx := browser(t)
	a := testApp(t, "")
	base := serve(t, a)
	photo := pngFile(t)
	signIn(t, ctx, base, "supervisor")
	run(t, ctx, "field app",
		phone,
		chromedp.Navigate(base+"/field"),
		chromedp.WaitVisible(chromedp.CSS("#field-report")),
		offline(true),
		chromedp.SetUploadFiles(chromedp.CSS("#f-photo"), []string{photo}),
		chromedp.SetValue(chromedp.CSS("#f-lng"), "118.72"),
		chromedp.SetValue(chromedp.CSS("#f-lat"), "32.03"),
		chromedp.SendKeys(chromedp.CSS("#f-desc"), "井盖缺失 offline"),
		chromedp.Click(chromedp.CSS("#f-send")),
		poll(`document.getElementById('outbox').dataset.queued === '1'`, 10*time.Second),
	)
	shot(t, ctx, "field-offline-queued")
	if n := countCases(t, a); n != 0 {
		t.Fatalf("%d cases while offline", n)
	}
	run(t, ctx, "back online",
		offline(false),
		poll(`document.getElementById('outbox').dataset.queued === '0' && document.querySelector('#outbox li.sent') !== null`, 40*time.Second),
	)
	shot(t, ctx, "field-sent")
	if n := countCases(t, a); n != 1 {
		t.Fatalf("%d cases after the queue was sent, want 1", n)
	}
}

func countCases(t *testing.T, a *App) int {
	t.Helper()
	_, n, err := a.Store.FindCases(context.Background(), casework.Filter{Now: a.Now(), Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWeb_BrowserElderlyAndMap checks the elderly mode of the citizen
// portal and that the staff map draws cases and unit grids.
func TestWeb_BrowserElderlyAndMap(t *testing.T) {
	ctx := browser(t)
	a := testApp(t, "")
	base := serve(t, a)
	sup := login(t, base, "supervisor")
	for i := 0; i < 30; i++ {
		sup.do("POST", "/api/v1/cases", map[string]any{"category": "event:0504", "description": fmt.Sprintf("案件 %d", i),
			"lng": 118.705 + float64(i%10)*0.009, "lat": 32.005 + float64(i/10)*0.03}, nil)
	}
	run(t, ctx, "elderly",
		phone,
		chromedp.Navigate(base+"/citizen?elderly=1"),
		chromedp.WaitVisible(chromedp.CSS("#photo")),
	)
	fontSize := get(t, ctx, chromedp.Evaluate[string](`getComputedStyle(document.body).fontSize`))
	step2Hidden := get(t, ctx, chromedp.Evaluate[bool](`getComputedStyle(document.getElementById('step2')).display === 'none'`))
	shot(t, ctx, "citizen-elderly-mode")
	px, _ := strconv.ParseFloat(strings.TrimSuffix(fontSize, "px"), 64)
	if px < 20 || !step2Hidden {
		t.Fatalf("elderly mode: font %s, step 2 hidden %v", fontSize, step2Hidden)
	}
	// Keyboard: the first Tab reaches the skip link.
	run(t, ctx, "keyboard", chromedp.KeyEvent("\t"))
	focused := get(t, ctx, chromedp.Evaluate[string](`document.activeElement.className`))
	if focused != "skip" {
		t.Fatalf("first Tab focuses %q, want the skip link", focused)
	}

	run(t, ctx, "desktop", desktop)
	signIn(t, ctx, base, "leader")
	run(t, ctx, "map",
		chromedp.Navigate(base+"/console/map?zoom=14"),
		poll(`document.getElementById('city-map').dataset.points !== undefined && +document.getElementById('city-map').dataset.grids > 0`, 30*time.Second),
	)
	points := get(t, ctx, chromedp.Evaluate[string](`document.getElementById('city-map').dataset.points`))
	grids := get(t, ctx, chromedp.Evaluate[string](`document.getElementById('city-map').dataset.grids`))
	shot(t, ctx, "console-map")
	if points != "30" {
		t.Fatalf("map shows %s cases, want 30", points)
	}
	t.Logf("map: %s cases, %s grids in view", points, grids)
}

// TestWeb_BrowserMapDemo measures the map with the whole demo city
// (CITYLOOP_BENCH_DEMO = the data directory of a generated demo): the time
// to fetch the case points and the time to cluster and draw them.
func TestWeb_BrowserMapDemo(t *testing.T) {
	dir := os.Getenv("CITYLOOP_BENCH_DEMO")
	if dir == "" {
		t.Skip("CITYLOOP_BENCH_DEMO is not set (a directory made by `cityloop demo --data DIR`): skipping the 100,000-case map measurement")
	}
	ctx := browser(t)
	cfg := config.Default()
	cfg.DataDir, cfg.Quiet, cfg.Addr = dir, true, "127.0.0.1:0"
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	a, err := Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	base := serve(t, a)
	signIn(t, ctx, base, "leader")
	for _, round := range []string{"cold", "cached"} {
		run(t, ctx, "map "+round,
			chromedp.Navigate(base+"/console/map"),
			poll(`document.getElementById('city-map').dataset.drawMs !== undefined`, 120*time.Second))
		stats := get(t, ctx, chromedp.Evaluate[string](`JSON.stringify(document.getElementById('city-map').dataset)`))
		t.Logf("map with the demo city, %s: %s", round, stats)
	}
	shot(t, ctx, "console-map-demo-100k")
}
