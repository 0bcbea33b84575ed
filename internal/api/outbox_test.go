package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"cityloop/internal/egress"
	"cityloop/internal/errs"
	"cityloop/internal/hub"
	"cityloop/internal/outbox"
	"cityloop/internal/outbox/webhook"
)

// fakeOutbox keeps messages in memory and applies the domain's own
// transitions, so the handlers are tested on the real rules.
type fakeOutbox struct {
	msgs      map[string]outbox.Message
	providers map[outbox.Channel]outbox.Provider
}

func (f *fakeOutbox) Find(ctx context.Context, flt outbox.Filter) ([]outbox.Message, int, error) {
	var out []outbox.Message
	for _, id := range []string{"m-dead", "m-sent", "m-mail"} {
		if m, ok := f.msgs[id]; ok && (flt.Status == "" || m.Status == flt.Status) && (flt.Channel == "" || m.Channel == flt.Channel) {
			out = append(out, m)
		}
	}
	return out, len(out), nil
}

func (f *fakeOutbox) Retry(ctx context.Context, id string) (outbox.Message, error) {
	m, ok := f.msgs[id]
	if !ok {
		return m, errs.NotFound("没有编号为 %s 的消息 / no message has the id %s", id, id)
	}
	m, err := m.Retry(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	if err == nil {
		f.msgs[id] = m
	}
	return m, err
}

func (f *fakeOutbox) ApplyReceipt(ctx context.Context, r outbox.Receipt) (outbox.Message, error) {
	for id, m := range f.msgs {
		if m.Channel == r.Channel && m.ProviderID == r.ProviderID {
			next, _, err := m.ApplyReceipt(r, outbox.Policy{}, 0)
			if err == nil {
				f.msgs[id] = next
			}
			return next, err
		}
	}
	return outbox.Message{}, errs.NotFound("没有编号为 %s 的短信消息 / no SMS message has the id %s", r.ProviderID, r.ProviderID)
}

func (f *fakeOutbox) Channels() []outbox.ChannelState {
	return (&outbox.Service{Providers: f.providers}).Channels()
}

const testGatewaySecret = "0123456789abcdef0123456789abcdef"

func newOutboxServer(t *testing.T) (*Server, *fakeAuditor, http.Handler) {
	t.Helper()
	s, aud, h := newTestServer(t)
	t0 := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	box := &fakeOutbox{msgs: map[string]outbox.Message{
		"m-dead": {ID: "m-dead", Channel: outbox.ChannelSMS, To: "13812345678", Template: "citizen_otp", Status: outbox.StatusDead, Attempts: 3, MaxAttempts: 3,
			LastError: "接收方返回 HTTP 503 / the receiver answered HTTP 503 for 13812345678", CreatedAt: t0},
		"m-sent": {ID: "m-sent", Channel: outbox.ChannelSMS, To: "13900001111", Template: "enforce_remind", Status: outbox.StatusSent, Attempts: 1, MaxAttempts: 8,
			ProviderID: "gw-1", CreatedAt: t0},
		"m-mail": {ID: "m-mail", Channel: outbox.ChannelEmail, To: "zhang.san@example.org", Template: "enforce_service", Status: outbox.StatusQueued, MaxAttempts: 8,
			NextAttemptAt: t0, CreatedAt: t0},
	}}
	allow, _ := egress.Parse("loopback")
	gw, err := webhook.New(context.Background(), webhook.Config{URL: "http://127.0.0.1:9/sms", Secret: testGatewaySecret, Policy: allow,
		Now: func() time.Time { return s.Now() }})
	if err != nil {
		t.Fatal(err)
	}
	box.providers = map[outbox.Channel]outbox.Provider{outbox.ChannelSMS: gw}
	s.Outbox = box
	s.OutboxReceipts = map[outbox.Channel]ReceiptVerifier{outbox.ChannelSMS: gw}
	return s, aud, h
}

func TestAPI_Outbox(t *testing.T) {
	_, aud, h := newOutboxServer(t)
	runScenarios(t, h, aud, []apiScenario{
		{name: "listing masks recipients and says why e-mail waits", method: "GET", path: "/api/v1/outbox", post: "admin", status: 200,
			contains:    []string{`"total":3`, `138****5678`, `z***@example.org`, `"waiting":"未配置电子邮件发送服务`, `"configured":true`, `HTTP 503`},
			notContains: []string{"13812345678", "zhang.san@example.org", "13900001111"}},
		{name: "filter by status", method: "GET", path: "/api/v1/outbox?status=dead", post: "admin", status: 200, contains: []string{`"total":1`, `m-dead`}},
		{name: "unknown status", method: "GET", path: "/api/v1/outbox?status=lost", post: "admin", status: 400, contains: []string{"status"}},
		{name: "unknown channel", method: "GET", path: "/api/v1/outbox?channel=fax", post: "admin", status: 400, contains: []string{"email 或 sms"}},
		{name: "limit out of range", method: "GET", path: "/api/v1/outbox?limit=0", post: "admin", status: 400},
		{name: "an operator may not list", method: "GET", path: "/api/v1/outbox", post: "operator", status: 403},
		{name: "retry a dead message", method: "POST", path: "/api/v1/outbox/m-dead/retry", post: "admin", status: 200,
			contains: []string{`"status":"queued"`, `"attempts":0`}, notContains: []string{"13812345678"}, audit: "outbox.retry"},
		{name: "a sent message is not retried", method: "POST", path: "/api/v1/outbox/m-sent/retry", post: "admin", status: 409, contains: []string{"只有发送失败或已放弃"}},
		{name: "retry of an unknown message", method: "POST", path: "/api/v1/outbox/nope/retry", post: "admin", status: 404},
	})
}

func TestAPI_OutboxReceipts(t *testing.T) {
	s, aud, h := newOutboxServer(t)
	sign := func(body string, at time.Time, secret string) http.Header {
		hd := http.Header{"Content-Type": {"application/json"}}
		hd.Set(hub.HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
		hd.Set(hub.HeaderSignature, hub.Sign(secret, at, []byte(body)))
		return hd
	}
	now := s.Now()
	one := `{"message_id": "gw-1", "status": "delivered"}`
	for _, tc := range []struct {
		name     string
		path     string
		body     string
		header   http.Header
		status   int
		contains string
		audit    string
	}{
		{"unsigned", "/api/v1/outbox/receipts/sms", one, http.Header{"Content-Type": {"application/json"}}, 401, "缺少签名", "outbox.receipt_refused"},
		{"wrong secret", "/api/v1/outbox/receipts/sms", one, sign(one, now, strings.Repeat("x", 32)), 401, "签名无效", "outbox.receipt_refused"},
		{"stale", "/api/v1/outbox/receipts/sms", one, sign(one, now.Add(-time.Hour), testGatewaySecret), 401, "5 分钟", "outbox.receipt_refused"},
		{"malformed", "/api/v1/outbox/receipts/sms", `{"status": "sent"}`, sign(`{"status": "sent"}`, now, testGatewaySecret), 400, "delivered", ""},
		{"unknown message", "/api/v1/outbox/receipts/sms", `{"message_id": "gw-x", "status": "delivered"}`,
			sign(`{"message_id": "gw-x", "status": "delivered"}`, now, testGatewaySecret), 404, "gw-x", ""},
		{"delivered", "/api/v1/outbox/receipts/sms", one, sign(one, now, testGatewaySecret), 200, `"status":"delivered"`, ""},
		{"batch with one unknown", "/api/v1/outbox/receipts/sms", `{"receipts": [{"message_id": "gw-1", "status": "delivered"}, {"message_id": "gw-9", "status": "failed"}]}`,
			sign(`{"receipts": [{"message_id": "gw-1", "status": "delivered"}, {"message_id": "gw-9", "status": "failed"}]}`, now, testGatewaySecret), 200, `"error":"没有编号为 gw-9`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", tc.path, strings.NewReader(tc.body))
			req.Header = tc.header
			aud.take()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.contains) {
				t.Fatalf("%d %s, want %d with %q", rec.Code, rec.Body, tc.status, tc.contains)
			}
			recs := aud.take()
			if (tc.audit == "") != (len(recs) == 0) || (tc.audit != "" && recs[0].Action != tc.audit) {
				t.Fatalf("audit %+v, want %q", recs, tc.audit)
			}
		})
	}
	s.OutboxReceipts = nil
	req := httptest.NewRequest("POST", "/api/v1/outbox/receipts/sms", strings.NewReader(one))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 404 {
		t.Fatalf("without a gateway: %d %s", rec.Code, rec.Body)
	}
}
