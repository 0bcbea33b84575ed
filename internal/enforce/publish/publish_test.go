package publish_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"cityloop/internal/enforce"
	"cityloop/internal/enforce/publish"
	"cityloop/internal/errs"
	"cityloop/internal/hub"
	"cityloop/internal/hub/hubtest"
	"cityloop/internal/org"
	"cityloop/internal/pii"
	"cityloop/internal/share"
	"cityloop/internal/store/enforcestore"
)

var t0 = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC) // a Monday, 10:00 in Beijing

const (
	partyPhone = "13912345678"
	partyID    = "320101199001011234"
)

// rig is the hub's test city with the enforcement store on the same database.
type rig struct {
	env *hubtest.Env
	es  *enforcestore.DB
	now time.Time
	run *publish.Runner
}

func newRig(t *testing.T, pg bool) *rig {
	t.Helper()
	ctx := context.Background()
	env := hubtest.Open(t, pg)
	if err := hub.EnsureBuiltins(ctx, env.Hub, t0); err != nil {
		t.Fatal(err)
	}
	es, err := enforcestore.Open(ctx, env.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { es.Close() })
	if err := es.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	k, err := pii.ParseKeyring("k1:" + pii.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	es.SetKeyring(k)
	r := &rig{env: env, es: es, now: t0}
	r.run = &publish.Runner{Store: es, Hub: env.Hub, Now: func() time.Time { return r.now }}
	return r
}

// decide stores a penalty case decided at t0 and not yet served.
func (r *rig) decide(t *testing.T) *enforce.Case {
	t.Helper()
	rb, err := enforce.Default()
	if err != nil {
		t.Fatal(err)
	}
	c := &enforce.Case{ID: "pc-pub-1", District: "320101", Procedure: enforce.Ordinary, Status: enforce.StatusDecided,
		Party: enforce.Party{Kind: enforce.Person, Name: "赵小明"}, Violation: "ROAD-01", OccurredAt: t0.Add(-72 * time.Hour),
		Summary: "占道经营", Version: 1, UpdatedAt: t0,
		Decision: &enforce.Decision{Number: "宁城管罚〔2026〕88号", Penalty: enforce.Penalty{Kinds: []enforce.Kind{enforce.KindFine}, Fine: 500}, At: t0}}
	d, ok := enforce.DisclosureOf(*c, rb, t0)
	if !ok {
		t.Fatal("a fine is not published")
	}
	enforce.Schedule(&d, *c, r.env.Cal)
	party := enforce.PartyDetail{Kind: enforce.Person, Name: "赵小明", IDNumber: partyID, Phone: partyPhone, Address: "中山路 1 号"}
	ev := enforce.Event{CaseID: c.ID, Seq: 1, Action: enforce.ActOpen, To: c.Status, Actor: "o1", Post: org.PostEnforcer, At: t0}
	if err := r.es.CreateCase(context.Background(), c, party, []enforce.Event{ev}, &d); err != nil {
		t.Fatal(err)
	}
	return c
}

// pulled is what a subscriber of the dataset pulls from the hub.
func (r *rig) pulled(t *testing.T) []map[string]any {
	t.Helper()
	svc := &hub.Service{Store: r.env.Hub}
	page, err := svc.Changes(context.Background(), 0, 100, share.Subscription{Datasets: []string{publish.Dataset}})
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, raw := range page.Changes {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestRunner_PublishFeedWithdraw(t *testing.T) {
	for _, tc := range []struct {
		name string
		pg   bool
	}{{"sqlite", false}, {"postgres", true}} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, tc.pg)
			ctx := context.Background()
			c := r.decide(t)

			// Not served, not its last day: nothing public, nothing fed.
			r.now = t0.Add(time.Hour)
			res, err := r.run.Run(ctx)
			if err != nil || res.Published != 0 || res.Upserted != 0 {
				t.Fatalf("first run: %+v %v", res, err)
			}
			// The node was down on the last day: published after it, late, and fed.
			p, _ := r.es.FindPublication(ctx, c.ID)
			r.now = p.DueAt.Add(2 * time.Hour)
			res, err = r.run.Run(ctx)
			if err != nil || res.Published != 1 || res.Late != 1 || res.Upserted != 1 {
				t.Fatalf("run after due: %+v %v", res, err)
			}
			recs, err := r.env.Hub.FindRecords(ctx, publish.Dataset, "", 10)
			if err != nil || len(recs) != 1 || recs[0].Key != "宁城管罚〔2026〕88号" || recs[0].Publisher != publish.Publisher {
				t.Fatalf("hub records %+v %v", recs, err)
			}
			body := string(recs[0].Body)
			if !strings.Contains(body, `"party":"赵*"`) || !strings.Contains(body, `"late":true`) {
				t.Fatalf("record %s", body)
			}
			for _, secret := range []string{partyPhone, partyID, "小明", "中山路", c.ID} {
				if strings.Contains(body, secret) {
					t.Fatalf("the hub record shows %q: %s", secret, body)
				}
			}
			if res, _ := r.run.Run(ctx); res.Upserted != 0 || res.Published != 0 {
				t.Fatalf("fed twice: %+v", res)
			}
			ch := r.pulled(t)
			if len(ch) != 1 || ch[0]["type"] != "record.upsert" || ch[0]["key"] != "宁城管罚〔2026〕88号" {
				t.Fatalf("subscriber pulled %v", ch)
			}

			// Withdrawal: only the legal office or a leader, with a reason.
			svc := &enforce.Publications{Cases: &enforce.Service{Store: r.es, Atlas: func() *org.Atlas { return r.env.Atlas }, Cal: r.env.Cal,
				Now: func() time.Time { return r.now }}, Store: r.es}
			enforcer := org.Actor{ID: "o1", Grants: []org.Grant{{Post: org.PostEnforcer}}}
			reviewer := org.Actor{ID: "lr1", Name: "法制审核员", Grants: []org.Grant{{Post: enforce.PostLegalReviewer}}}
			req := enforce.WithdrawRequest{Kind: enforce.WithdrawRevoked, Reason: "宁政复〔2026〕3号复议决定撤销"}
			if _, err := svc.Withdraw(ctx, enforcer, c.ID, req); !errs.Is(err, errs.KindForbidden) {
				t.Fatalf("an enforcer withdrew: %v", err)
			}
			if _, err := svc.Withdraw(ctx, reviewer, c.ID, enforce.WithdrawRequest{Kind: "oops"}); !errs.Is(err, errs.KindInvalid) {
				t.Fatalf("a withdrawal without kind or reason: %v", err)
			}
			got, err := svc.Withdraw(ctx, reviewer, c.ID, req)
			if err != nil || got.State != enforce.PubWithdrawn || got.Withdrawn.Late || got.Withdrawn.By != "lr1" {
				t.Fatalf("withdraw: %+v %v", got, err)
			}
			if p, err := svc.Find(ctx, reviewer, c.ID); err != nil || p.State != enforce.PubWithdrawn || p.Withdrawn.Reason != req.Reason {
				t.Fatalf("staff view %+v %v", p, err)
			}
			if _, total, _ := r.es.FindDisclosures(ctx, enforce.DisclosureQuery{}); total != 0 {
				t.Fatalf("the withdrawn decision is still listed")
			}
			res, err = r.run.Run(ctx)
			if err != nil || res.Deleted != 1 {
				t.Fatalf("feed withdrawal: %+v %v", res, err)
			}
			if recs, _ := r.env.Hub.FindRecords(ctx, publish.Dataset, "", 10); len(recs) != 0 {
				t.Fatalf("the hub still holds %+v", recs)
			}
			ch = r.pulled(t)
			if len(ch) != 2 || ch[1]["type"] != "record.delete" || ch[1]["key"] != "宁城管罚〔2026〕88号" ||
				strings.Contains(string(mustJSON(t, ch[1])), "复议") {
				t.Fatalf("subscriber pulled %v", ch)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
