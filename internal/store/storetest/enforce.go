package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"cityloop/internal/enforce"
	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// RunEnforce runs the contract of enforce.Store, each subtest in parallel
// on a fresh store from open, so the SQLite and PostgreSQL stores are held
// to the same behaviour.
func RunEnforce(t *testing.T, open func(t *testing.T) enforce.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s enforce.Store)
	}{
		{"case round trip with party and timeline", testEnforceRoundTrip},
		{"moves append events and records under a version check", testEnforceUpdate},
		{"a lost update writes nothing", testEnforceConflict},
		{"one penalty case per loop case", testEnforceLoopUnique},
		{"list filters, scope and total", testEnforceList},
		{"clock sweep reads only the cases due", testEnforceDue},
		{"decision: history, figures input and masked publication", testEnforceDecision},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, open(t))
		})
	}
}

var enforceT0 = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC) // a Monday, 09:00 in Beijing

func enforceEnv(t *testing.T, now time.Time) enforce.Env {
	t.Helper()
	cal, err := worktime.Default()
	if err != nil {
		t.Fatal(err)
	}
	rb, err := enforce.Default()
	if err != nil {
		t.Fatal(err)
	}
	return enforce.Env{Now: now, Cal: cal, Rulebook: rb, Policy: enforce.DefaultPolicy(), Window: 365 * 24 * time.Hour,
		Exhibits: enfExhibits}
}

// enfExhibits stand for the evidence the vault holds for the suite's cases.
var enfExhibits = []enforce.Exhibit{{ID: "photo-1", Media: enforce.MediaPhoto}, {ID: "scan-1", Media: enforce.MediaDocument}}

var (
	enfO1      = org.Actor{ID: "o1", Name: "张执法", Grants: []org.Grant{{Post: org.PostEnforcer}}}
	enfLeader  = org.Actor{ID: "L1", Name: "李局长", Grants: []org.Grant{{Post: org.PostLeader}}}
	enfOfficer = []enforce.Officer{{ID: "o1", Name: "张执法", Certificate: "32010001"}, {ID: "o2", Name: "王执法", Certificate: "32010002"}}
)

// newLead stores a lead in district against a person with idNumber.
func newLead(t *testing.T, s enforce.Store, n int, district, idNumber, loop string) *enforce.Case {
	t.Helper()
	c := &enforce.Case{ID: fmt.Sprintf("pc-%d-%d", n, time.Now().UnixNano()), District: district, Procedure: enforce.Ordinary,
		Status: enforce.StatusLead, Party: enforce.Party{Kind: enforce.Person, Name: "赵小明"}, Violation: "ROAD-01",
		OccurredAt: enforceT0.Add(-24 * time.Hour), Source: loop, Summary: "占道经营", Version: 1, UpdatedAt: enforceT0.Add(time.Duration(n) * time.Minute)}
	party := enforce.PartyDetail{Kind: enforce.Person, Name: "赵小明", IDNumber: idNumber, Phone: "13912345678", Address: "建邺路 88 号"}
	ev := enforce.Event{CaseID: c.ID, Seq: 1, Action: enforce.ActOpen, To: enforce.StatusLead, Actor: "o1", Name: "张执法",
		Post: org.PostEnforcer, At: c.UpdatedAt, Note: c.Summary}
	if err := s.CreateCase(context.Background(), c, party, []enforce.Event{ev}, nil); err != nil {
		t.Fatalf("create lead: %v", err)
	}
	return c
}

// move decides cmd on c at now and stores it.
func move(t *testing.T, s enforce.Store, c *enforce.Case, now time.Time, cmd enforce.Command) *enforce.Case {
	t.Helper()
	env := enforceEnv(t, now)
	if c.Party.ID != "" {
		h, err := s.PartyHistory(context.Background(), c.Party.ID)
		if err != nil {
			t.Fatal(err)
		}
		env.History = h
	}
	next, evs, err := enforce.Decide(*c, cmd, env)
	if err != nil {
		t.Fatalf("%s: %v", cmd.Action, err)
	}
	var pub *enforce.Disclosure
	if c.Decision == nil {
		if d, ok := enforce.DisclosureOf(next, env.Rulebook, now); ok {
			pub = &d
		}
	}
	if err := s.UpdateCase(context.Background(), &next, c.Version, evs, pub); err != nil {
		t.Fatalf("store %s: %v", cmd.Action, err)
	}
	return &next
}

