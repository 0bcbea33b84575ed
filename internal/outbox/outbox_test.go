package outbox

import (
	"errors"
	"strings"
	"testing"
	"time"

	"cityloop/internal/errs"
)

var t0 = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

func TestNew_Checks(t *testing.T) {
	ok := Draft{Channel: ChannelEmail, To: "zhang@example.org", Subject: "送达通知", Body: "正文", Template: "enforce_service"}
	sms := Draft{Channel: ChannelSMS, To: "138 1234 5678", Body: "您的验证码为 123456", Template: "citizen_otp"}
	for _, tc := range []struct {
		name  string
		edit  func(d *Draft)
		base  Draft
		field string // "" = valid
	}{
		{"e-mail", func(d *Draft) {}, ok, ""},
		{"sms normalises the phone", func(d *Draft) {}, sms, ""},
		{"unknown channel", func(d *Draft) { d.Channel = "fax" }, ok, "channel"},
		{"e-mail with a display name", func(d *Draft) { d.To = "张三 <zhang@example.org>" }, ok, "to"},
		{"two addresses", func(d *Draft) { d.To = "a@example.org, b@example.org" }, ok, "to"},
		{"header injection in the address", func(d *Draft) { d.To = "a@example.org\r\nBcc: x@example.org" }, ok, "to"},
		{"no subject", func(d *Draft) { d.Subject = " " }, ok, "subject"},
		{"subject with a line break", func(d *Draft) { d.Subject = "a\r\nBcc: x@example.org" }, ok, "subject"},
		{"subject too long", func(d *Draft) { d.Subject = strings.Repeat("字", MaxSubject+1) }, ok, "subject"},
		{"empty body", func(d *Draft) { d.Body = "" }, ok, "body"},
		{"body too long", func(d *Draft) { d.Body = strings.Repeat("a", MaxBody+1) }, ok, "body"},
		{"body not UTF-8", func(d *Draft) { d.Body = "\xff\xfe" }, ok, "body"},
		{"short phone", func(d *Draft) { d.To = "12345" }, sms, "to"},
		{"template code with a space", func(d *Draft) { d.Template = "citizen otp" }, sms, "template"},
		{"no template code", func(d *Draft) { d.Template = "" }, sms, "template"},
		{"idempotency key too long", func(d *Draft) { d.IdempotencyKey = strings.Repeat("k", MaxKey+1) }, sms, "idempotency_key"},
		{"too many attempts", func(d *Draft) { d.MaxAttempts = 21 }, sms, "max_attempts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.base
			tc.edit(&d)
			m, err := New(d, "m1", t0, Policy{})
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				if m.Status != StatusQueued || m.MaxAttempts != DefaultPolicy.MaxAttempts || m.IdempotencyKey != "msg/m1" || !m.NextAttemptAt.Equal(t0) {
					t.Fatalf("%+v", m)
				}
				if d.Channel == ChannelSMS && m.To != "13812345678" {
					t.Fatalf("to %q, want the normalised number", m.To)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != tc.field {
				t.Fatalf("err %v, want Invalid on field %s", err, tc.field)
			}
		})
	}
}

func TestPolicy_Delay(t *testing.T) {
	p := Policy{Base: 10 * time.Second, Cap: time.Minute, Jitter: 0.5}
	for _, tc := range []struct {
		attempt int
		rnd     float64
		want    time.Duration
	}{
		{1, 0, 10 * time.Second},
		{2, 0, 20 * time.Second},
		{3, 0, 40 * time.Second},
		{4, 0, time.Minute}, // capped
		{30, 0, time.Minute},
		{1, 0.5, 7500 * time.Millisecond}, // a quarter off
		{4, 0.999999, 30*time.Second + 30*time.Microsecond},
		{0, 0, 10 * time.Second},
		{2, 1.5, 20 * time.Second}, // rnd out of range counts as 0
	} {
		if got := p.Delay(tc.attempt, tc.rnd); got.Round(time.Millisecond) != tc.want.Round(time.Millisecond) {
			t.Errorf("Delay(%d, %v) = %v, want %v", tc.attempt, tc.rnd, got, tc.want)
		}
	}
	if d := (Policy{}).Delay(1, 0); d != DefaultPolicy.Base {
		t.Errorf("zero policy: %v", d)
	}
}

