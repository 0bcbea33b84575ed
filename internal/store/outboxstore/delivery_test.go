package outboxstore_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"sync"
	"testing"
	"time"

	"cityloop/internal/egress"
	"cityloop/internal/outbox"
	"cityloop/internal/outbox/outboxtest"
	"cityloop/internal/outbox/smtp"
	"cityloop/internal/outbox/smtp/smtptest"
	"cityloop/internal/outbox/webhook"
	"cityloop/internal/store/outboxstore"
)

// The delivery tests run the Sender on the real store of each dialect
// against real local receivers: an SMTP server in the process and an SMS
// gateway on httptest. The clock is the test's; the jitter is 0.

const gwSecret = "0123456789abcdef0123456789abcdef"

// smsGateway answers each request with the next status of its script
// (the last one repeats) and counts the requests.
type smsGateway struct {
	mu     sync.Mutex
	script []int
	n      int
	texts  []string
}

func (g *smsGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	g.mu.Lock()
	defer g.mu.Unlock()
	code := g.script[min(g.n, len(g.script)-1)]
	g.n++
	if code == 200 {
		g.texts = append(g.texts, string(b))
		fmt.Fprintf(w, `{"message_id": "gw-%d"}`, g.n)
		return
	}
	w.WriteHeader(code)
}

func (g *smsGateway) requests() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.n
}

type rig struct {
	store  *outboxstore.DB
	svc    *outbox.Service
	sender *outbox.Sender
	now    time.Time
	mail   *smtptest.Server
	gw     *smsGateway
}

func newRig(t *testing.T, dsn string, script ...int) *rig {
	t.Helper()
	r := &rig{store: mustOpen(t, dsn, testKeys(t)), now: outboxtest.T0, mail: smtptest.Start(t), gw: &smsGateway{script: script}}
	hs := httptest.NewServer(r.gw)
	t.Cleanup(hs.Close)
	allow, _ := egress.Parse("loopback")
	sms, err := webhook.New(context.Background(), webhook.Config{URL: hs.URL, Secret: gwSecret, Policy: allow})
	if err != nil {
		t.Fatal(err)
	}
	email, err := smtp.New(smtp.Config{Host: r.mail.Host, Port: r.mail.Port, Username: r.mail.User, Password: r.mail.Password,
		From: "智慧城管 <noreply@cityloop.test>", TLS: &tls.Config{RootCAs: r.mail.Roots}})
	if err != nil {
		t.Fatal(err)
	}
	providers := map[outbox.Channel]outbox.Provider{outbox.ChannelSMS: sms, outbox.ChannelEmail: email}
	policy := outbox.Policy{Base: time.Minute, Cap: time.Hour, MaxAttempts: 3}
	clock := func() time.Time { return r.now }
	zero := func() float64 { return 0 }
	n := 0
	r.svc = &outbox.Service{Store: r.store, Providers: providers, Policy: policy, Now: clock, Rand: zero,
		NewID: func() string { n++; return fmt.Sprintf("msg-%03d", n) }}
	r.sender = &outbox.Sender{Store: r.store, Providers: providers, Policy: policy, Node: "node-a", Now: clock, Rand: zero, Timeout: 10 * time.Second}
	return r
}

func (r *rig) run(t *testing.T) outbox.Stats {
	t.Helper()
	st, err := r.sender.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (r *rig) message(t *testing.T, id string) outbox.Message {
	t.Helper()
	m, err := r.store.FindMessageByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDelivery_MailRetriedThenSent(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			r := newRig(t, d.dsn(t), 200)
			r.mail.SetReject("li.si@example.org", 451) // greylisted at first
			m, _, err := r.svc.Enqueue(context.Background(), outbox.Draft{Channel: outbox.ChannelEmail, To: "li.si@example.org",
				Subject: "责令限期改正通知书", Body: "李四：\n请于 2026 年 6 月 15 日前改正。", Template: "enforce_service", Related: "enforcement/case/17"})
			if err != nil {
				t.Fatal(err)
			}
			if st := r.run(t); st.Failed != 1 {
				t.Fatalf("first run %+v", st)
			}
			got := r.message(t, m.ID)
			if got.Status != outbox.StatusFailed || !got.NextAttemptAt.Equal(outboxtest.T0.Add(time.Minute)) || got.LastError == "" {
				t.Fatalf("after the refusal: %+v", got)
			}
			r.mail.SetReject("li.si@example.org", 0)
			if st := r.run(t); st != (outbox.Stats{}) {
				t.Fatalf("ran before the retry was due: %+v", st)
			}
			r.now = r.now.Add(time.Minute)
			if st := r.run(t); st.Sent != 1 {
				t.Fatalf("retry %+v", st)
			}
			got = r.message(t, m.ID)
			if got.Status != outbox.StatusSent || got.Attempts != 2 || got.LastError != "" {
				t.Fatalf("after the retry: %+v", got)
			}
			atts, _ := r.store.ListAttempts(context.Background(), m.ID)
			if len(atts) != 2 || atts[0].OK || !atts[1].OK {
				t.Fatalf("attempts %+v", atts)
			}
			mails := r.mail.Mails()
			if len(mails) != 1 {
				t.Fatalf("%d mails", len(mails))
			}
			msg, err := mail.ReadMessage(bytes.NewReader(mails[0].Data))
			if err != nil {
				t.Fatal(err)
			}
			subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
			body, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, msg.Body))
			if subject != "责令限期改正通知书" || !bytes.Contains(body, []byte("请于 2026 年 6 月 15 日前改正。")) {
				t.Fatalf("subject %q body %q", subject, body)
			}
		})
	}
}

