package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"cityloop/internal/casework"
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
	ctx, cancel3 := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(cancel3)
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
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
	var buf []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&buf, 80)); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	// FullScreenshot with quality < 100 is JPEG.
	if err := os.WriteFile(filepath.Join(shotDir(t), name+".jpg"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

func phone(ctx context.Context) error {
	return chromedp.Run(ctx, emulation.SetDeviceMetricsOverride(390, 844, 2, true))
}

func desktop(ctx context.Context) error {
	return chromedp.Run(ctx, emulation.ClearDeviceMetricsOverride())
}

func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		var loc, body string
		_ = chromedp.Run(ctx, chromedp.Location(&loc), chromedp.Text("main", &body, chromedp.ByQuery))
		t.Fatalf("%s: %v (at %s: %.600s)", what, err, loc, body)
	}
}

// signIn signs out whoever is signed in and signs in as user through the form.
func signIn(t *testing.T, ctx context.Context, base, user string) {
	t.Helper()
	run(t, ctx, "sign in as "+user,
		network.ClearBrowserCookies(),
		chromedp.Navigate(base+"/signin"),
		chromedp.WaitVisible("#username", chromedp.ByID),
		chromedp.SendKeys("#username", user, chromedp.ByID),
		chromedp.SendKeys("#password", "demo", chromedp.ByID),
		chromedp.Submit("#signin", chromedp.ByID),
		chromedp.WaitVisible("#queues", chromedp.ByID),
	)
}

