// Package outboxtest is the contract every outbox.Store keeps: the same
// subtests run on SQLite and PostgreSQL (internal/store/outboxstore). It
// imports the outbox package only.
package outboxtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/outbox"
)

// T0 is the suite's clock origin.
var T0 = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

// Draft makes a valid draft of channel ch with idempotency key key.
func Draft(ch outbox.Channel, key string) outbox.Draft {
	d := outbox.Draft{Channel: ch, To: "13812345678", Body: "您的验证码为 123456", Template: "citizen_otp", IdempotencyKey: key}
	if ch == outbox.ChannelEmail {
		d.To, d.Subject, d.Body, d.Template = "zhang@example.org", "行政处罚决定书送达", "张三：\n请查收附件。", "enforce_service"
	}
	return d
}

// Enqueue stores a new message made from d with id at now.
func Enqueue(t *testing.T, s outbox.Store, d outbox.Draft, id string, now time.Time) outbox.Message {
	t.Helper()
	m, err := outbox.New(d, id, now, outbox.Policy{MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	got, created, err := s.EnqueueMessage(context.Background(), m)
	if err != nil || !created {
		t.Fatalf("enqueue %s: created %v, %v", id, created, err)
	}
	return got
}

func claim(t *testing.T, s outbox.Store, node string, now time.Time, limit int, chans ...outbox.Channel) []outbox.Message {
	t.Helper()
	if len(chans) == 0 {
		chans = outbox.Channels
	}
	ms, err := s.ClaimMessages(context.Background(), outbox.Claim{Node: node, Channels: chans, Now: now, LeaseUntil: now.Add(time.Minute), Limit: limit})
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func ids(ms []outbox.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// Run runs the contract against fresh stores made by open.
func Run(t *testing.T, open func(t *testing.T) outbox.Store) {
	ctx := context.Background()

	t.Run("enqueue, read back and dedupe by idempotency key", func(t *testing.T) {
		s := open(t)
		m := Enqueue(t, s, Draft(outbox.ChannelEmail, "k1"), "m1", T0)
		if m.To != "zhang@example.org" || m.Subject != "行政处罚决定书送达" || m.Body != "张三：\n请查收附件。" || m.Status != outbox.StatusQueued ||
			m.MaxAttempts != 3 || !m.CreatedAt.Equal(T0) || m.Version != 1 {
			t.Fatalf("%+v", m)
		}
		again, _ := outbox.New(Draft(outbox.ChannelEmail, "k1"), "m2", T0.Add(time.Second), outbox.Policy{})
		got, created, err := s.EnqueueMessage(ctx, again)
		if err != nil || created || got.ID != "m1" {
			t.Fatalf("second enqueue: %s created %v %v", got.ID, created, err)
		}
		if _, total, _ := s.FindMessages(ctx, outbox.Filter{}); total != 1 {
			t.Fatalf("%d messages, want 1", total)
		}
		if _, err := s.FindMessageByID(ctx, "nope"); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("unknown id: %v", err)
		}
	})

	t.Run("claim takes due messages of the given channels once", func(t *testing.T) {
		s := open(t)
		Enqueue(t, s, Draft(outbox.ChannelSMS, "a"), "a", T0)
		Enqueue(t, s, Draft(outbox.ChannelSMS, "b"), "b", T0.Add(time.Second))
		Enqueue(t, s, Draft(outbox.ChannelEmail, "c"), "c", T0)
		Enqueue(t, s, Draft(outbox.ChannelSMS, "later"), "later", T0.Add(time.Hour))
		got := claim(t, s, "n1", T0.Add(time.Minute), 10, outbox.ChannelSMS)
		if fmt.Sprint(ids(got)) != "[a b]" {
			t.Fatalf("claimed %v, want [a b]", ids(got))
		}
		for _, m := range got {
			if m.Status != outbox.StatusSending || m.Holder != "n1" || m.Attempts != 1 || m.LeaseSeq != 1 || m.To != "13812345678" {
				t.Fatalf("%+v", m)
			}
		}
		if again := claim(t, s, "n2", T0.Add(time.Minute), 10, outbox.ChannelSMS); len(again) != 0 {
			t.Fatalf("claimed again: %v", ids(again))
		}
		if lim := claim(t, s, "n2", T0.Add(time.Minute), 1); fmt.Sprint(ids(lim)) != "[c]" {
			t.Fatalf("claimed %v, want [c]", ids(lim))
		}
	})

	t.Run("an expired lease is claimed again and fences the old node", func(t *testing.T) {
		s := open(t)
		Enqueue(t, s, Draft(outbox.ChannelSMS, "a"), "a", T0)
		first := claim(t, s, "n1", T0, 1)[0]
		second := claim(t, s, "n2", T0.Add(2*time.Minute), 1)
		if len(second) != 1 || second[0].Attempts != 2 || second[0].LeaseSeq != first.LeaseSeq+1 || second[0].Holder != "n2" {
			t.Fatalf("reclaim: %+v", second)
		}
		late, a := first.AfterAttempt("n1", T0, T0.Add(3*time.Minute), outbox.Result{ProviderID: "gw-old"}, nil, outbox.Policy{}, 0)
		if ok, err := s.FinishAttempt(ctx, late, a); err != nil || ok {
			t.Fatalf("the old node's finish: ok %v, %v", ok, err)
		}
		done, a := second[0].AfterAttempt("n2", T0.Add(2*time.Minute), T0.Add(3*time.Minute), outbox.Result{ProviderID: "gw-1"}, nil, outbox.Policy{}, 0)
		if ok, err := s.FinishAttempt(ctx, done, a); err != nil || !ok {
			t.Fatalf("finish: ok %v, %v", ok, err)
		}
		m, _ := s.FindMessageByID(ctx, "a")
		if m.Status != outbox.StatusSent || m.ProviderID != "gw-1" || m.Holder != "" || m.LeaseUntil != nil || m.SentAt == nil {
			t.Fatalf("%+v", m)
		}
		atts, err := s.ListAttempts(ctx, "a")
		if err != nil || len(atts) != 1 || atts[0].Node != "n2" || atts[0].N != 2 || !atts[0].OK {
			t.Fatalf("attempts %+v %v", atts, err)
		}
	})

	t.Run("failure waits for its retry; attempts are kept", func(t *testing.T) {
		s := open(t)
		Enqueue(t, s, Draft(outbox.ChannelEmail, "a"), "a", T0)
		p := outbox.Policy{Base: time.Minute}
		m := claim(t, s, "n1", T0, 1)[0]
		failed, a := m.AfterAttempt("n1", T0, T0, outbox.Result{}, fmt.Errorf("451 try later"), p, 0)
		if ok, err := s.FinishAttempt(ctx, failed, a); !ok || err != nil {
			t.Fatalf("finish: %v %v", ok, err)
		}
		if got := claim(t, s, "n1", T0.Add(59*time.Second), 1); len(got) != 0 {
			t.Fatal("claimed before its retry was due")
		}
		got := claim(t, s, "n1", T0.Add(time.Minute), 1)
		if len(got) != 1 || got[0].Attempts != 2 || got[0].LastError != "451 try later" {
			t.Fatalf("%+v", got)
		}
		atts, _ := s.ListAttempts(ctx, "a")
		if len(atts) != 1 || atts[0].OK || atts[0].Error != "451 try later" {
			t.Fatalf("attempts %+v", atts)
		}
	})

	t.Run("save checks the version and records the receipt", func(t *testing.T) {
		s := open(t)
		Enqueue(t, s, Draft(outbox.ChannelSMS, "a"), "a", T0)
		m := claim(t, s, "n1", T0, 1)[0]
		sent, a := m.AfterAttempt("n1", T0, T0, outbox.Result{ProviderID: "gw-9"}, nil, outbox.Policy{}, 0)
		if ok, err := s.FinishAttempt(ctx, sent, a); !ok || err != nil {
			t.Fatalf("finish: %v %v", ok, err)
		}
		stored, err := s.FindMessageByProviderID(ctx, outbox.ChannelSMS, "gw-9")
		if err != nil || stored.ID != "a" {
			t.Fatalf("by provider id: %+v %v", stored, err)
		}
		if _, err := s.FindMessageByProviderID(ctx, outbox.ChannelEmail, "gw-9"); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("other channel: %v", err)
		}
		r := outbox.Receipt{Channel: outbox.ChannelSMS, ProviderID: "gw-9", Delivered: true, At: T0.Add(time.Second), ReceivedAt: T0.Add(2 * time.Second), MessageID: "a"}
		next, changed, err := stored.ApplyReceipt(r, outbox.Policy{}, 0)
		if err != nil || !changed {
			t.Fatal(err)
		}
		saved, err := s.SaveMessage(ctx, next, &r)
		if err != nil || saved.Status != outbox.StatusDelivered || saved.DeliveredAt == nil || !saved.DeliveredAt.Equal(r.At) || saved.Version != stored.Version+1 {
			t.Fatalf("saved %+v %v", saved, err)
		}
		if _, err := s.SaveMessage(ctx, next, nil); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("stale save: %v, want Conflict", err)
		}
		rs, err := s.ListReceipts(ctx, "a")
		if err != nil || len(rs) != 1 || !rs[0].Delivered || rs[0].ProviderID != "gw-9" {
			t.Fatalf("receipts %+v %v", rs, err)
		}
	})

	t.Run("a message being sent cannot be saved over", func(t *testing.T) {
		s := open(t)
		Enqueue(t, s, Draft(outbox.ChannelSMS, "a"), "a", T0)
		m := claim(t, s, "n1", T0, 1)[0]
		m.Status = outbox.StatusQueued
		if _, err := s.SaveMessage(ctx, m, nil); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("save under a lease: %v, want Conflict", err)
		}
	})

	t.Run("list filters, counts and pages newest first", func(t *testing.T) {
		s := open(t)
		for i := range 5 {
			ch := outbox.ChannelSMS
			if i%2 == 1 {
				ch = outbox.ChannelEmail
			}
			d := Draft(ch, fmt.Sprintf("k%d", i))
			d.Related = fmt.Sprintf("case/%d", i%2)
			Enqueue(t, s, d, fmt.Sprintf("m%d", i), T0.Add(time.Duration(i)*time.Second))
		}
		for _, tc := range []struct {
			f     outbox.Filter
			want  string
			total int
		}{
			{outbox.Filter{}, "[m4 m3 m2 m1 m0]", 5},
			{outbox.Filter{Channel: outbox.ChannelEmail}, "[m3 m1]", 2},
			{outbox.Filter{Related: "case/0"}, "[m4 m2 m0]", 3},
			{outbox.Filter{Status: outbox.StatusQueued, Limit: 2, Offset: 1}, "[m3 m2]", 5},
			{outbox.Filter{Status: outbox.StatusDead}, "[]", 0},
		} {
			got, total, err := s.FindMessages(ctx, tc.f)
			if err != nil || fmt.Sprint(ids(got)) != tc.want || total != tc.total {
				t.Errorf("%+v: %v total %d (%v), want %s total %d", tc.f, ids(got), total, err, tc.want, tc.total)
			}
		}
	})
}
