package app

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"cityloop/internal/evidence"
	"cityloop/internal/org"
)

// evidenceOf lists a penalty case's recorded evidence as its officer sees it.
func evidenceOf(t *testing.T, f *enfFixture, caseID string) []evidence.Item {
	t.Helper()
	enf1 := org.Actor{ID: f.ids["enf1"], Name: "张执法", Grants: []org.Grant{{Post: org.PostEnforcer, Region: "320101", Department: "enforcement"}}}
	items, err := f.a.api.Evidence.List(context.Background(), enf1, caseID)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// offlineAt is offline with the upload limited to bytes a second (-1: no
// limit), so that an upload is still running when the test cuts the network.
func offlineAt(off bool, upload float64) step {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		c := network.Conditions{Offline: off, DownloadThroughput: -1, UploadThroughput: upload}
		if _, err := cdp.Call(ctx, t, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{&c}}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off, DownloadThroughput: -1, UploadThroughput: upload})
		return err
	})
}

// TestWebField_BrowserEvidenceOffline walks the field app's evidence
// capture on a phone: the officer takes two photos with no network (they
// wait on the phone, marked 待上传), the network returns and both upload
// with tus and appear in the case's evidence list with the capture time,
// GPS fix and device id; then a 1.5 MB video is cut off mid-upload, the
// page is reloaded, and the upload resumes from the stored upload URL
// instead of starting again, leaving one piece of evidence.
func TestWebField_BrowserEvidenceOffline(t *testing.T) {
	ctx := browser(t)
	f := newEnfFixture(t)
	base := f.base
	dir := t.TempDir()
	photo := pngFile(t)
	photo2 := filepath.Join(dir, "门前货架.png")
	if err := os.WriteFile(photo2, append(bytes.Clone(tinyPNG), make([]byte, 300_000)...), 0o644); err != nil {
		t.Fatal(err)
	}
	video := filepath.Join(dir, "执法记录仪.mp4")
	body := bytes.Repeat([]byte("body-camera frame "), 85_000) // 1.5 MB
	copy(body, "\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2")
	if err := os.WriteFile(video, body, 0o644); err != nil {
		t.Fatal(err)
	}

	lat, lng, acc := 32.0415, 118.7840, 5.0
	run(t, ctx, "phone with a GPS fix", phone,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
				Permission: &cdpbrowser.PermissionDescriptor{Name: "geolocation"}, Setting: cdpbrowser.PermissionSettingGranted, Origin: base})
			return err
		}),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{Latitude: &lat, Longitude: &lng, Accuracy: &acc})
			return err
		}))
	signInTo(t, ctx, base, "enf1", "#enf-queue")
	page := base + "/field/enforcement/cases/" + f.caseID + "/evidence"
	// The fixture's case may hold evidence already: count from there.
	n0 := len(evidenceOf(t, f, f.caseID))
	count := func(n int) string {
		return fmt.Sprintf(`document.getElementById('ev-list').dataset.count === '%d'`, n0+n)
	}
	run(t, ctx, "evidence page",
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS("#enf-evidence")),
		poll(count(0), 15*time.Second),
		poll(`document.getElementById('ev-gps').textContent.includes('118.784')`, 15*time.Second),
	)
	run(t, ctx, "two photos offline",
		offline(true),
		chromedp.SendKeys(chromedp.CSS("#ev-note"), "店外货架占道"),
		chromedp.SetUploadFiles(chromedp.CSS("#ev-photo"), []string{photo, photo2}),
		poll(`document.getElementById('ev-queue').dataset.queued === '2' && document.querySelectorAll('#ev-queue li.queued').length === 2`, 10*time.Second),
	)
	if q := get(t, ctx, chromedp.Text(chromedp.CSS("#ev-queue"))); !strings.Contains(q, "待上传") {
		t.Fatalf("the queue offline: %s", q)
	}
	shot(t, ctx, "field-evidence-offline-queued-phone")
	if n := len(evidenceOf(t, f, f.caseID)); n != n0 {
		t.Fatalf("%d new pieces of evidence while offline", n-n0)
	}
	run(t, ctx, "back online",
		offline(false),
		poll(`document.getElementById('ev-queue').dataset.queued === '0' && document.getElementById('ev-queue').dataset.done === '2'`, 40*time.Second),
		poll(count(2), 15*time.Second),
	)
	if q := get(t, ctx, chromedp.Text(chromedp.CSS("#ev-queue"))); strings.Count(q, "已上传") != 2 {
		t.Fatalf("the queue online: %s", q)
	}
	shot(t, ctx, "field-evidence-uploaded-phone")
	items := evidenceOf(t, f, f.caseID)
	if len(items) != n0+2 {
		t.Fatalf("%d new pieces of evidence, want 2", len(items)-n0)
	}
	for _, it := range items {
		if it.OfficerID != f.ids["enf1"] || !strings.HasPrefix(it.DeviceID, "web-") {
			continue // the fixture's own
		}
		if it.Kind != evidence.Photo || !strings.HasPrefix(it.DeviceID, "web-") || it.CapturedAt == nil || it.Lng == nil ||
			*it.Lng < 118.78 || *it.Lng > 118.79 || it.Note != "店外货架占道" || it.OfficerID != f.ids["enf1"] || len(it.SHA256) != 64 {
			t.Errorf("evidence as recorded: %+v", it)
		}
	}

	// A video cut off half way: the page is reloaded while offline (the
	// service worker serves it), and the upload goes on from the offset
	// the server holds.
	run(t, ctx, "video on a slow link",
		offlineAt(false, 150_000),
		chromedp.SetUploadFiles(chromedp.CSS("#ev-video"), []string{video}),
		poll(`(() => { const p = document.querySelector('#ev-queue li.queued progress'); return p && p.value >= 20 && p.value < 90; })()`, 30*time.Second),
		offline(true),
		chromedp.Sleep(500*time.Millisecond),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("#enf-evidence")),
		poll(`document.getElementById('ev-queue').dataset.queued === '1'`, 10*time.Second),
	)
	shot(t, ctx, "field-evidence-interrupted-phone")
	url := get(t, ctx, chromedp.Evaluate[string](`new Promise((res) => { const rq = indexedDB.open('cityloop-evidence', 1);
		rq.onsuccess = () => { const g = rq.result.transaction('files').objectStore('files').getAll(); g.onsuccess = () => res((g.result.find((r) => r.state !== 'done') || {}).uploadUrl || ''); }; })`,
		chromedp.EvalAsValue, chromedp.EvalAwaitPromise))
	if !strings.Contains(url, "/api/v1/enforcement/evidence-uploads/") {
		t.Fatalf("the queued video has no stored upload URL: %q", url)
	}
	run(t, ctx, "video resumes",
		offline(false),
		poll(`document.getElementById('ev-queue').dataset.queued === '0'`, 40*time.Second),
		poll(count(3), 15*time.Second),
	)
	shot(t, ctx, "field-evidence-resumed-phone")
	items = evidenceOf(t, f, f.caseID)
	if len(items) != n0+3 {
		t.Fatalf("%d new pieces of evidence after the video, want 3", len(items)-n0)
	}
	var found bool
	for _, it := range items {
		if it.Kind == evidence.Video && strings.HasPrefix(it.DeviceID, "web-") {
			found = true
			if it.Size != int64(len(body)) || !strings.HasSuffix(url, "/"+it.ID) {
				t.Errorf("the video: size %d (want %d), id %s, upload URL %s", it.Size, len(body), it.ID, url)
			}
		}
	}
	if !found {
		t.Fatal("no video among the evidence")
	}

	// A fine on the spot: the decision shows on the phone with its
	// PDF (fetched with the session) and prints as the document alone.
	run(t, ctx, "summary fine",
		offlineAt(false, -1),
		chromedp.Navigate(base+"/field/enforcement"),
		chromedp.WaitVisible(chromedp.CSS("#enf-field-form")),
		chromedp.Click(chromedp.CSS("#mode-summary")),
		chromedp.SendKeys(chromedp.CSS("#p-name"), "陈大明"),
		chromedp.SendKeys(chromedp.CSS("#p-id"), "32010119900307123X"),
		chromedp.SetValue(chromedp.CSS("#f-vio"), "WASTE-01"),
		chromedp.SendKeys(chromedp.CSS("#f-sum"), "向绿化带倾倒生活垃圾一袋，当场清理"),
		chromedp.SetValue(chromedp.CSS("#f-harm"), "1"),
		chromedp.SendKeys(chromedp.CSS(`input[name=flags]`), "mitigating"),
		chromedp.Click(chromedp.CSS("#k-fine")),
		chromedp.SendKeys(chromedp.CSS("#f-fine"), "100"),
		chromedp.SendKeys(chromedp.CSS("#f-cert"), "32010001"),
		chromedp.SendKeys(chromedp.CSS("#f-cert2"), "32010002"),
		chromedp.SendKeys(chromedp.CSS("#f-num"), "某城管当罚字〔2026〕9号"),
		chromedp.SetUploadFiles(chromedp.CSS("#f-photo"), []string{photo}),
		chromedp.Click(chromedp.CSS("#f-submit")),
		chromedp.WaitVisible(chromedp.CSS("#enf-decision")),
		chromedp.WaitVisible(chromedp.CSS("#dec-print")),
		chromedp.WaitVisible(chromedp.CSS("#enf-evidence")),
	)
	pdf := get(t, ctx, chromedp.Evaluate[string](`fetch(document.getElementById('dec-pdf').href, {credentials: 'same-origin'}).then((r) => r.status + ' ' + r.headers.get('Content-Type'))`,
		chromedp.EvalAwaitPromise))
	if pdf != "200 application/pdf" {
		t.Fatalf("the decision's PDF with the session: %s", pdf)
	}
	shot(t, ctx, "field-decision-phone")
	run(t, ctx, "print view", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return err
	}))
	shot(t, ctx, "field-decision-print")
}

