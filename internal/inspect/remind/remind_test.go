package remind_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/inspect"
	"cityloop/internal/inspect/remind"
	"cityloop/internal/outbox"
	"cityloop/internal/pii"
	"cityloop/internal/store/outboxstore"
)

var (
	shanghai = time.FixedZone("CST", 8*3600)
	due      = time.Date(2026, 10, 12, 9, 0, 0, 0, shanghai)
	morning  = time.Date(2026, 10, 13, 1, 0, 0, 0, time.UTC) // 09:00 in the city, the day after
)

// drawnPlan has four drawn objects: o1 (i1, i2) and o2 (i2, i3) overdue,
// o3 (i1, i4) with its outcome, o4 (i4, gone) overdue with an inspector
// no longer on the list. i3 has no phone, i4 a malformed one.
func drawnPlan() (*inspect.Plan, inspect.Reminder) {
	off := func(id string) inspect.Officer { return inspect.Officer{ID: id, Name: "队员" + id} }
	obj := func(id string) inspect.ObjectRef { return inspect.ObjectRef{ID: id, Name: "商铺" + id} }
	p := &inspect.Plan{ID: "plan-7", Status: inspect.StatusDrawn, PlanInput: inspect.PlanInput{Name: "店外经营抽查", Period: "2026年第四季度",
		Inspectors: []inspect.Inspector{{ID: "i1", Phone: "13900000001"}, {ID: "i2", Phone: "139 0000 0002"}, {ID: "i3"}, {ID: "i4", Phone: "12"}}}}
	p.Draw = &inspect.Draw{Result: inspect.Result{Assignments: []inspect.Assignment{
		{Object: obj("o1"), Inspectors: []inspect.Officer{off("i1"), off("i2")}},
		{Object: obj("o2"), Inspectors: []inspect.Officer{off("i2"), off("i3")}},
		{Object: obj("o3"), Inspectors: []inspect.Officer{off("i1"), off("i4")}, Outcome: &inspect.Outcome{Object: "o3", Kind: inspect.OutcomePassed}},
		{Object: obj("o4"), Inspectors: []inspect.Officer{off("i4"), off("gone")}},
	}}}
	r := inspect.Reminder{PlanID: p.ID, Name: p.Name, Period: p.Period, Due: due, Objects: []inspect.ObjectRef{obj("o1"), obj("o2"), obj("o4")}}
	return p, r
}

func TestDrafts(t *testing.T) {
	p, r := drawnPlan()
	texts, missing := remind.Drafts(r, p, morning, shanghai)
	got := map[string]string{}
	for _, x := range texts {
		got[x.Inspector.ID] = x.Draft.To + " " + x.Draft.Body
		if x.Draft.Channel != outbox.ChannelSMS || x.Draft.Template != remind.Template || x.Draft.Related != "inspection/plan/plan-7" ||
			!strings.HasSuffix(x.Draft.IdempotencyKey, ":2026-10-13") {
			t.Errorf("draft of %s: %+v", x.Inspector.ID, x.Draft)
		}
	}
	for _, tc := range []struct {
		inspector string
		want      []string // in the text
		not       []string // never in the text
	}{
		{"i1", []string{"13900000001", "队员i1", "店外经营抽查", "2026-10-12 09:00", "1 个检查对象", "商铺o1"}, []string{"商铺o3", "商铺o2"}},
		{"i2", []string{"139 0000 0002", "2 个检查对象", "商铺o1、商铺o2"}, []string{"商铺o4"}},
		{"i4", []string{"12 ", "商铺o4"}, []string{"商铺o3"}}, // the outbox, not Drafts, judges a phone
	} {
		text, ok := got[tc.inspector]
		if !ok {
			t.Errorf("no text for %s", tc.inspector)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("text of %s lacks %q: %s", tc.inspector, w, text)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(text, w) {
				t.Errorf("text of %s names %q: %s", tc.inspector, w, text)
			}
		}
	}
	if len(texts) != 3 {
		t.Errorf("%d texts, want 3 (i1, i2, i4)", len(texts))
	}
	var unreachable []string
	for _, u := range missing {
		unreachable = append(unreachable, u.Inspector.ID)
	}
	if fmt.Sprint(unreachable) != "[i3 gone]" {
		t.Errorf("unreachable %v, want [i3 gone]", unreachable)
	}
	// Not overdue, or not drawn: nothing.
	if texts, missing := remind.Drafts(inspect.Reminder{PlanID: p.ID}, p, morning, shanghai); len(texts)+len(missing) != 0 {
		t.Errorf("no overdue objects: %d texts, %d unreachable", len(texts), len(missing))
	}
	draft := *p
	draft.Draw = nil
	if texts, _ := remind.Drafts(r, &draft, morning, shanghai); len(texts) != 0 {
		t.Errorf("a plan without a draw: %d texts", len(texts))
	}
}

