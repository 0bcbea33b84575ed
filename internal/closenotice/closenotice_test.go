package closenotice

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/outbox"
	"cityloop/internal/share"
)

var shanghai = time.FixedZone("CST", 8*3600)

func TestDraft(t *testing.T) {
	reported := time.Date(2026, 3, 9, 23, 30, 0, 0, time.UTC) // 10 March in the city
	for _, tc := range []struct {
		name  string
		c     casework.Case
		ok    bool
		wants []string
	}{
		{"a citizen with a phone", casework.Case{ID: "c1", Code: "2026000123", Phone: "13812345678", ReportedAt: reported}, true,
			[]string{"【智慧城管】", "3月10日", "2026000123", "已办结", "https://city.example/citizen/track?code=2026000123&key=K"}},
		{"no phone left", casework.Case{ID: "c2", Code: "2026000124", ReportedAt: reported}, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, ok := Draft(&tc.c, "https://city.example/citizen/track?code="+tc.c.Code+"&key=K", shanghai)
			if ok != tc.ok {
				t.Fatalf("ok %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			for _, w := range tc.wants {
				if !strings.Contains(d.Body, w) {
					t.Errorf("the body %q lacks %q", d.Body, w)
				}
			}
			if d.Channel != outbox.ChannelSMS || d.To != tc.c.Phone || d.Template != Template || d.IdempotencyKey != "case-closed/"+tc.c.ID || d.Related != "case/"+tc.c.ID {
				t.Errorf("draft: %+v", d)
			}
			if _, err := outbox.New(d, "m1", reported, outbox.DefaultPolicy); err != nil {
				t.Errorf("the outbox refuses the draft: %v", err)
			}
		})
	}
}

type feed []share.Change

func (f feed) LastPos(context.Context) (int64, error) {
	if len(f) == 0 {
		return 0, nil
	}
	return f[len(f)-1].Pos, nil
}

func (f feed) ChangesAfter(_ context.Context, pos int64, limit int) ([]share.Change, error) {
	var out []share.Change
	for _, c := range f {
		if c.Pos > pos && len(out) < limit {
			out = append(out, c)
		}
	}
	return out, nil
}

type cases map[string]*casework.Case

func (m cases) FindCaseByID(_ context.Context, id string) (*casework.Case, error) {
	if c, ok := m[id]; ok {
		return c, nil
	}
	return nil, errs.NotFound("no case %s", id)
}

// box keeps messages by idempotency key, as the outbox store does.
type box struct {
	byKey map[string]outbox.Draft
	fail  error
}

func (b *box) Enqueue(_ context.Context, d outbox.Draft) (outbox.Message, bool, error) {
	if b.fail != nil {
		return outbox.Message{}, false, b.fail
	}
	if b.byKey == nil {
		b.byKey = map[string]outbox.Draft{}
	}
	if _, ok := b.byKey[d.IdempotencyKey]; ok {
		return outbox.Message{}, false, nil
	}
	b.byKey[d.IdempotencyKey] = d
	return outbox.Message{}, true, nil
}

func change(pos int64, kind, caseID string) share.Change {
	return share.Change{Pos: pos, Dataset: "cases", Kind: kind, CaseID: caseID}
}

func TestNotifier(t *testing.T) {
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, shanghai)
	cs := cases{
		"a": {ID: "a", Code: "1", Phone: "13800000001", Status: casework.StatusClosed, ReportedAt: now},
		"b": {ID: "b", Code: "2", Status: casework.StatusClosed, ReportedAt: now}, // no phone
		"c": {ID: "c", Code: "3", Phone: "13800000003", Status: casework.StatusClosed, ReportedAt: now},
	}
	f := feed{change(1, "case.report", "a"), change(2, "case.close", "a"), change(3, "case.close", "b"), change(4, "case.callback", "a"),
		change(5, "case.close", "c")}
	link := func(c *casework.Case) string { return "https://city.example/citizen/track?code=" + c.Code + "&key=K" }
	ctx := context.Background()

	b := &box{}
	n := &Notifier{Changes: f, Cases: cs, Outbox: b, Link: link, Loc: shanghai}
	got, err := n.RunOnce(ctx)
	if err != nil || got != 2 || len(b.byKey) != 2 {
		t.Fatalf("first run: %d queued, %v; box %v", got, err, b.byKey)
	}
	if d := b.byKey["case-closed/c"]; !strings.Contains(d.Body, "code=3&key=K") || d.To != "13800000003" {
		t.Fatalf("the notice of c: %+v", d)
	}
	// Nothing new: nothing queued. A second notifier (a restart, another
	// node) reads the same changes again and queues nothing twice.
	if got, err := n.RunOnce(ctx); err != nil || got != 0 {
		t.Fatalf("second run: %d, %v", got, err)
	}
	again := &Notifier{Changes: f, Cases: cs, Outbox: b, Link: link}
	if got, err := again.RunOnce(ctx); err != nil || got != 0 || len(b.byKey) != 2 {
		t.Fatalf("a fresh notifier: %d, %v, %d messages", got, err, len(b.byKey))
	}
	// Lookback bounds how far back a fresh notifier reads.
	short := &box{}
	tail := &Notifier{Changes: f, Cases: cs, Outbox: short, Link: link, Lookback: 1}
	if got, err := tail.RunOnce(ctx); err != nil || got != 1 || short.byKey["case-closed/c"].To == "" {
		t.Fatalf("lookback 1: %d, %v, %v", got, err, short.byKey)
	}
	// An outbox failure stops at that change, which is read again next time.
	broken := &box{fail: errors.New("database is locked")}
	retry := &Notifier{Changes: f, Cases: cs, Outbox: broken, Link: link}
	if _, err := retry.RunOnce(ctx); err == nil || !strings.Contains(err.Error(), "database is locked") {
		t.Fatalf("outbox failure: %v", err)
	}
	broken.fail = nil
	if got, err := retry.RunOnce(ctx); err != nil || got != 2 {
		t.Fatalf("after the failure: %d, %v", got, err)
	}
}
