package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"cityloop/internal/hub"
	"cityloop/internal/jobs"
	"cityloop/internal/outbox/webhook"
)

// TestOutbox_CitizenCodeBySMS: with an SMS gateway configured and the demo
// off, /citizen/mine texts the code through the outbox: the message waits
// queued (the administrator sees it masked), the outbox-delivery job sends
// it to the gateway signed, the code texted works, and the gateway's
// signed receipt marks it delivered. Neither the phone nor the code lies
// in the database files in plain.
func TestOutbox_CitizenCodeBySMS(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	const phone = "13812345678"
	var mu sync.Mutex
	var texts []webhook.Payload
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := hub.Verify(secret, r.Header, body, time.Now(), hub.DefaultWindow); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var p webhook.Payload
		_ = json.Unmarshal(body, &p)
		mu.Lock()
		texts = append(texts, p)
		mu.Unlock()
		io.WriteString(w, `{"message_id": "gw-1"}`)
	}))
	defer gw.Close()

	a := testApp(t, "")
	ctx := context.Background()
	if err := a.Store.CreateCase(ctx, phoneCase(phone, a.Now().Add(-time.Hour)), nil); err != nil {
		t.Fatal(err)
	}
	// Wire the outbox again, as a node started with these settings would,
	// on a runner the test ticks.
	a.Cfg.SMSWebhookURL, a.Cfg.SMSWebhookSecret = gw.URL+"/sms", secret
	clock := &fakeClock{t: time.Now()}
	a.Now = clock.Now
	runner := &jobs.Runner{Store: a.jobs.Store, Node: "test-node", Now: clock.Now}
	a.jobs = runner
	if err := wireOutbox(a, nil); err != nil {
		t.Fatal(err)
	}
	b := newBrowserClient(t, serveWeb(t, a, false, nil))
	_, page, tok := b.get("/citizen/mine")
	if strings.Contains(page, `id="sms-off"`) {
		t.Fatal("the page says SMS is not configured")
	}
	res, body := b.post("/citizen/mine/code", url.Values{"_csrf": {tok}, "phone": {phone}}, nil)
	if res.StatusCode != http.StatusOK || demoCodeRe.MatchString(body) {
		t.Fatalf("ask code: %d, demo code shown %v", res.StatusCode, demoCodeRe.MatchString(body))
	}

	admin := login(t, serve(t, a), "admin")
	var list struct {
		Items []struct{ ID, To, Status, Template string }
		Total int
	}
	if st := admin.do("GET", "/api/v1/outbox", nil, &list); st != 200 || list.Total != 1 || list.Items[0].Status != "queued" ||
		list.Items[0].To != "138****5678" || list.Items[0].Template != "citizen_otp" {
		t.Fatalf("listing %d %+v", st, list)
	}

	// The first pass schedules the job at the next 10 s boundary; the
	// second, 15 s later, runs it.
	var got []webhook.Payload
	for range 2 {
		if err := runner.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Add(15 * time.Second)
	}
	mu.Lock()
	got = append(got, texts...)
	mu.Unlock()
	if len(got) != 1 || got[0].To != phone || got[0].Template != "citizen_otp" {
		t.Fatalf("gateway got %+v", got)
	}
	i := strings.Index(got[0].Text, "验证码为 ")
	code := got[0].Text[i+len("验证码为 ") : i+len("验证码为 ")+6]
	if res, body := b.post("/citizen/mine/list", url.Values{"_csrf": {tok}, "phone": {phone}, "code": {code}}, nil); res.StatusCode != 200 || !strings.Contains(body, `id="mine-list"`) {
		t.Fatalf("the texted code %s does not work: %d", code, res.StatusCode)
	}

	receipt := `{"message_id": "gw-1", "status": "delivered"}`
	for _, signed := range []bool{false, true} {
		req, _ := http.NewRequest("POST", admin.base+"/api/v1/outbox/receipts/sms", strings.NewReader(receipt))
		req.Header.Set("Content-Type", "application/json")
		if signed {
			now := time.Now()
			req.Header.Set(hub.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
			req.Header.Set(hub.HeaderSignature, hub.Sign(secret, now, []byte(receipt)))
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if want := map[bool]int{false: 401, true: 200}[signed]; res.StatusCode != want {
			t.Fatalf("receipt signed %v: %d, want %d", signed, res.StatusCode, want)
		}
	}
	if st := admin.do("GET", "/api/v1/outbox?status=delivered", nil, &list); st != 200 || list.Total != 1 {
		t.Fatalf("after the receipt: %d %+v", st, list)
	}

	a.Close()
	assertNotInDBFiles(t, a.Cfg.DataDir, phone, code)
}
