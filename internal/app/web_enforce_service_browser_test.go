package app

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cityloop/internal/enforce"
	"cityloop/internal/evidence"
)

// decidedCase stores a penalty case of enf1 and enf2 whose decision was
// issued an hour ago and is not yet served, with its pending publication,
// as the approvals before it would have left it.
func (f *enfFixture) decidedCase(t *testing.T) *enforce.Case {
	t.Helper()
	ctx := context.Background()
	at := f.a.Now().Add(-time.Hour)
	c := &enforce.Case{ID: "svc-" + NewID(), Code: "ZF2026-990001", District: "320101", Procedure: enforce.Ordinary, Status: enforce.StatusDecided,
		Party: enforce.Party{Kind: enforce.Person, Name: "孙*"}, Violation: "ROAD-01", OccurredAt: at.Add(-72 * time.Hour),
		Summary: "建设路 3 号门前店外经营", Version: 1, UpdatedAt: at, FiledAt: &at,
		Officers: []enforce.Officer{{ID: f.ids["enf1"], Name: "张执法", Certificate: "32010001"}, {ID: f.ids["enf2"], Name: "王执法", Certificate: "32010002"}},
		Decision: &enforce.Decision{Number: "某城管罚决字〔2026〕90号", Penalty: enforce.Penalty{Kinds: []enforce.Kind{enforce.KindFine}, Fine: 500}, At: at}}
	party := enforce.PartyDetail{Kind: enforce.Person, Name: "孙立新", IDNumber: "320101198001011235", Phone: "13622223333"}
	ev := enforce.Event{CaseID: c.ID, Seq: 1, Action: enforce.ActOpen, To: c.Status, Actor: f.ids["enf1"], Post: "enforcer", At: at}
	if err := f.svc.Store.CreateCase(ctx, c, party, []enforce.Event{ev}, nil); err != nil {
		t.Fatal(err)
	}
	return c
}

// caseStatus reads the status of penalty case id.
func (f *enfFixture) caseStatus(t *testing.T, id string) enforce.Status {
	t.Helper()
	c, err := f.svc.Store.FindCaseByID(context.Background(), id, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.Status
}

// TestWebEnforce_ServiceReceipt: 送达 on the case page asks for the proof
// of service; the server refuses it (422, the case stays decided) with an
// id the vault does not hold or with a video, and takes the signed
// receipt's scan, which the case page then shows as the 送达回证. In
// Chromium on a phone: screenshots testout/screenshots/enforce-serve-*.
func TestWebEnforce_ServiceReceipt(t *testing.T) {
	f := newEnfFixture(t)
	c := f.decidedCase(t)
	receipt := deposit(t, f.a, c.ID, f.ids["enf1"], evidence.Document, tinyPDF)
	video := deposit(t, f.a, c.ID, f.ids["enf1"], evidence.Video, tinyMP4)
	b := f.as(t, "enf1")
	path := "/console/enforcement/cases/" + c.ID
	_, _, tok := b.get(path)
	for _, files := range []string{"", "no-such-evidence", video} {
		res, body := b.post(path+"/act", url.Values{"_csrf": {tok}, "action": {"serve"}, "method": {"direct"}, "record_kind": {"service"}, "record_files": {files}}, nil)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "送达回证") {
			t.Fatalf("serve with %q: %d %.600s", files, res.StatusCode, mainOf(body))
		}
	}
	if st := f.caseStatus(t, c.ID); st != enforce.StatusDecided {
		t.Fatalf("a refused service moved the case to %s", st)
	}

	ctx := browser(t)
	run(t, ctx, "phone", phone)
	signInTo(t, ctx, f.base, "enf1", "#enf-queue")
	run(t, ctx, "open serve",
		chromedp.Navigate(f.base+path),
		chromedp.WaitVisible(chromedp.CSS("#act-serve summary")),
		chromedp.Click(chromedp.CSS("#act-serve summary")),
		chromedp.WaitVisible(chromedp.CSS("#rr-serve")),
		chromedp.SendKeys(chromedp.CSS("#rr-serve"), receipt),
		chromedp.ScrollIntoView(chromedp.CSS("#do-serve")))
	shot(t, ctx, "enforce-serve-form-phone")
	run(t, ctx, "serve", chromedp.Click(chromedp.CSS("#do-serve")), chromedp.WaitVisible(chromedp.CSS(".flash")),
		chromedp.Navigate(f.base+path), chromedp.WaitVisible(chromedp.CSS("#enf-service")), chromedp.ScrollIntoView(chromedp.CSS("#enf-service")))
	shown := get(t, ctx, chromedp.Text(chromedp.CSS("#enf-service")))
	if !strings.Contains(shown, receipt) || !strings.Contains(shown, "直接送达") && !strings.Contains(shown, "当场") {
		t.Fatalf("the case page's proof of service: %q", shown)
	}
	shot(t, ctx, "enforce-serve-receipt-phone")
	if st := f.caseStatus(t, c.ID); st != enforce.StatusExecuting {
		t.Fatalf("after service: %s", st)
	}
}