func TestDelivery_DeadAfterMaxAttempts(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			r := newRig(t, d.dsn(t), 503)
			m, _, err := r.svc.Enqueue(context.Background(), outboxtest.Draft(outbox.ChannelSMS, "remind-1"))
			if err != nil {
				t.Fatal(err)
			}
			for i := range 5 {
				r.run(t)
				r.now = r.now.Add(2 * time.Hour) // past any backoff
				if i < 2 && r.message(t, m.ID).Status != outbox.StatusFailed {
					t.Fatalf("after attempt %d: %s", i+1, r.message(t, m.ID).Status)
				}
			}
			got := r.message(t, m.ID)
			if got.Status != outbox.StatusDead || got.Attempts != 3 || r.gw.requests() != 3 {
				t.Fatalf("status %s after %d attempts, gateway saw %d", got.Status, got.Attempts, r.gw.requests())
			}
			// An administrator's retry starts a fresh round; the gateway is back.
			r.gw.mu.Lock()
			r.gw.script = []int{200}
			r.gw.mu.Unlock()
			if _, err := r.svc.Retry(context.Background(), m.ID); err != nil {
				t.Fatal(err)
			}
			if st := r.run(t); st.Sent != 1 {
				t.Fatalf("after retry %+v", st)
			}
			if got := r.message(t, m.ID); got.Status != outbox.StatusSent || got.ProviderID != "gw-4" {
				t.Fatalf("%+v", got)
			}
		})
	}
}

func TestDelivery_IdempotencyKeyAndReceipt(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			r := newRig(t, d.dsn(t), 200)
			ctx := context.Background()
			dr := outboxtest.Draft(outbox.ChannelSMS, "enforce/17/remind")
			a, created, err := r.svc.Enqueue(ctx, dr)
			if err != nil || !created {
				t.Fatal(err)
			}
			b, created, err := r.svc.Enqueue(ctx, dr)
			if err != nil || created || b.ID != a.ID {
				t.Fatalf("second enqueue: %s created %v %v", b.ID, created, err)
			}
			r.run(t)
			r.run(t)
			if r.gw.requests() != 1 {
				t.Fatalf("gateway saw %d requests, want 1", r.gw.requests())
			}
			sent := r.message(t, a.ID)
			got, err := r.svc.ApplyReceipt(ctx, outbox.Receipt{Channel: outbox.ChannelSMS, ProviderID: sent.ProviderID, Delivered: true})
			if err != nil || got.Status != outbox.StatusDelivered || got.DeliveredAt == nil {
				t.Fatalf("receipt: %+v %v", got, err)
			}
			if _, err := r.svc.ApplyReceipt(ctx, outbox.Receipt{Channel: outbox.ChannelSMS, ProviderID: sent.ProviderID, Delivered: true}); err != nil {
				t.Fatalf("repeated receipt: %v", err)
			}
			if rs, _ := r.store.ListReceipts(ctx, a.ID); len(rs) != 1 {
				t.Fatalf("%d receipts stored, want 1", len(rs))
			}
		})
	}
}

// TestDelivery_UnconfiguredChannelWaits: without an e-mail provider the
// sender leaves e-mail queued, and the service says why.
func TestDelivery_UnconfiguredChannelWaits(t *testing.T) {
	r := newRig(t, sqliteDSN(t), 200)
	delete(r.sender.Providers, outbox.ChannelEmail)
	m, _, err := r.svc.Enqueue(context.Background(), outboxtest.Draft(outbox.ChannelEmail, "e"))
	if err != nil {
		t.Fatal(err)
	}
	r.run(t)
	if got := r.message(t, m.ID); got.Status != outbox.StatusQueued || len(r.mail.Mails()) != 0 {
		t.Fatalf("%+v", got)
	}
	states := r.svc.Channels()
	if states[0].Channel != outbox.ChannelEmail || states[0].Configured || states[0].Note == "" {
		t.Fatalf("%+v", states)
	}
}