func testEnforceRoundTrip(t *testing.T, s enforce.Store) {
	ctx := context.Background()
	c := newLead(t, s, 1, "320102", "320102199001011234", "")
	if !strings.HasPrefix(c.Code, "ZF2026-") || c.Party.ID == "" || strings.Contains(c.Party.ID, "320102199001011234") {
		t.Fatalf("code %q, party key %q: want a ZF number and a key that is not the ID number", c.Code, c.Party.ID)
	}
	got, err := s.FindCaseByID(ctx, c.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Code != c.Code || got.Version != 1 || got.Party.Name != "赵小明" || got.Party.ID != c.Party.ID || got.Summary != "占道经营" ||
		!got.OccurredAt.Equal(c.OccurredAt) || got.Status != enforce.StatusLead {
		t.Fatalf("round trip: %+v", got)
	}
	p, err := s.FindParty(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.IDNumber != "320102199001011234" || p.Phone != "13912345678" || p.Address != "建邺路 88 号" || p.Kind != enforce.Person {
		t.Fatalf("party %+v", p)
	}
	tl, err := s.Timeline(ctx, c.ID)
	if err != nil || len(tl) != 1 || tl[0].Action != enforce.ActOpen || tl[0].Seq != 1 {
		t.Fatalf("timeline %+v, %v", tl, err)
	}
	if _, err := s.FindCaseByID(ctx, "nope", nil); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("missing case: %v", err)
	}
	d := newLead(t, s, 2, "320104", "320102199001015678", "")
	if d.Code == c.Code {
		t.Fatalf("two cases numbered %s", c.Code)
	}
}

func testEnforceUpdate(t *testing.T, s enforce.Store) {
	ctx := context.Background()
	c := newLead(t, s, 1, "320102", "320102199001011234", "")
	now := enforceT0
	c = move(t, s, c, now, enforce.Command{Action: enforce.ActProposeFiling, Actor: enfO1, Officers: enfOfficer})
	c = move(t, s, c, now.Add(time.Hour), enforce.Command{Action: enforce.ActApprove, Actor: enfLeader})
	c = move(t, s, c, now.Add(2*time.Hour), enforce.Command{Action: enforce.ActRecord, Actor: enfO1,
		Record: &enforce.Record{Kind: enforce.RecInspection, Officers: []string{"o1", "o2"}, Files: []string{"scan-1"}, Note: "现场检查"}})
	got, err := s.FindCaseByID(ctx, c.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 4 || got.Status != enforce.StatusInvestigating || got.FiledAt == nil || len(got.Records) != 1 ||
		got.Records[0].Kind != enforce.RecInspection || len(got.Records[0].Officers) != 2 || len(got.Officers) != 2 {
		t.Fatalf("after filing and a record: v%d %s filed=%v records=%+v officers=%v", got.Version, got.Status, got.FiledAt, got.Records, got.Officers)
	}
	tl, err := s.Timeline(ctx, c.ID)
	if err != nil || len(tl) != 4 {
		t.Fatalf("timeline %d events, %v", len(tl), err)
	}
	for i, ev := range tl {
		if ev.Seq != i+1 {
			t.Fatalf("event %d has seq %d", i, ev.Seq)
		}
	}
	if tl[2].Data["approved"] != "file" {
		t.Fatalf("approval event data %v", tl[2].Data)
	}
	list, total, err := s.FindCases(ctx, enforce.Filter{Officer: "o2"})
	if err != nil || total != 1 || len(list) != 1 || list[0].ID != c.ID {
		t.Fatalf("by officer o2: %d %v", total, err)
	}
	if _, total, _ := s.FindCases(ctx, enforce.Filter{Officer: "o9"}); total != 0 {
		t.Fatalf("by officer o9: %d", total)
	}
}

func testEnforceConflict(t *testing.T, s enforce.Store) {
	ctx := context.Background()
	c := newLead(t, s, 1, "320102", "320102199001011234", "")
	stale := *c
	move(t, s, c, enforceT0, enforce.Command{Action: enforce.ActProposeFiling, Actor: enfO1, Officers: enfOfficer})
	env := enforceEnv(t, enforceT0)
	next, evs, err := enforce.Decide(stale, enforce.Command{Action: enforce.ActRefuseFiling, Actor: enfLeader, Note: "不构成违法"}, env)
	if err != nil {
		t.Fatal(err)
	}
	err = s.UpdateCase(ctx, &next, stale.Version, evs, nil)
	if !errs.Is(err, errs.KindConflict) {
		t.Fatalf("stale update: %v, want Conflict", err)
	}
	got, _ := s.FindCaseByID(ctx, c.ID, nil)
	tl, _ := s.Timeline(ctx, c.ID)
	if got.Version != 2 || got.Status != enforce.StatusLead || len(tl) != 2 {
		t.Fatalf("after the lost update: v%d %s, %d events", got.Version, got.Status, len(tl))
	}
}

func testEnforceLoopUnique(t *testing.T, s enforce.Store) {
	newLead(t, s, 1, "320102", "320102199001011234", "loop-1")
	c := &enforce.Case{ID: "pc-dup", District: "320102", Status: enforce.StatusLead, Party: enforce.Party{Kind: enforce.Person, Name: "钱"},
		OccurredAt: enforceT0, Source: "loop-1", Version: 1, UpdatedAt: enforceT0}
	err := s.CreateCase(context.Background(), c, enforce.PartyDetail{Kind: enforce.Person, Name: "钱", IDNumber: "320102199001019999"}, nil, nil)
	if !errs.Is(err, errs.KindConflict) {
		t.Fatalf("second penalty case of loop-1: %v", err)
	}
	if _, err := s.FindCaseByID(context.Background(), "pc-dup", nil); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("the refused case was half written: %v", err)
	}
}

func testEnforceList(t *testing.T, s enforce.Store) {
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		d := "320102"
		if i%2 == 1 {
			d = "320104"
		}
		newLead(t, s, i, d, fmt.Sprintf("32010219900101%04d", i), "")
	}
	c := newLead(t, s, 9, "320102", "320102199001019999", "")
	move(t, s, c, enforceT0, enforce.Command{Action: enforce.ActRefuseFiling, Actor: enfLeader, Note: "不构成违法"})
	for _, tc := range []struct {
		name  string
		f     enforce.Filter
		total int
	}{
		{"all", enforce.Filter{}, 6},
		{"district scope", enforce.Filter{Scope: &enforce.Scope{Districts: []string{"320104"}}}, 2},
		{"empty scope", enforce.Filter{Scope: &enforce.Scope{}}, 0},
		{"brigade scope without brigades on cases", enforce.Filter{Scope: &enforce.Scope{Brigades: []string{"b1"}}}, 0},
		{"status", enforce.Filter{Statuses: []enforce.Status{enforce.StatusNotFiled}}, 1},
		{"district", enforce.Filter{District: "320102"}, 4},
		{"party by ID number", enforce.Filter{Party: "320102199001010003"}, 1},
		{"party typed with spaces", enforce.Filter{Party: " 320102 19900101 9999 "}, 1},
		{"light", enforce.Filter{Light: worktime.Red}, 0},
		{"page", enforce.Filter{Limit: 2, Offset: 4}, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, total, err := s.FindCases(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if total != tc.total {
				t.Fatalf("total %d, want %d", total, tc.total)
			}
			want := min(tc.total, 50)
			if tc.f.Limit > 0 {
				want = min(tc.f.Limit, tc.total-tc.f.Offset)
			}
			if len(list) != want {
				t.Fatalf("%d items, want %d", len(list), want)
			}
		})
	}
	if _, err := s.FindCaseByID(ctx, c.ID, &enforce.Scope{Districts: []string{"320104"}}); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("a case outside the scope: %v", err)
	}
}