// act opens one action on the case page, lets fill set its fields and submits it.
func actOn(t *testing.T, ctx context.Context, base, id, action string, fill ...chromedp.Action) {
	t.Helper()
	acts := []chromedp.Action{
		chromedp.Navigate(base + "/console/cases/" + id),
		chromedp.WaitVisible("#act-" + action + " summary"),
		chromedp.Click("#act-" + action + " summary"),
		chromedp.WaitVisible("#do-" + action),
	}
	acts = append(acts, fill...)
	acts = append(acts, chromedp.Click("#do-"+action), chromedp.WaitVisible(".flash"))
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
	var code, key string
	run(t, ctx, "citizen step 1",
		network.ClearBrowserCookies(),
		chromedp.ActionFunc(phone),
		chromedp.Navigate(base+"/citizen"),
		chromedp.WaitVisible("#pick-map", chromedp.ByID),
		chromedp.SetUploadFiles("#photo", []string{photo}, chromedp.ByID),
		chromedp.Click("#pick-map", chromedp.ByID),
		chromedp.WaitNotPresent(`#lat[value=""]`),
	)
	shot(t, ctx, "citizen-report-step1")
	run(t, ctx, "citizen step 2",
		chromedp.Click("#to-step2", chromedp.ByID),
		chromedp.WaitVisible("#description", chromedp.ByID),
		chromedp.SendKeys("#description", "有商户店外经营，占用人行道", chromedp.ByID),
		chromedp.Poll(`document.getElementById('category').value === 'event:0504'`, nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.SendKeys("#phone", "13812345678", chromedp.ByID),
	)
	shot(t, ctx, "citizen-report-step2")
	run(t, ctx, "citizen send",
		chromedp.Click("#send", chromedp.ByID),
		chromedp.WaitVisible("#tracking-code", chromedp.ByID),
		chromedp.Text("#tracking-code", &code, chromedp.ByID),
		chromedp.Text("#tracking-key", &key, chromedp.ByID),
	)
	shot(t, ctx, "citizen-tracking-code")
	c, err := a.Store.FindCaseByCode(context.Background(), strings.TrimSpace(code))
	if err != nil {
		t.Fatalf("case %q: %v", code, err)
	}
	if c.Source != casework.SourceCitizen || c.Category == nil || c.Category.String() != "event:0504" || len(c.Photos) != 1 || c.Phone != "13812345678" {
		t.Fatalf("citizen case: %+v", c)
	}

	// Staff, desktop-sized.
	run(t, ctx, "desktop", chromedp.ActionFunc(desktop))
	signIn(t, ctx, base, "operator")
	var board string
	run(t, ctx, "operator queue", chromedp.Text("#q-intake", &board, chromedp.ByID))
	if !strings.Contains(board, c.Code) {
		t.Fatalf("the intake queue does not show %s: %s", c.Code, board)
	}
	shot(t, ctx, "console-operator-workbench")
	run(t, ctx, "case page", chromedp.Navigate(base+"/console/cases/"+c.ID), chromedp.WaitVisible("#case-map"),
		chromedp.Poll(`document.getElementById('case-map').dataset.ready === '1'`, nil, chromedp.WithPollingTimeout(10*time.Second)))
	shot(t, ctx, "console-case-page")
	actOn(t, ctx, base, c.ID, "accept")

	signIn(t, ctx, base, "shiftlead")
	shot(t, ctx, "console-shiftlead-workbench")
	actOn(t, ctx, base, c.ID, "file")

	signIn(t, ctx, base, "dispatcher")
	var dep string
	run(t, ctx, "suggested department", chromedp.Navigate(base+"/console/cases/"+c.ID), chromedp.WaitVisible("#act-dispatch summary"),
		chromedp.Value("#dep-dispatch", &dep, chromedp.ByID))
	if dep != "enforcement" {
		t.Fatalf("dispatch form preselects %q, want the suggested enforcement", dep)
	}
	actOn(t, ctx, base, c.ID, "dispatch")

	signIn(t, ctx, base, "handler")
	shot(t, ctx, "console-handler-workbench")
	actOn(t, ctx, base, c.ID, "sign")
	actOn(t, ctx, base, c.ID, "dispose",
		chromedp.SetUploadFiles("#ph-dispose", []string{photo}, chromedp.ByID),
		chromedp.SendKeys("#note-dispose", "已劝离，物品收回店内", chromedp.ByID))

	signIn(t, ctx, base, "supervisor")
	actOn(t, ctx, base, c.ID, "check",
		chromedp.Click(`#act-check input[name=passed][value=true]`),
		chromedp.SetUploadFiles("#ph-check", []string{photo}, chromedp.ByID))

	signIn(t, ctx, base, "shiftlead")
	actOn(t, ctx, base, c.ID, "close")
	if st := statusOfCase(t, a, c.ID); st != casework.StatusClosed {
		t.Fatalf("status after close: %s", st)
	}
	shot(t, ctx, "console-case-closed")

	signIn(t, ctx, base, "leader")
	run(t, ctx, "leader overview", chromedp.WaitVisible(".lights"))
	shot(t, ctx, "console-leader-overview")

	// The citizen rates, with the tracking key.
	var rated string
	run(t, ctx, "citizen rates",
		network.ClearBrowserCookies(),
		chromedp.ActionFunc(phone),
		chromedp.Navigate(base+"/citizen/track?code="+c.Code+"&key="+strings.TrimSpace(key)),
		chromedp.WaitVisible("#rate-form", chromedp.ByID),
		chromedp.Click(`#rate-form input[value=satisfied]`),
	)
	shot(t, ctx, "citizen-progress-rate")
	run(t, ctx, "rating sent", chromedp.Click("#rate-send", chromedp.ByID), chromedp.WaitVisible("#rated", chromedp.ByID),
		chromedp.Text("#rated", &rated, chromedp.ByID))
	if rated != "满意" {
		t.Fatalf("rating shows %q", rated)
	}
	c, _ = a.Store.FindCaseByID(context.Background(), c.ID)
	if c.Satisfaction != "satisfied" {
		t.Fatalf("satisfaction %q", c.Satisfaction)
	}
	// The progress page shows no personal data.
	var page string
	run(t, ctx, "progress text", chromedp.Text("main", &page, chromedp.ByQuery))
	for _, secret := range []string{"13812345678", "已劝离", "operator", "handler"} {
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
		chromedp.ActionFunc(phone),
		chromedp.Navigate(base+"/field"),
		chromedp.WaitVisible("#field-report", chromedp.ByID),
		network.EmulateNetworkConditions(true, 0, -1, -1),
		chromedp.SetUploadFiles("#f-photo", []string{photo}, chromedp.ByID),
		chromedp.SetValue("#f-lng", "118.72", chromedp.ByID),
		chromedp.SetValue("#f-lat", "32.03", chromedp.ByID),
		chromedp.SendKeys("#f-desc", "井盖缺失 offline", chromedp.ByID),
		chromedp.Click("#f-send", chromedp.ByID),
		chromedp.Poll(`document.getElementById('outbox').dataset.queued === '1'`, nil, chromedp.WithPollingTimeout(10*time.Second)),
	)
	shot(t, ctx, "field-offline-queued")
	if n := countCases(t, a); n != 0 {
		t.Fatalf("%d cases while offline", n)
	}
	run(t, ctx, "back online",
		network.EmulateNetworkConditions(false, 0, -1, -1),
		chromedp.Poll(`document.getElementById('outbox').dataset.queued === '0' && document.querySelector('#outbox li.sent') !== null`, nil,
			chromedp.WithPollingTimeout(40*time.Second)),
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
	var fontSize string
	var step2Hidden bool
	run(t, ctx, "elderly",
		chromedp.ActionFunc(phone),
		chromedp.Navigate(base+"/citizen?elderly=1"),
		chromedp.WaitVisible("#photo", chromedp.ByID),
		chromedp.Evaluate(`getComputedStyle(document.body).fontSize`, &fontSize),
		chromedp.Evaluate(`getComputedStyle(document.getElementById('step2')).display === 'none'`, &step2Hidden),
	)
	shot(t, ctx, "citizen-elderly-mode")
	px, _ := strconv.ParseFloat(strings.TrimSuffix(fontSize, "px"), 64)
	if px < 20 || !step2Hidden {
		t.Fatalf("elderly mode: font %s, step 2 hidden %v", fontSize, step2Hidden)
	}
	// Keyboard: the first Tab reaches the skip link.
	var focused string
	run(t, ctx, "keyboard", chromedp.KeyEvent("\t"), chromedp.Evaluate(`document.activeElement.className`, &focused))
	if focused != "skip" {
		t.Fatalf("first Tab focuses %q, want the skip link", focused)
	}

	run(t, ctx, "desktop", chromedp.ActionFunc(desktop))
	signIn(t, ctx, base, "leader")
	var points, grids string
	run(t, ctx, "map",
		chromedp.Navigate(base+"/console/map?zoom=14"),
		chromedp.Poll(`document.getElementById('city-map').dataset.points !== undefined && +document.getElementById('city-map').dataset.grids > 0`, nil,
			chromedp.WithPollingTimeout(30*time.Second)),
		chromedp.Evaluate(`document.getElementById('city-map').dataset.points`, &points),
		chromedp.Evaluate(`document.getElementById('city-map').dataset.grids`, &grids),
	)
	shot(t, ctx, "console-map")
	if points != "30" {
		t.Fatalf("map shows %s cases, want 30", points)
	}
	t.Logf("map: %s cases, %s grids in view", points, grids)
}