func claimed(m Message, n int) Message {
	m.Status, m.Attempts = StatusSending, n
	until := t0.Add(time.Minute)
	m.Holder, m.LeaseUntil = "node", &until
	return m
}

func TestMessage_AfterAttempt(t *testing.T) {
	base, err := New(Draft{Channel: ChannelEmail, To: "zhang@example.org", Subject: "s", Body: "b", Template: "t"}, "m1", t0, Policy{MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	p := Policy{Base: time.Minute, Cap: time.Hour, Jitter: 0.5}
	now := t0.Add(time.Second)
	for _, tc := range []struct {
		name     string
		attempt  int
		res      Result
		err      error
		status   Status
		next     time.Time
		provider string
		lastErr  string
	}{
		{"sent", 1, Result{ProviderID: "gw-1"}, nil, StatusSent, t0, "gw-1", ""},
		{"sent without a provider id", 1, Result{}, nil, StatusSent, t0, "m1", ""},
		{"delivered at once", 2, Result{Delivered: true}, nil, StatusDelivered, t0, "m1", ""},
		{"first failure waits the base", 1, Result{}, errors.New("connection refused"), StatusFailed, now.Add(time.Minute), "", "connection refused"},
		{"second failure waits twice", 2, Result{}, errors.New("timeout"), StatusFailed, now.Add(2 * time.Minute), "", "timeout"},
		{"last attempt fails: dead", 3, Result{}, errors.New("timeout"), StatusDead, t0, "", "timeout"},
		{"permanent: dead at once", 1, Result{}, Permanent(errors.New("550 <zhang@example.org> no such user")), StatusDead, t0, "", "550 <z***@example.org> no such user"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, a := claimed(base, tc.attempt).AfterAttempt("node", t0, now, tc.res, tc.err, p, 0)
			if m.Status != tc.status || !m.NextAttemptAt.Equal(tc.next) || m.ProviderID != tc.provider || m.LastError != tc.lastErr {
				t.Fatalf("status %s next %v provider %q error %q", m.Status, m.NextAttemptAt, m.ProviderID, m.LastError)
			}
			if m.Holder != "" || m.LeaseUntil != nil {
				t.Error("the lease is kept")
			}
			if a.N != tc.attempt || a.OK != (tc.err == nil) || a.Error != tc.lastErr || a.MessageID != "m1" {
				t.Errorf("attempt %+v", a)
			}
			if (m.SentAt != nil) != (tc.err == nil) {
				t.Errorf("sent at %v", m.SentAt)
			}
		})
	}
}

func TestMessage_ApplyReceipt(t *testing.T) {
	base, _ := New(Draft{Channel: ChannelSMS, To: "13812345678", Body: "b", Template: "t"}, "m1", t0, Policy{MaxAttempts: 2})
	at := func(s Status, n int) Message { m := base; m.Status, m.Attempts = s, n; return m }
	recv := t0.Add(time.Hour)
	ok := Receipt{Channel: ChannelSMS, ProviderID: "m1", Delivered: true, At: t0.Add(time.Minute), ReceivedAt: recv}
	bad := Receipt{Channel: ChannelSMS, ProviderID: "m1", Detail: "用户关机 13812345678", ReceivedAt: recv}
	for _, tc := range []struct {
		name    string
		m       Message
		r       Receipt
		status  Status
		changed bool
		kind    errs.Kind // 0: no error
	}{
		{"sent → delivered", at(StatusSent, 1), ok, StatusDelivered, true, 0},
		{"delivered twice changes nothing", at(StatusDelivered, 1), ok, StatusDelivered, false, 0},
		{"dead but delivered after all", at(StatusDead, 2), ok, StatusDelivered, true, 0},
		{"still sending: the gateway retries", at(StatusSending, 1), ok, StatusSending, false, errs.KindConflict},
		{"queued cannot be delivered", at(StatusQueued, 0), ok, StatusQueued, false, errs.KindConflict},
		{"failure with attempts left: retry", at(StatusSent, 1), bad, StatusFailed, true, 0},
		{"failure on the last attempt: dead", at(StatusSent, 2), bad, StatusDead, true, 0},
		{"late failure after delivery is ignored", at(StatusDelivered, 1), bad, StatusDelivered, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, changed, err := tc.m.ApplyReceipt(tc.r, Policy{Base: time.Minute}, 0)
			if tc.kind != 0 {
				if e, ok := errs.As(err); !ok || e.Kind != tc.kind {
					t.Fatalf("err %v, want kind %v", err, tc.kind)
				}
				return
			}
			if err != nil || m.Status != tc.status || changed != tc.changed {
				t.Fatalf("status %s changed %v err %v", m.Status, changed, err)
			}
			if tc.status == StatusFailed && !m.NextAttemptAt.Equal(recv.Add(time.Minute)) {
				t.Errorf("next attempt %v", m.NextAttemptAt)
			}
			if !tc.r.Delivered && changed && strings.Contains(m.LastError, "13812345678") {
				t.Errorf("the phone is in the error text: %s", m.LastError)
			}
		})
	}
}

