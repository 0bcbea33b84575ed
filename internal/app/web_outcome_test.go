package app

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityloop/internal/closenotice"
	"cityloop/internal/hub"
	"cityloop/internal/jobs"
	"cityloop/internal/outbox"
	"cityloop/internal/share"
)

// TestWeb_FieldPostsLandOnField: a sign-in that asks for no page leads
// field posts to the field app and desk posts to the console; a page
// asked for is kept.
func TestWeb_FieldPostsLandOnField(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	for _, tc := range []struct{ user, next, want string }{
		{"supervisor", "", "/field"},
		{"handler", "", "/field"},
		{"operator", "", "/console"},
		{"dispatcher", "", "/console"},
		{"leader", "", "/console"},
		{"supervisor", "/console/map", "/console/map"},
		{"handler", "/console", "/console"},
	} {
		t.Run(tc.user+" "+tc.next, func(t *testing.T) {
			b := newBrowserClient(t, base)
			_, page, tok := b.get("/signin")
			if !strings.Contains(page, `name="next" value=""`) {
				t.Fatalf("the sign-in form without next= asks for a page: %.300s", page)
			}
			res, _ := b.post("/signin", url.Values{"_csrf": {tok}, "username": {tc.user}, "password": {"demo"}, "next": {tc.next}}, nil)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != tc.want {
				t.Fatalf("%s lands on %d %s, want %s", tc.user, res.StatusCode, res.Header.Get("Location"), tc.want)
			}
		})
	}
}

var trackKeyRe = regexp.MustCompile(`/citizen/track\?code=(\d+)&amp;key=([A-Z2-7]{16})`)