// TestWebInspections_Browser walks 双随机一公开 in a browser: the leader
// writes a plan from pasted lists (with a declared conflict), commits it,
// draws it and records an outcome; then a citizen on a phone finds the
// plan with its commitment, revealed seed and result, and the verify
// button re-runs the draw on the server and says it matches.
func TestWebInspections_Browser(t *testing.T) {
	ctx := browser(t)
	a := testApp(t, "")
	base := serve(t, a)
	objects := "OBJ-1,老街烧烤店,shop,320101,中山路1号,王五,13800000001\nOBJ-2,四季水果店,shop,320101,中山路2号\nOBJ-3,中山路在建项目,site,320102,中山路3号\nOBJ-4,李四流动摊点,vendor,320102,解放路4号,李四,13800000004\n"
	inspectors := "I-1,张执法,32010001,320101\nI-2,王执法,32010002,320101\nI-3,李执法,32010003,320102\nI-4,赵执法,32010004,,320102\nI-5,钱执法,32010005\n"
	run(t, ctx, "desktop", desktop)
	signIn(t, ctx, base, "leader")
	run(t, ctx, "new plan",
		chromedp.Click(chromedp.CSS("#nav-inspections")),
		chromedp.WaitVisible(chromedp.CSS("#insp-form")),
		chromedp.SendKeys(chromedp.CSS("#i-name"), "2026年第四季度门前三包双随机抽查"),
		chromedp.SendKeys(chromedp.CSS("#i-period"), "2026年第四季度"),
		chromedp.SendKeys(chromedp.CSS("#i-count"), "2"),
		chromedp.SetValue(chromedp.CSS("#i-objects"), objects),
		chromedp.SetValue(chromedp.CSS("#i-inspectors"), inspectors),
		chromedp.SetValue(chromedp.CSS("#i-conflicts"), "I-1,OBJ-1,其亲属经营\n"),
		chromedp.Click(chromedp.CSS("#i-create")),
		chromedp.WaitVisible(chromedp.CSS("#i-commit")),
	)
	if txt := get(t, ctx, chromedp.OuterHTML(chromedp.CSS("main"))); strings.Contains(txt, "13800000001") || !strings.Contains(txt, "已密封") {
		t.Fatalf("the plan page shows personal data or no sealed reason: %.400s", txt)
	}
	run(t, ctx, "commit", chromedp.Click(chromedp.CSS("#i-commit")), chromedp.WaitVisible(chromedp.CSS("#plan-commitment")), chromedp.WaitVisible(chromedp.CSS("#i-draw")))
	commitment := get(t, ctx, chromedp.Text(chromedp.CSS("#plan-commitment")))
	run(t, ctx, "draw", chromedp.Click(chromedp.CSS("#i-draw")), chromedp.WaitVisible(chromedp.CSS("#plan-seed")))
	run(t, ctx, "record an outcome",
		chromedp.Click(chromedp.CSS("#insp-results li details summary")),
		chromedp.SetValue(chromedp.CSS("#insp-results li select[name=outcome]"), "rectify"),
		chromedp.SendKeys(chromedp.CSS("#insp-results li input[name=note]"), "店外摆放货架，责令当日整改"),
		chromedp.Click(chromedp.CSS("#insp-results li form button")),
		chromedp.WaitVisible(chromedp.CSS("#insp-results .outcome")),
	)
	shot(t, ctx, "inspections-console-plan")

	run(t, ctx, "citizen on a phone", phone, clearCookies(),
		chromedp.Navigate(base+"/citizen/inspections"),
		chromedp.WaitVisible(chromedp.CSS("[data-verify]")),
	)
	pub := get(t, ctx, chromedp.Text(chromedp.CSS("main")))
	for _, want := range []string{"2026年第四季度门前三包双随机抽查", commitment, "责令整改", "店外摆放货架"} {
		if !strings.Contains(pub, want) {
			t.Fatalf("the public page lacks %q: %.600s", want, pub)
		}
	}
	for _, secret := range []string{"13800000001", "王五", "其亲属经营"} {
		if strings.Contains(pub, secret) {
			t.Fatalf("the public page shows %q", secret)
		}
	}
	run(t, ctx, "verify",
		chromedp.Click(chromedp.CSS("[data-verify]")),
		poll(`document.querySelector('.verify-result').dataset.match === 'true'`, 10*time.Second),
	)
	if v := get(t, ctx, chromedp.Text(chromedp.CSS(".verify-result"))); !strings.Contains(v, "验证通过") {
		t.Fatalf("the verify answer: %s", v)
	}
	shot(t, ctx, "inspections-citizen-verified-phone")
}