func TestMessage_Retry(t *testing.T) {
	for _, s := range []Status{StatusQueued, StatusSending, StatusSent, StatusDelivered, StatusFailed, StatusDead} {
		m := Message{ID: "m1", Status: s, Attempts: 5, MaxAttempts: 5}
		got, err := m.Retry(t0)
		want := s == StatusFailed || s == StatusDead
		if want != (err == nil) {
			t.Errorf("%s: err %v", s, err)
			continue
		}
		if want && (got.Status != StatusQueued || got.Attempts != 0 || !got.NextAttemptAt.Equal(t0)) {
			t.Errorf("%s: %+v", s, got)
		}
		if !want && !errs.Is(err, errs.KindConflict) {
			t.Errorf("%s: err %v, want Conflict", s, err)
		}
	}
}

func TestMessage_Due(t *testing.T) {
	past, future := t0.Add(-time.Second), t0.Add(time.Second)
	for _, tc := range []struct {
		m    Message
		want bool
	}{
		{Message{Status: StatusQueued, NextAttemptAt: t0}, true},
		{Message{Status: StatusFailed, NextAttemptAt: future}, false},
		{Message{Status: StatusSending, LeaseUntil: &past}, true},
		{Message{Status: StatusSending, LeaseUntil: &future}, false},
		{Message{Status: StatusSent}, false},
		{Message{Status: StatusDead}, false},
	} {
		if got := tc.m.Due(t0); got != tc.want {
			t.Errorf("%+v: due %v", tc.m, got)
		}
	}
}

func TestMaskRecipient(t *testing.T) {
	for in, want := range map[string]string{
		"13812345678":       "138****5678",
		"zhang@example.org": "z***@example.org",
		"张三@例子.中国":          "张***@例子.中国",
	} {
		if got := MaskRecipient(in); got != want {
			t.Errorf("MaskRecipient(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOneTimeCodeDraft(t *testing.T) {
	d := OneTimeCodeDraft("13812345678", "042917", 5*time.Minute)
	m, err := New(d, "m1", t0, Policy{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Body, "042917") || !strings.Contains(m.Body, "5 分钟") || m.MaxAttempts != otpAttempts || m.Template != TemplateOneTimeCode {
		t.Fatalf("%+v", m)
	}
}
