package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"cityloop/internal/egress"
	"cityloop/internal/errs"
	"cityloop/internal/hub"
	"cityloop/internal/outbox"
	"cityloop/internal/outbox/webhook"
)

const secret = "0123456789abcdef0123456789abcdef"

// gateway is an SMS gateway on httptest: it checks each request's
// signature as a real gateway would, and answers with status and body.
type gateway struct {
	mu       sync.Mutex
	got      []webhook.Payload
	bad      int // requests whose signature did not verify
	status   int
	answer   string
	lastKeys []string
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := hub.Verify(secret, r.Header, body, time.Now(), hub.DefaultWindow); err != nil || r.Header.Get("Content-Type") != "application/json" {
		g.bad++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var p webhook.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	g.got = append(g.got, p)
	g.lastKeys = append(g.lastKeys, r.Header.Get(hub.HeaderDelivery))
	if g.status != 0 {
		w.WriteHeader(g.status)
	}
	io.WriteString(w, g.answer)
}

func loopback(t *testing.T) *egress.Policy {
	p, err := egress.Parse("loopback")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func sms() outbox.Message {
	return outbox.Message{ID: "m1", Channel: outbox.ChannelSMS, To: "13812345678", Body: "【智慧城管】您的验证码为 042917，5 分钟内有效。",
		Template: "citizen_otp", IdempotencyKey: "otp/1"}
}

func TestSend_SignedToTheGateway(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		answer    string
		wantID    string
		delivered bool
		fail      bool
		permanent bool
	}{
		{"gateway's own id", 200, `{"message_id": "gw-77"}`, "gw-77", false, false, false},
		{"no answer: our id", 202, ``, "m1", false, false, false},
		{"delivered at once", 200, `{"message_id": "gw-78", "status": "delivered"}`, "gw-78", true, false, false},
		{"answer we cannot read", 200, `<html>ok</html>`, "m1", false, false, false},
		{"server error: retry", 503, ``, "", false, true, false},
		{"rate limited: retry", 429, ``, "", false, true, false},
		{"refused: permanent", 422, `{"error": "bad number"}`, "", false, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := &gateway{status: tc.status, answer: tc.answer}
			srv := httptest.NewServer(g)
			defer srv.Close()
			p, err := webhook.New(context.Background(), webhook.Config{URL: srv.URL + "/sms", Secret: secret, Policy: loopback(t)})
			if err != nil {
				t.Fatal(err)
			}
			res, err := p.Send(context.Background(), sms())
			if tc.fail {
				if err == nil || outbox.IsPermanent(err) != tc.permanent || strings.Contains(err.Error(), "127.0.0.1") {
					t.Fatalf("err %v, want permanent %v and no address", err, tc.permanent)
				}
				return
			}
			if err != nil || res.ProviderID != tc.wantID || res.Delivered != tc.delivered {
				t.Fatalf("%+v %v", res, err)
			}
			if g.bad != 0 || len(g.got) != 1 {
				t.Fatalf("gateway saw %d good and %d badly signed requests", len(g.got), g.bad)
			}
			want := webhook.Payload{ID: "m1", To: "13812345678", Text: sms().Body, Template: "citizen_otp", IdempotencyKey: "otp/1"}
			if g.got[0] != want || g.lastKeys[0] != "otp/1" {
				t.Fatalf("payload %+v key %q", g.got[0], g.lastKeys[0])
			}
		})
	}
}

func TestNew_Refuses(t *testing.T) {
	srv := httptest.NewServer(&gateway{})
	defer srv.Close()
	for _, tc := range []struct {
		name string
		cfg  webhook.Config
	}{
		{"loopback without the operator's allow-list", webhook.Config{URL: srv.URL, Secret: secret}},
		{"short secret", webhook.Config{URL: srv.URL, Secret: "short", Policy: loopback(t)}},
		{"not a URL", webhook.Config{URL: "ftp://gateway", Secret: secret, Policy: loopback(t)}},
		{"metadata address", webhook.Config{URL: "http://169.254.169.254/latest", Secret: secret, Policy: loopback(t)}},
	} {
		if _, err := webhook.New(context.Background(), tc.cfg); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

func signed(body string, at time.Time, key string) http.Header {
	h := http.Header{}
	h.Set(hub.HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	h.Set(hub.HeaderSignature, hub.Sign(key, at, []byte(body)))
	return h
}

func TestVerifyReceipt(t *testing.T) {
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(&gateway{})
	defer srv.Close()
	p, err := webhook.New(context.Background(), webhook.Config{URL: srv.URL, Secret: secret, Policy: loopback(t), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	body := `{"receipts": [{"message_id": "gw-77", "status": "delivered", "at": "2026-06-01T16:59:00+08:00"}, {"message_id": "gw-78", "status": "undelivered", "detail": "关机"}]}`
	for _, tc := range []struct {
		name string
		h    http.Header
		body string
		kind errs.Kind
	}{
		{"good", signed(body, now, secret), body, 0},
		{"unsigned", http.Header{}, body, errs.KindUnauthenticated},
		{"wrong secret", signed(body, now, strings.Repeat("x", 32)), body, errs.KindUnauthenticated},
		{"body changed after signing", signed(body, now, secret), strings.Replace(body, "undelivered", "delivered", 1), errs.KindUnauthenticated},
		{"replayed an hour later", signed(body, now.Add(-time.Hour), secret), body, errs.KindUnauthenticated},
		{"signed but malformed", signed(`{"status": "sent"}`, now, secret), `{"status": "sent"}`, errs.KindInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := p.VerifyReceipt(tc.h, []byte(tc.body))
			if tc.kind != 0 {
				if !errs.Is(err, tc.kind) {
					t.Fatalf("err %v, want %v", err, tc.kind)
				}
				return
			}
			if err != nil || len(rs) != 2 || !rs[0].Delivered || rs[0].ProviderID != "gw-77" || !rs[0].At.Equal(now.Add(-time.Minute)) ||
				rs[1].Delivered || rs[1].Detail != "关机" || rs[1].Channel != outbox.ChannelSMS {
				t.Fatalf("%+v %v", rs, err)
			}
		})
	}
}

// FuzzParseReceipts: any body gives receipts or an Invalid error, never a
// panic or another kind, and every receipt it gives is well-formed.
func FuzzParseReceipts(f *testing.F) {
	for _, s := range []string{
		`{"message_id": "gw-1", "status": "delivered"}`,
		`{"receipts": [{"message_id": "a", "status": "failed", "detail": "x", "at": "2026-06-01T09:00:00Z"}]}`,
		`{"receipts": []}`, `null`, `[]`, `{"message_id": "a", "status": "delivered"} {}`, `{"status": "DELIVERED", "message_id": "\u0000"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rs, err := webhook.ParseReceipts(body, outbox.ChannelSMS)
		if err != nil {
			if !errs.Is(err, errs.KindInvalid) {
				t.Fatalf("error of kind %v: %v", errs.KindOf(err), err)
			}
			return
		}
		if len(rs) == 0 || len(rs) > webhook.MaxReceipts {
			t.Fatalf("%d receipts", len(rs))
		}
		for _, r := range rs {
			if r.ProviderID == "" || len(r.ProviderID) > outbox.MaxKey || len(r.Detail) > 500 || r.Channel != outbox.ChannelSMS {
				t.Fatalf("%+v", r)
			}
		}
	})
}