// testEnforceDue: the clock sweep reads the cases whose next warning has
// fallen due, in (next_due, id) order page by page, never one without a
// next warning; a moved case keeps its own next_due, and SetNextDue only
// changes a case still at the version it was read at.
func testEnforceDue(t *testing.T, s enforce.Store) {
	ctx := context.Background()
	at := func(h int) *time.Time { v := enforceT0.Add(time.Duration(h) * time.Hour); return &v }
	var ids []string
	for i, due := range []*time.Time{at(3), at(1), at(2), nil, at(10), at(1)} {
		c := &enforce.Case{ID: fmt.Sprintf("due-%d-%d", i, time.Now().UnixNano()), District: "320102", Procedure: enforce.Ordinary,
			Status: enforce.StatusLead, Party: enforce.Party{Kind: enforce.Person, Name: "钱"}, Violation: "ROAD-01",
			OccurredAt: enforceT0, Version: 1, UpdatedAt: enforceT0, NextDue: due}
		if err := s.CreateCase(ctx, c, enforce.PartyDetail{Kind: enforce.Person, Name: "钱", IDNumber: fmt.Sprintf("3201021990010199%02d", i)},
			[]enforce.Event{{CaseID: c.ID, Seq: 1, Action: enforce.ActOpen, To: enforce.StatusLead, Actor: "o1", At: enforceT0}}, nil); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	var got []string
	afterDue, afterID := time.Time{}, ""
	for page := 0; page < 5; page++ {
		list, err := s.FindDue(ctx, *at(5), afterDue, afterID, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range list {
			if c.NextDue == nil {
				t.Fatalf("%s read without its next_due", c.ID)
			}
			got = append(got, c.ID)
		}
		if len(list) < 2 {
			break
		}
		afterDue, afterID = *list[len(list)-1].NextDue, list[len(list)-1].ID
	}
	first := []string{ids[1], ids[5]}
	if first[0] > first[1] {
		first[0], first[1] = first[1], first[0]
	}
	want := append(first, ids[2], ids[0])
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("due by +5h: %v, want %v", got, want)
	}
	c, err := s.FindCaseByID(ctx, ids[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetNextDue(ctx, c.ID, c.Version+1, at(20)); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("SetNextDue at a stale version: %v", err)
	}
	if err := s.SetNextDue(ctx, c.ID, c.Version, at(20)); err != nil {
		t.Fatal(err)
	}
	if list, err := s.FindDue(ctx, *at(5), time.Time{}, "", 10); err != nil || len(list) != 3 {
		t.Fatalf("after rescheduling one: %d, %v", len(list), err)
	}
	if list, _ := s.FindDue(ctx, *at(30), time.Time{}, "", 10); len(list) != 5 {
		t.Fatalf("by +30h: %d, want 5 (one has no next warning)", len(list))
	}
}

func testEnforceDecision(t *testing.T, s enforce.Store) {
	ctx := context.Background()
	c := newLead(t, s, 1, "320102", "320102199001011234", "")
	env := enforceEnv(t, enforceT0)
	facts := enforce.Facts{Party: enforce.Person, Harm: enforce.HarmSlight, Flags: []string{"mitigating"}}
	out, err := enforce.Evaluate(env.Rulebook, "WASTE-01", facts)
	if err != nil {
		t.Fatal(err)
	}
	fine := min(max(100, out.Amount.Min), out.Amount.Max)
	c = move(t, s, c, enforceT0, enforce.Command{Action: enforce.ActSummary, Actor: enfO1, Officers: enfOfficer, Violation: "WASTE-01",
		Facts: &facts, Penalty: &enforce.Penalty{Kinds: []enforce.Kind{enforce.KindFine}, Fine: fine}, Number: "宁城管简罚〔2026〕1号",
		Record: &enforce.Record{Kind: enforce.RecPhoto, Files: []string{"photo-1"}}})
	if c.Status != enforce.StatusExecuting || c.Decision == nil {
		t.Fatalf("summary: %s", c.Status)
	}
	hist, err := s.PartyHistory(ctx, c.Party.ID)
	if err != nil || len(hist) != 1 || hist[0].Violation != "WASTE-01" || hist[0].Party != c.Party.ID {
		t.Fatalf("history %+v, %v", hist, err)
	}
	dec, err := s.FindDecided(ctx, nil, enforceT0.Add(-time.Hour), enforceT0.Add(time.Hour))
	if err != nil || len(dec) != 1 || len(dec[0].Records) != 4 {
		t.Fatalf("decided %d, %v", len(dec), err)
	}
	if r, ok := enforce.RecordOf(*dec[0], enfExhibits); !ok || r.Present != r.Required {
		t.Fatalf("the stored case lost records: %+v", r)
	}
	if dec, _ := s.FindDecided(ctx, &enforce.Scope{Districts: []string{"320104"}}, enforceT0.Add(-time.Hour), enforceT0.Add(time.Hour)); len(dec) != 0 {
		t.Fatalf("decided outside scope: %d", len(dec))
	}
	from, to := enforceT0.Add(-time.Hour), enforceT0.Add(time.Hour)
	for _, tc := range []struct {
		name string
		q    enforce.DisclosureQuery
		n    int
	}{
		{"all", enforce.DisclosureQuery{}, 1},
		{"by number", enforce.DisclosureQuery{Q: "简罚"}, 1},
		{"by surname", enforce.DisclosureQuery{Q: "赵*"}, 1},
		{"by full name finds nothing", enforce.DisclosureQuery{Q: "赵小明"}, 0},
		{"by phone finds nothing", enforce.DisclosureQuery{Q: "13912345678"}, 0},
		{"by district", enforce.DisclosureQuery{District: "320104"}, 0},
		{"by period", enforce.DisclosureQuery{From: &from, To: &to}, 1},
		{"a like wildcard is literal", enforce.DisclosureQuery{Q: "%"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, total, err := s.FindDisclosures(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if total != tc.n || len(list) != tc.n {
				t.Fatalf("%d (%d listed), want %d", total, len(list), tc.n)
			}
			if tc.n == 1 {
				d := list[0]
				if d.Party != "赵*" || d.Fine != fine || d.Number != "宁城管简罚〔2026〕1号" || d.ViolationName == "" || d.Basis == "" {
					t.Fatalf("publication %+v", d)
				}
			}
		})
	}
	// Paying does not publish twice.
	move(t, s, c, enforceT0.Add(time.Hour), enforce.Command{Action: enforce.ActPay, Actor: enfO1, Amount: fine})
	if _, total, _ := s.FindDisclosures(ctx, enforce.DisclosureQuery{}); total != 1 {
		t.Fatalf("%d publications after payment", total)
	}
}