// TestWeb_CitizenSeesTheOutcome follows a citizen's report to its end: the
// tracking page shows no outcome while the disposal waits for its check,
// then the reply, the after-photo (served only with the tracking key) and
// the map; "我的上报" links keep the key, so the closed case is rated from
// there; the close queues one SMS with the tracking link; and a city that
// withholds after-photos shows a sentence instead.
func TestWeb_CitizenSeesTheOutcome(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	ctx := context.Background()
	const phone = "13812345678"
	code, key := citizenReport(t, base, map[string]string{"description": "人行道店外经营占道", "lng": "118.71", "lat": "32.01",
		"phone": phone, "category": "event:0504"})
	c, err := a.Store.FindCaseByCode(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	op, lead, disp, h, sup := login(t, base, "operator"), login(t, base, "shiftlead"), login(t, base, "dispatcher"), login(t, base, "handler"), login(t, base, "supervisor")
	act(t, op, c.ID, map[string]any{"action": "accept"}, 200)
	act(t, lead, c.ID, map[string]any{"action": "file"}, 200)
	act(t, disp, c.ID, map[string]any{"action": "dispatch", "department": "enforcement"}, 200)
	act(t, h, c.ID, map[string]any{"action": "sign"}, 200)
	after := uploadPhoto(t, h)
	act(t, h, c.ID, map[string]any{"action": "dispose", "note": "已劝离，货架收回店内", "photos": []string{after}}, 200)

	citizen := newBrowserClient(t, base)
	track := "/citizen/track?code=" + code + "&key=" + key
	photoURL := func(k, id string) string { return "/citizen/track/photo?code=" + code + "&key=" + k + "&id=" + id }
	if _, page, _ := citizen.get(track); strings.Contains(page, `id="track-outcome"`) || strings.Contains(page, "已劝离") {
		t.Fatal("the outcome shows before the check")
	}
	if st, _, _ := citizen.get(photoURL(key, after)); st != http.StatusNotFound {
		t.Fatalf("the after photo before the check: %d", st)
	}
	act(t, sup, c.ID, map[string]any{"action": "check", "passed": true, "photos": []string{after}}, 200)
	_, page, _ := citizen.get(track)
	for _, want := range []string{`id="track-outcome"`, "处置答复", "已劝离，货架收回店内", `id="track-map"`, photoURL(key, after)} {
		if !strings.Contains(page, strings.ReplaceAll(want, "&", "&amp;")) {
			t.Errorf("the tracking page lacks %s", want)
		}
	}
	for _, tc := range []struct {
		name, url string
		want      int
	}{
		{"with the key", photoURL(key, after), 200},
		{"wrong key", photoURL("AAAAAAAAAAAAAAAA", after), 404},
		{"no key", photoURL("", after), 404},
		{"a photo id the case does not cite", photoURL(key, strings.Repeat("0", len(after))), 404},
		{"not a photo id", photoURL(key, "../web.secret"), 404},
	} {
		res, err := http.Get(base + tc.url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.want || (tc.want == 200 && res.Header.Get("Content-Type") != "image/png") {
			t.Errorf("%s: %d %s (%.80s)", tc.name, res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	}
	act(t, lead, c.ID, map[string]any{"action": "close"}, 200)

	// The close queues one SMS with the tracking link and key. The hub's
	// feeder runs on the node's delivery lease, which a test server does
	// not take: step it here until the close is in the feed, then let the
	// runner make its pass.
	feeder := &hub.Feeder{Store: a.hubChanges.(share.Store)}
	closed := func() bool {
		changes, err := a.hubChanges.ChangesAfter(ctx, 0, 10_000)
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range changes {
			if ch.Kind == "case.close" && ch.CaseID == c.ID {
				return true
			}
		}
		return false
	}
	for deadline := time.Now().Add(20 * time.Second); !closed(); time.Sleep(200 * time.Millisecond) {
		if _, err := feeder.Step(ctx); err != nil || time.Now().After(deadline) {
			t.Fatalf("the close never reached the feed: %v", err)
		}
	}
	// The job runs on a runner whose clock the test moves past its interval.
	clock := &fakeClock{t: time.Now()}
	runner := &jobs.Runner{Store: a.jobs.Store, Node: "test-node", Now: clock.Now}
	a.jobs = runner
	if err := wireCloseNotice(a, nil); err != nil {
		t.Fatal(err)
	}
	tick := func() {
		clock.Add(time.Minute)
		if err := runner.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	tick() // the first pass puts the job on this runner's schedule
	tick()
	ob := a.api.Outbox.(*outbox.Service)
	msgs, _, err := ob.Find(ctx, outbox.Filter{Related: "case/" + c.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Template != closenotice.Template || msgs[0].Channel != outbox.ChannelSMS {
		t.Fatalf("close notices: %+v", msgs)
	}
	if link := a.Cfg.PublicURL + "/citizen/track?code=" + code + "&key=" + key; !strings.Contains(msgs[0].Body, link) ||
		!strings.Contains(msgs[0].Body, "已办结") || msgs[0].To != phone {
		t.Fatalf("the notice to %s does not carry %s: %s", msgs[0].To, link, msgs[0].Body)
	}
	tick()
	tick()
	if again, _, _ := ob.Find(ctx, outbox.Filter{Related: "case/" + c.ID}); len(again) != 1 {
		t.Fatalf("%d close notices after more runs, want 1", len(again))
	}

	// 我的上报 (demo mode shows the one-time code) links with the key; the
	// page behind the link offers the rating.
	mineBase := serveWeb(t, a, true, nil)
	b := newBrowserClient(t, mineBase)
	otp := askCode(t, b, phone)
	_, _, tok := b.get("/citizen/mine")
	_, list := b.post("/citizen/mine/list", url.Values{"_csrf": {tok}, "phone": {phone}, "code": {otp}}, nil)
	m := trackKeyRe.FindStringSubmatch(list)
	if m == nil || m[1] != code || m[2] != key {
		t.Fatalf("我的上报 links without the key: %v in %.600s", m, list)
	}
	if _, page, _ := b.get("/citizen/track?code=" + m[1] + "&key=" + m[2]); !strings.Contains(page, `id="rate-form"`) {
		t.Fatalf("the closed case cannot be rated from 我的上报: %.400s", page)
	}

	// A city that withholds after-photos: a sentence, no image, no photo route.
	a.Cfg.CitizenAfterPhoto = "withhold"
	held := serveWeb(t, a, true, nil)
	w := newBrowserClient(t, held)
	_, page, _ = w.get(track)
	if !strings.Contains(page, `id="track-withheld"`) || strings.Contains(page, "/citizen/track/photo") || !strings.Contains(page, "已劝离") {
		t.Fatalf("withheld after-photos: %.600s", page)
	}
	if st, _, _ := w.get(photoURL(key, after)); st != http.StatusNotFound {
		t.Fatalf("the photo route of a city that withholds them: %d", st)
	}
}