func TestDrafts_ManyObjectsNamedFew(t *testing.T) {
	p, r := drawnPlan()
	r.Objects = nil
	p.Draw.Assignments = nil
	for i := range 12 {
		o := inspect.ObjectRef{ID: fmt.Sprintf("m%02d", i), Name: fmt.Sprintf("门店%02d", i)}
		r.Objects = append(r.Objects, o)
		p.Draw.Assignments = append(p.Draw.Assignments, inspect.Assignment{Object: o, Inspectors: []inspect.Officer{{ID: "i1"}}})
	}
	texts, _ := remind.Drafts(r, p, morning, shanghai)
	if len(texts) != 1 {
		t.Fatalf("%d texts", len(texts))
	}
	body := texts[0].Draft.Body
	if !strings.Contains(body, "12 个检查对象") || !strings.Contains(body, "门店04等") || strings.Contains(body, "门店05") {
		t.Fatalf("body %s", body)
	}
}

type plans struct{ p *inspect.Plan }

func (s plans) FindPlanByID(_ context.Context, id string) (*inspect.Plan, error) {
	if id != s.p.ID {
		return nil, errs.NotFound("no plan %s", id)
	}
	return s.p, nil
}

// TestSender_Remind queues through the real outbox on SQLite: the
// inspectors with a good phone get one text each; a malformed phone and a
// missing one are skipped without holding the others back; a second run
// the same day (another node, a retry) queues nothing; the next day
// reminds again; a plan that is gone is the job's error.
func TestSender_Remind(t *testing.T) {
	ctx := context.Background()
	k, err := pii.ParseKeyring("k1:" + pii.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	ob, err := outboxstore.OpenReady(ctx, "sqlite:"+filepath.Join(t.TempDir(), "outbox.db"), k)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ob.Close() })
	now := morning
	n := 0
	svc := &outbox.Service{Store: ob, Policy: outbox.DefaultPolicy, Now: func() time.Time { return now },
		NewID: func() string { n++; return fmt.Sprintf("m%d", n) }}
	p, r := drawnPlan()
	s := &remind.Sender{Plans: plans{p}, Outbox: svc, Now: func() time.Time { return now }, Loc: shanghai}
	count := func() []outbox.Message {
		t.Helper()
		list, _, err := ob.FindMessages(ctx, outbox.Filter{Related: "inspection/plan/plan-7", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	if err := s.Remind(ctx, r); err != nil {
		t.Fatalf("a bad phone failed the run: %v", err)
	}
	list := count()
	if len(list) != 2 {
		t.Fatalf("%d messages queued, want 2 (i1, i2)", len(list))
	}
	tos := map[string]bool{}
	for _, m := range list {
		full, err := ob.FindMessageByID(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		tos[full.To] = true
		if full.Status != outbox.StatusQueued || full.Template != remind.Template {
			t.Fatalf("message %+v", full)
		}
	}
	if !tos["13900000001"] || !tos["13900000002"] {
		t.Fatalf("recipients %v", tos)
	}
	if err := s.Remind(ctx, r); err != nil {
		t.Fatal(err)
	}
	if got := len(count()); got != 2 {
		t.Fatalf("a second run the same day queued more: %d", got)
	}
	now = morning.Add(24 * time.Hour)
	if err := s.Remind(ctx, r); err != nil {
		t.Fatal(err)
	}
	if got := len(count()); got != 4 {
		t.Fatalf("the next day: %d messages, want 4", got)
	}
	if err := s.Remind(ctx, inspect.Reminder{PlanID: "plan-gone"}); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("a plan that is gone: %v", err)
	}
}

// TestLater: before the node has an outbox (or with none) a reminder is
// an error for the job to report, never a silent success.
func TestLater(t *testing.T) {
	var ob any
	l := remind.Later(func() any { return ob })
	d := outbox.Draft{Channel: outbox.ChannelSMS, To: "13900000001", Body: "x", Template: remind.Template}
	if _, _, err := l.Enqueue(context.Background(), d); err == nil {
		t.Fatal("no outbox: no error")
	}
	ob = struct{}{}
	if _, _, err := l.Enqueue(context.Background(), d); err == nil {
		t.Fatal("not an outbox: no error")
	}
}
