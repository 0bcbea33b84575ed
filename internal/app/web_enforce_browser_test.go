package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cityloop/internal/enforce"
	"cityloop/internal/evidence"
	"cityloop/internal/org"
)

// signInTo signs in through the form as user and waits for sel on the
// page the sign-in lands on.
func signInTo(t *testing.T, ctx context.Context, base, user, sel string) {
	t.Helper()
	run(t, ctx, "sign in as "+user,
		clearCookies(),
		chromedp.Navigate(base+"/signin"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), "demo"),
		chromedp.Submit(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS(sel)),
	)
}

// enfAct opens one action on the penalty case page, lets fill set its
// fields and submits it, waiting for the confirmation.
func enfAct(t *testing.T, ctx context.Context, base, id, action string, fill ...step) {
	t.Helper()
	acts := []step{
		chromedp.Navigate(base + "/console/enforcement/cases/" + id),
		chromedp.WaitVisible(chromedp.CSS("#act-" + action + " summary")),
		chromedp.Click(chromedp.CSS("#act-" + action + " summary")),
		chromedp.WaitVisible(chromedp.CSS("#do-" + action)),
	}
	acts = append(acts, fill...)
	acts = append(acts, chromedp.Click(chromedp.CSS("#do-"+action)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	run(t, ctx, action, acts...)
}

// majorCase plays a second penalty case up to 法制审核: a 12,000 yuan fine
// is a major decision under the default policy (above 10,000 for a person).
func (f *enfFixture) majorCase(t *testing.T) *enforce.Case {
	t.Helper()
	ctx := context.Background()
	g := []org.Grant{{Post: org.PostEnforcer, Region: "320101", Department: "enforcement"}}
	enf1 := org.Actor{ID: f.ids["enf1"], Name: "张执法", Grants: g}
	leader := org.Actor{ID: f.ids["leader"], Name: "leader", Grants: testAccounts["leader"]}
	at := f.a.Now().Add(-72 * time.Hour)
	out, err := f.svc.Open(ctx, enf1, enforce.OpenRequest{Summary: "解放路 8 号超市门前长期占道堆放货物", District: "320101", OccurredAt: &at,
		Violation: "ROAD-01", Party: enforce.PartyDetail{Kind: enforce.Person, Name: "刘建华", IDNumber: "320101197702021238", Phone: "13700001111"}})
	if err != nil {
		t.Fatal(err)
	}
	id := out.Case.ID
	officers := []enforce.Officer{{ID: f.ids["enf1"], Name: "张执法", Certificate: "32010001"}, {ID: f.ids["enf2"], Name: "王执法", Certificate: "32010002"}}
	facts := enforce.Facts{Party: enforce.Person, Harm: enforce.HarmGeneral, Area: 20}
	no := false
	yes := true
	for _, s := range []struct {
		who org.Actor
		cmd enforce.Command
	}{
		{enf1, enforce.Command{Action: enforce.ActProposeFiling, Officers: officers}},
		{leader, enforce.Command{Action: enforce.ActApprove, Note: "同意立案"}},
		{enf1, enforce.Command{Action: enforce.ActRecord, Record: &enforce.Record{Kind: enforce.RecInspection, Officers: []string{f.ids["enf1"], f.ids["enf2"]},
			Files: []string{deposit(t, f.a, id, f.ids["enf1"], evidence.Document, tinyPDF)}, Note: "现场勘验"}}},
		{enf1, enforce.Command{Action: enforce.ActRecord, Record: &enforce.Record{Kind: enforce.RecAudioVideo,
			Files: []string{deposit(t, f.a, id, f.ids["enf1"], evidence.Video, tinyMP4)}}}},
		{enf1, enforce.Command{Action: enforce.ActConclude, Violation: "ROAD-01", Facts: &facts, Penalty: &enforce.Penalty{Kinds: []enforce.Kind{enforce.KindFine}, Fine: 12000}}},
		{leader, enforce.Command{Action: enforce.ActReview, Complex: &no, Passed: &yes, Note: "事实清楚"}},
	} {
		if out, err = f.svc.Act(ctx, s.who, id, s.cmd); err != nil {
			t.Fatalf("%s: %v", s.cmd.Action, err)
		}
	}
	if out.Case.Status != enforce.StatusLegalReview {
		t.Fatalf("the major case is %s, not in legal review", out.Case.Status)
	}
	return out.Case
}

// TestWebEnforce_Browser drives the enforcement pages in Chromium: the
// enforcer's queue, the case page's actions (record → record → conclude)
// and the audited party view, the legal reviewer's and the leader's
// queues, the field app's summary penalty on a phone and the public
// disclosure page on a phone. Screenshots go to testout/screenshots/enforce-*.
func TestWebEnforce_Browser(t *testing.T) {
	ctx := browser(t)
	f := newEnfFixture(t)
	major := f.majorCase(t)
	base := f.base
	photo := pngFile(t)

	run(t, ctx, "desktop", desktop)
	signInTo(t, ctx, base, "enf1", "#enf-queue")
	queue := get(t, ctx, chromedp.Text(chromedp.CSS("#enf-queue")))
	if !strings.Contains(queue, "ZF") || !strings.Contains(queue, "调查取证") || strings.Contains(queue, "周小琴") {
		t.Fatalf("the enforcer's queue: %s", queue)
	}
	shot(t, ctx, "enforce-queue-enforcer")

	enfAct(t, ctx, base, f.caseID, "record",
		chromedp.SetValue(chromedp.CSS("#rk-record"), "inspection"),
		chromedp.SendKeys(chromedp.CSS("#rf-record"), f.scan),
		chromedp.SendKeys(chromedp.CSS("#rn-record"), "现场检查：店外摆放货架，占用人行道约 6 平方米"))
	enfAct(t, ctx, base, f.caseID, "record",
		chromedp.SetValue(chromedp.CSS("#rk-record"), "audio_video"),
		chromedp.SendKeys(chromedp.CSS("#rf-record"), f.video))
	enfAct(t, ctx, base, f.caseID, "conclude",
		chromedp.SetValue(chromedp.CSS("#harm-conclude"), "1"),
		chromedp.SendKeys(chromedp.CSS(`#act-conclude input[name=area]`), "6"),
		chromedp.Click(chromedp.CSS(`#act-conclude input[name=kind][value=fine]`)),
		chromedp.SendKeys(chromedp.CSS("#fine-conclude"), "8000"),
		chromedp.SendKeys(chromedp.CSS("#note-conclude"), "事实清楚，证据确凿"))
	if st := f.status(t); st != enforce.StatusReviewing {
		t.Fatalf("after conclude: %s", st)
	}
	run(t, ctx, "evaluate", chromedp.SetValue(chromedp.CSS("#ev-harm"), "1"), chromedp.SendKeys(chromedp.CSS("#ev-area"), "6"),
		chromedp.Click(chromedp.CSS("#ev-go")),
		// The page before already shows the proposal's benchmark: wait for the new one.
		waitJS(`location.search.includes('eval=1') && document.readyState === 'complete' && document.getElementById('enf-outcome') !== null`, 15*time.Second))
	shot(t, ctx, "enforce-case-concluded")
	run(t, ctx, "show the party", chromedp.Click(chromedp.CSS("#show-party")), chromedp.WaitVisible(chromedp.CSS("#enf-party-detail")))
	if p := get(t, ctx, chromedp.Text(chromedp.CSS("#enf-party-detail"))); !strings.Contains(p, "周小琴") || !strings.Contains(p, "13611112222") {
		t.Fatalf("the party shown: %s", p)
	}
	shot(t, ctx, "enforce-case-party-shown")

	signInTo(t, ctx, base, "legal", "#enf-queue")
	if q := get(t, ctx, chromedp.Text(chromedp.CSS("#enf-queue"))); !strings.Contains(q, major.Code) || !strings.Contains(q, "法制审核") {
		t.Fatalf("the legal reviewer's queue: %s", q)
	}
	shot(t, ctx, "enforce-queue-legal")
	enfAct(t, ctx, base, major.ID, "legal_review",
		chromedp.Click(chromedp.CSS("#pass-legal_review")),
		chromedp.SendKeys(chromedp.CSS("#q-legal_review"), "A20183201000123"),
		chromedp.SendKeys(chromedp.CSS("#note-legal_review"), "主体合法，事实清楚，适用依据正确，裁量适当"))
	shot(t, ctx, "enforce-case-legal-reviewed")

	signInTo(t, ctx, base, "leader", "#queues")
	run(t, ctx, "leader approvals", chromedp.Click(chromedp.CSS("#nav-enforcement")), chromedp.WaitVisible(chromedp.CSS("#enf-queue")))
	if q := get(t, ctx, chromedp.Text(chromedp.CSS("#enf-queue"))); !strings.Contains(q, "待我审批") || !strings.Contains(q, "审查") {
		t.Fatalf("the leader's approvals: %s", q)
	}
	shot(t, ctx, "enforce-queue-leader")

	// The field app on a phone: a fine on the spot, shown to the party.
	run(t, ctx, "phone", phone)
	signInTo(t, ctx, base, "enf1", "#enf-queue")
	run(t, ctx, "field form",
		chromedp.Navigate(base+"/field/enforcement"),
		chromedp.WaitVisible(chromedp.CSS("#enf-field-form")),
		chromedp.Click(chromedp.CSS("#mode-summary")),
		chromedp.SendKeys(chromedp.CSS("#p-name"), "陈大明"),
		chromedp.SendKeys(chromedp.CSS("#p-id"), "32010119900307123X"),
		chromedp.SendKeys(chromedp.CSS("#p-phone"), "13912345678"),
		chromedp.SetValue(chromedp.CSS("#f-vio"), "WASTE-01"),
		chromedp.SendKeys(chromedp.CSS("#f-sum"), "向绿化带倾倒生活垃圾一袋，当场清理"),
		chromedp.SetValue(chromedp.CSS("#f-harm"), "1"),
		chromedp.SendKeys(chromedp.CSS(`input[name=flags]`), "mitigating"),
		chromedp.Click(chromedp.CSS("#k-fine")),
		chromedp.SendKeys(chromedp.CSS("#f-fine"), "100"),
		chromedp.SendKeys(chromedp.CSS("#f-cert"), "32010001"),
		chromedp.SendKeys(chromedp.CSS("#f-cert2"), "32010002"),
		chromedp.SendKeys(chromedp.CSS("#f-num"), "某城管当罚字〔2026〕7号"),
		chromedp.SetUploadFiles(chromedp.CSS("#f-photo"), []string{photo}),
	)
	shot(t, ctx, "enforce-field-form-phone")
	run(t, ctx, "field submit", chromedp.Click(chromedp.CSS("#f-submit")), chromedp.WaitVisible(chromedp.CSS("#enf-decision")))
	dec := get(t, ctx, chromedp.Text(chromedp.CSS("#enf-decision")))
	if !strings.Contains(dec, "当场行政处罚决定书") || !strings.Contains(dec, "罚款 100 元") || strings.Contains(dec, "32010119900307123X") {
		t.Fatalf("the decision on screen: %s", dec)
	}
	shot(t, ctx, "enforce-field-decision-phone")

	// The public page on a phone finds it with the party masked.
	run(t, ctx, "citizen disclosures",
		clearCookies(),
		chromedp.Navigate(base+"/citizen/enforcement"),
		chromedp.WaitVisible(chromedp.CSS("#disc-form")),
		chromedp.SendKeys(chromedp.CSS("#d-q"), "当罚字"),
		chromedp.Click(chromedp.CSS("#d-go")),
		chromedp.WaitVisible(chromedp.CSS("#disc-results")),
	)
	pub := get(t, ctx, chromedp.Text(chromedp.CSS("main")))
	if !strings.Contains(pub, "陈*") || !strings.Contains(pub, "某城管当罚字〔2026〕第7号") {
		t.Fatalf("the public page: %s", pub)
	}
	for _, secret := range []string{"陈大明", "13912345678", "32010119900307123X"} {
		if strings.Contains(pub, secret) {
			t.Fatalf("the public page shows %q", secret)
		}
	}
	shot(t, ctx, "enforce-citizen-disclosures-phone")
}
