package app

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cityloop/internal/casework"
)

// dispatchedCase reports a case as the supervisor and takes it through the
// centre to the handler's department, returning its id.
func dispatchedCase(t *testing.T, base, desc string) string {
	t.Helper()
	sup, op, lead, disp := login(t, base, "supervisor"), login(t, base, "operator"), login(t, base, "shiftlead"), login(t, base, "dispatcher")
	photo := uploadPhoto(t, sup)
	var c caseOut
	if st := sup.do("POST", "/api/v1/cases", map[string]any{"category": "event:0504", "description": desc, "lng": 118.71, "lat": 32.01, "photos": []string{photo}}, &c); st != 201 {
		t.Fatalf("report: %d", st)
	}
	act(t, op, c.ID, map[string]any{"action": "accept"}, 200)
	act(t, lead, c.ID, map[string]any{"action": "file"}, 200)
	act(t, disp, c.ID, map[string]any{"action": "dispatch", "department": "enforcement"}, 200)
	return c.ID
}

// path is the page's path, without the query.
func pagePath(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc := get(t, ctx, chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}

// shellCached is true once the field app's worker holds the task list
// page: each evaluation asks the cache again and answers what the last
// answer was (the expression itself cannot wait for the promise).
const shellCached = `(caches.open('cityloop-field-v3').then((c) => c.match('/field')).then((r) => { window.__shell = !!r; }), window.__shell === true)`

// TestWebField_BrowserPhoneCase walks the field posts' day on a phone: the
// handler signs in and lands on the field app (not the console); the app
// shell is cached on that first visit, so a reload with no network still
// shows it; a task opens the phone case page (which, once opened, reads
// offline too), where 签收 and 处置 (with a photo) each lead back to the
// task list; the supervisor lands there too
// and passes the 核查 with the big button.
func TestWebField_BrowserPhoneCase(t *testing.T) {
	ctx := browser(t)
	a := testApp(t, "")
	base := serve(t, a)
	id := dispatchedCase(t, base, "人行道店外经营占道")
	photo := pngFile(t)

	run(t, ctx, "phone", phone)
	signIn(t, ctx, base, "handler")
	if p := pagePath(t, ctx); p != "/field" {
		t.Fatalf("the handler lands on %s, want /field", p)
	}
	run(t, ctx, "shell cached on the first visit", waitJS(shellCached, 20*time.Second),
		waitJS(`navigator.serviceWorker.controller !== null`, 20*time.Second))
	run(t, ctx, "reload without signal",
		offline(true),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("#tasks")),
	)
	c, err := a.Store.FindCaseByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if txt := get(t, ctx, chromedp.Text(chromedp.CSS("#tasks"))); !strings.Contains(txt, c.Code) || !strings.Contains(txt, "待签收") {
		t.Fatalf("the task list reloaded offline: %s", txt)
	}
	if on := get(t, ctx, chromedp.Evaluate[bool](`navigator.onLine`)); on {
		t.Fatal("the page was online during the offline reload")
	}
	shot(t, ctx, "field-offline-reload-phone")
	run(t, ctx, "back online", offline(false))

	run(t, ctx, "open the task",
		chromedp.Navigate(base+"/field"),
		chromedp.WaitVisible(chromedp.CSS(`#tasks a[href="/field/cases/`+id+`"]`)),
		chromedp.Click(chromedp.CSS(`#tasks a[href="/field/cases/`+id+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#fc-do-sign")),
		poll(`document.getElementById('fc-map').dataset.ready === '1'`, 10*time.Second),
	)
	shot(t, ctx, "field-case-sign-phone")
	run(t, ctx, "the case page opened once reads offline",
		offline(true),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("#fc-do-sign")),
		offline(false),
	)
	run(t, ctx, "签收",
		chromedp.Click(chromedp.CSS("#fc-do-sign")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if p := pagePath(t, ctx); p != "/field" {
		t.Fatalf("after 签收 the handler is on %s, want the task list", p)
	}
	if st := statusOfCase(t, a, id); st != casework.StatusInDisposal {
		t.Fatalf("after 签收: %s", st)
	}
	run(t, ctx, "处置 without a photo is refused by the form",
		chromedp.Navigate(base+"/field/cases/"+id),
		chromedp.WaitVisible(chromedp.CSS("#fc-do-dispose")),
		chromedp.SendKeys(chromedp.CSS("#fc-note-dispose"), "已劝离，货架收回店内"),
		chromedp.Click(chromedp.CSS("#fc-do-dispose")),
		chromedp.Sleep(300*time.Millisecond),
	)
	if st := statusOfCase(t, a, id); st != casework.StatusInDisposal {
		t.Fatalf("处置 went through without a photo: %s", st)
	}
	run(t, ctx, "处置 with a photo",
		chromedp.SetUploadFiles(chromedp.CSS("#fc-ph-dispose"), []string{photo}),
	)
	shot(t, ctx, "field-case-dispose-phone")
	run(t, ctx, "处置 sent",
		chromedp.Click(chromedp.CSS("#fc-do-dispose")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if p := pagePath(t, ctx); p != "/field" {
		t.Fatalf("after 处置 the handler is on %s", p)
	}
	if st := statusOfCase(t, a, id); st != casework.StatusPendingCheck {
		t.Fatalf("after 处置: %s", st)
	}

	signIn(t, ctx, base, "supervisor")
	if p := pagePath(t, ctx); p != "/field" {
		t.Fatalf("the supervisor lands on %s, want /field", p)
	}
	run(t, ctx, "核查 page",
		chromedp.WaitVisible(chromedp.CSS(`#tasks a[href="/field/cases/`+id+`"]`)),
		chromedp.Click(chromedp.CSS(`#tasks a[href="/field/cases/`+id+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#fc-do-check-pass")),
	)
	if txt := get(t, ctx, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(txt, "核查通过") || !strings.Contains(txt, "核查不通过") || !strings.Contains(txt, "返回任务列表") {
		t.Fatalf("the 核查 page: %.400s", txt)
	}
	shot(t, ctx, "field-case-check-phone")
	run(t, ctx, "核查通过",
		chromedp.SetUploadFiles(chromedp.CSS("#fc-ph-check"), []string{photo}),
		chromedp.Click(chromedp.CSS("#fc-do-check-pass")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if p := pagePath(t, ctx); p != "/field" {
		t.Fatalf("after 核查 the supervisor is on %s", p)
	}
	if st := statusOfCase(t, a, id); st != casework.StatusPendingClose {
		t.Fatalf("after 核查: %s", st)
	}
	shot(t, ctx, "field-after-check-phone")
}

// TestWebField_BrowserOutsideCity sends a field report whose point is
// outside the city: the server refuses it (422) and the report stays on
// the phone marked 位置需修正, not under 已发送, through a reload; the
// supervisor moves the pin on the map and sends it again, and then it is
// one case and listed as sent, which also survives a reload (IndexedDB).
func TestWebField_BrowserOutsideCity(t *testing.T) {
	ctx := browser(t)
	a := testApp(t, "")
	base := serve(t, a)
	photo := pngFile(t)
	run(t, ctx, "phone", phone)
	signIn(t, ctx, base, "supervisor")
	run(t, ctx, "report outside the city",
		chromedp.WaitVisible(chromedp.CSS("#field-report")),
		chromedp.SetUploadFiles(chromedp.CSS("#f-photo"), []string{photo}),
		chromedp.SetValue(chromedp.CSS("#f-lng"), "100.5"),
		chromedp.SetValue(chromedp.CSS("#f-lat"), "20.5"),
		chromedp.SendKeys(chromedp.CSS("#f-desc"), "井盖破损 位置错误"),
		chromedp.Click(chromedp.CSS("#f-send")),
		poll(`document.getElementById('outbox').dataset.needFix === '1'`, 20*time.Second),
	)
	check := func(when string) {
		t.Helper()
		box := get(t, ctx, chromedp.Text(chromedp.CSS("#outbox")))
		if !strings.Contains(box, "位置需修正") || strings.Contains(box, "已发送") || !strings.Contains(box, "井盖破损") {
			t.Fatalf("%s, the queue shows: %s", when, box)
		}
		if n := countCases(t, a); n != 0 {
			t.Fatalf("%s: %d cases", when, n)
		}
	}
	check("after the refusal")
	shot(t, ctx, "field-queue-fix-location-phone")
	run(t, ctx, "reload",
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("#field-report")),
		poll(`document.getElementById('outbox').dataset.needFix === '1'`, 20*time.Second),
		chromedp.Sleep(500*time.Millisecond), // a flush, if it wrongly ran, has answered
	)
	check("after a reload")
	run(t, ctx, "move the pin",
		chromedp.Click(chromedp.CSS("#outbox .fix-open")),
		chromedp.WaitVisible(chromedp.CSS("#fix-map")),
		poll(`document.querySelector('#fix-map .leaflet-pane') !== null`, 10*time.Second),
		chromedp.Sleep(300*time.Millisecond),
		chromedp.Click(chromedp.CSS("#fix-map")),
		poll(`!document.getElementById('fix-send').disabled`, 15*time.Second),
	)
	shot(t, ctx, "field-fix-location-map-phone")
	run(t, ctx, "send again",
		chromedp.Click(chromedp.CSS("#fix-send")),
		poll(`document.getElementById('outbox').dataset.queued === '0' && document.querySelector('#outbox li.sent') !== null`, 20*time.Second),
	)
	if n := countCases(t, a); n != 1 {
		t.Fatalf("%d cases after the corrected report, want 1", n)
	}
	run(t, ctx, "the sent list after a reload",
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("#field-report")),
		poll(`document.querySelector('#outbox li.sent') !== null && document.getElementById('outbox').dataset.queued === '0'`, 20*time.Second),
	)
	box := get(t, ctx, chromedp.Text(chromedp.CSS("#outbox")))
	if !strings.Contains(box, "已发送") || !strings.Contains(box, "井盖破损") {
		t.Fatalf("the sent list after a reload: %s", box)
	}
	shot(t, ctx, "field-sent-after-fix-phone")
}

// TestWeb_BrowserMineRatesClosedCase: a citizen whose case is closed opens
// 我的上报 on a phone, proves the phone with the one-time code (shown in
// demo mode), taps the case and, on the tracking page the link opens with
// its key, sees the reply, the after-photo and the map and rates it.
func TestWeb_BrowserMineRatesClosedCase(t *testing.T) {
	ctx := browser(t)
	a := testApp(t, "")
	base := serve(t, a)
	const phoneNo = "13912345678"
	code, _ := citizenReport(t, base, map[string]string{"description": "井盖破损，人行道上有个洞", "lng": "118.71", "lat": "32.01",
		"phone": phoneNo, "category": "event:0504"})
	c, err := a.Store.FindCaseByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	op, lead, disp, h, sup := login(t, base, "operator"), login(t, base, "shiftlead"), login(t, base, "dispatcher"), login(t, base, "handler"), login(t, base, "supervisor")
	act(t, op, c.ID, map[string]any{"action": "accept"}, 200)
	act(t, lead, c.ID, map[string]any{"action": "file"}, 200)
	act(t, disp, c.ID, map[string]any{"action": "dispatch", "department": "enforcement"}, 200)
	act(t, h, c.ID, map[string]any{"action": "sign"}, 200)
	after := uploadPhoto(t, h)
	act(t, h, c.ID, map[string]any{"action": "dispose", "note": "井盖已更换", "photos": []string{after}}, 200)
	act(t, sup, c.ID, map[string]any{"action": "check", "passed": true, "photos": []string{after}}, 200)
	act(t, lead, c.ID, map[string]any{"action": "close"}, 200)

	demo := serveWeb(t, a, true, nil)
	run(t, ctx, "我的上报: the phone",
		phone,
		chromedp.Navigate(demo+"/citizen/mine"),
		chromedp.WaitVisible(chromedp.CSS("#mine-phone")),
		chromedp.SendKeys(chromedp.CSS("#phone"), phoneNo),
		chromedp.Submit(chromedp.CSS("#mine-phone")),
		chromedp.WaitVisible(chromedp.CSS("#demo-code strong")),
	)
	otp := get(t, ctx, chromedp.Text(chromedp.CSS("#demo-code strong")))
	run(t, ctx, "我的上报: the code",
		chromedp.SendKeys(chromedp.CSS("#code"), otp),
		chromedp.Submit(chromedp.CSS("#mine-code")),
		chromedp.WaitVisible(chromedp.CSS("#mine-list")),
	)
	shot(t, ctx, "citizen-mine-list-phone")
	run(t, ctx, "the case from the list",
		chromedp.Click(chromedp.CSS(`#mine-list a`)),
		chromedp.WaitVisible(chromedp.CSS("#rate-form")),
		poll(`document.querySelector('#track-after img') !== null && document.querySelector('#track-after img').naturalWidth > 0`, 10*time.Second),
		poll(`document.getElementById('track-map').dataset.ready === '1'`, 10*time.Second),
	)
	if txt := get(t, ctx, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(txt, "井盖已更换") || !strings.Contains(txt, "处理结果") {
		t.Fatalf("the tracking page from 我的上报: %.400s", txt)
	}
	shot(t, ctx, "citizen-outcome-from-mine-phone")
	run(t, ctx, "rate",
		chromedp.Click(chromedp.CSS(`#rate-form input[value=satisfied]`)),
		chromedp.Submit(chromedp.CSS("#rate-form")),
		waitJS(`document.getElementById('rated') !== null`, 15*time.Second),
	)
	if c, _ = a.Store.FindCaseByID(context.Background(), c.ID); c.Satisfaction != "satisfied" {
		t.Fatalf("satisfaction %q after rating from 我的上报", c.Satisfaction)
	}
}
