package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"cityloop/internal/enforce"
	"cityloop/internal/errs"
)

// PublicationStore is a penalty-case store that keeps publications too.
type PublicationStore interface {
	enforce.Store
	enforce.PublicationStore
}

// RunEnforcePublication runs the contract of enforce.PublicationStore and
// of the disclosure search on a fresh store from open per subtest, on both
// databases: publication waits for service or the last of its 7 working
// days, withdrawal takes it off the listing and out of the index, the hub
// queue sees each change once, and the index finds what a substring search
// over the public text finds.
func RunEnforcePublication(t *testing.T, open func(t *testing.T) PublicationStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, s PublicationStore)
	}{
		{"pending until served, then released and queued for the hub", testPubReleaseOnService},
		{"unserved: released on its last day, late after it", testPubLastDay},
		{"withdrawal: off the listing and the index, a delete for the hub", testPubWithdraw},
		{"search finds what a substring search finds", testPubSearch},
		{"search: decisions of one instant page in case-id order", testPubSearchSameInstant},
		{"search: query syntax of the databases is literal text", testPubSearchSyntax},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, open(t))
		})
	}
}

// decided stores a case decided at `at` in district against a person
// named name, with its publication scheduled on the default calendar
// (served at `served` when not nil), and returns it.
func decided(t *testing.T, s enforce.Store, n int, district, name, violation, number string, at time.Time, served *time.Time) *enforce.Case {
	t.Helper()
	env := enforceEnv(t, at)
	kind := enforce.Person
	if strings.HasSuffix(name, "公司") {
		kind = enforce.Organisation
	}
	c := &enforce.Case{ID: fmt.Sprintf("pub-%d-%d", n, time.Now().UnixNano()), District: district, Procedure: enforce.Ordinary,
		Status: enforce.StatusDecided, Party: enforce.Party{Kind: kind, Name: name}, Violation: violation,
		OccurredAt: at.Add(-72 * time.Hour), Summary: "公开测试", Version: 1, UpdatedAt: at, ServedAt: served,
		Decision: &enforce.Decision{Number: number, Penalty: enforce.Penalty{Kinds: []enforce.Kind{enforce.KindFine}, Fine: 200}, At: at}}
	party := enforce.PartyDetail{Kind: kind, Name: name, IDNumber: fmt.Sprintf("3201021990010%05d", n), Phone: "13912345678"}
	if kind == enforce.Organisation {
		party.IDNumber, party.USCC = "", fmt.Sprintf("91320102MA1%07d", n)
	}
	d, ok := enforce.DisclosureOf(*c, env.Rulebook, at)
	if !ok {
		t.Fatal("no publication of a fine")
	}
	enforce.Schedule(&d, *c, env.Cal)
	ev := enforce.Event{CaseID: c.ID, Seq: 1, Action: enforce.ActOpen, To: c.Status, Actor: "o1", Post: "enforcer", At: at}
	if err := s.CreateCase(context.Background(), c, party, []enforce.Event{ev}, &d); err != nil {
		t.Fatalf("create decided case: %v", err)
	}
	return c
}

func mustList(t *testing.T, s enforce.Store, q enforce.DisclosureQuery) ([]enforce.Disclosure, int) {
	t.Helper()
	list, total, err := s.FindDisclosures(context.Background(), q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	return list, total
}

func testPubReleaseOnService(t *testing.T, s PublicationStore) {
	ctx := context.Background()
	c := decided(t, s, 1, "320102", "赵小明", "ROAD-01", "宁城管罚〔2026〕11号", enforceT0, nil)
	p, err := s.FindPublication(ctx, c.ID)
	if err != nil || p.State != enforce.PubPending || p.Party != "赵*" || !p.DueAt.After(enforceT0.Add(7*24*time.Hour)) {
		t.Fatalf("new publication %+v, %v: want pending, masked, due after 7 working days", p, err)
	}
	if _, total := mustList(t, s, enforce.DisclosureQuery{}); total != 0 {
		t.Fatalf("a pending decision is listed: %d", total)
	}
	if r, err := s.ReleaseDue(ctx, enforceT0.Add(time.Hour)); err != nil || r.Published != 0 {
		t.Fatalf("released before service: %+v %v", r, err)
	}
	if u, _ := s.Unfed(ctx, 10); len(u) != 0 {
		t.Fatalf("a pending decision is queued for the hub: %+v", u)
	}
	// Served two days later: the next run publishes it, in time.
	served := enforceT0.Add(48 * time.Hour)
	next := *c
	next.ServedAt, next.Status, next.UpdatedAt = &served, enforce.StatusExecuting, served
	if err := s.UpdateCase(ctx, &next, c.Version, nil, nil); err != nil {
		t.Fatal(err)
	}
	r, err := s.ReleaseDue(ctx, served.Add(time.Minute))
	if err != nil || r.Published != 1 || r.Late != 0 {
		t.Fatalf("release after service: %+v %v", r, err)
	}
	list, total := mustList(t, s, enforce.DisclosureQuery{Q: "宁城管罚"})
	if total != 1 || list[0].Number != "宁城管罚〔2026〕11号" || !list[0].PublishedAt.Equal(served.Add(time.Minute)) {
		t.Fatalf("published %+v (%d)", list, total)
	}
	u, err := s.Unfed(ctx, 10)
	if err != nil || len(u) != 1 || u[0].State != enforce.PubPublished || u[0].CaseID != c.ID {
		t.Fatalf("hub queue %+v %v", u, err)
	}
	if err := s.MarkFed(ctx, c.ID, enforce.PubWithdrawn); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.Unfed(ctx, 10); len(u) != 1 {
		t.Fatal("marked fed in a state it is not in")
	}
	if err := s.MarkFed(ctx, c.ID, enforce.PubPublished); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.Unfed(ctx, 10); len(u) != 0 {
		t.Fatalf("still queued after MarkFed: %+v", u)
	}
	if r, _ := s.ReleaseDue(ctx, served.Add(time.Hour)); r.Published != 0 {
		t.Fatalf("published twice: %+v", r)
	}
}

func testPubLastDay(t *testing.T, s PublicationStore) {
	ctx := context.Background()
	c := decided(t, s, 2, "320102", "钱多多", "ROAD-01", "宁城管罚〔2026〕12号", enforceT0, nil)
	p, _ := s.FindPublication(ctx, c.ID)
	if r, _ := s.ReleaseDue(ctx, p.ReleaseAt.Add(-time.Minute)); r.Published != 0 {
		t.Fatalf("released before its last day: %+v", r)
	}
	// The node was down on the last day: published the day after, late.
	r, err := s.ReleaseDue(ctx, p.DueAt.Add(time.Hour))
	if err != nil || r.Published != 1 || r.Late != 1 {
		t.Fatalf("release after due: %+v %v", r, err)
	}
	if p, _ := s.FindPublication(ctx, c.ID); p.State != enforce.PubPublished || !p.Late {
		t.Fatalf("late publication %+v", p)
	}
}

func testPubWithdraw(t *testing.T, s PublicationStore) {
	ctx := context.Background()
	served := enforceT0
	c := decided(t, s, 3, "320102", "孙悟空", "ROAD-01", "宁城管罚〔2026〕13号", enforceT0, &served)
	if _, total := mustList(t, s, enforce.DisclosureQuery{Q: "孙"}); total != 1 {
		t.Fatalf("a served decision is not published at once: %d", total)
	}
	if err := s.MarkFed(ctx, c.ID, enforce.PubPublished); err != nil {
		t.Fatal(err)
	}
	w := enforce.Withdrawal{Kind: enforce.WithdrawRevoked, Reason: "复议撤销", ChangedAt: enforceT0.Add(24 * time.Hour),
		At: enforceT0.Add(25 * time.Hour), By: "lr1", DueAt: enforceT0.Add(5 * 24 * time.Hour)}
	p, err := s.WithdrawPublication(ctx, c.ID, w)
	if err != nil || p.State != enforce.PubWithdrawn || p.Withdrawn == nil || p.Withdrawn.Reason != "复议撤销" {
		t.Fatalf("withdraw: %+v %v", p, err)
	}
	for _, q := range []enforce.DisclosureQuery{{}, {Q: "孙"}, {Q: "13号"}} {
		if _, total := mustList(t, s, q); total != 0 {
			t.Fatalf("withdrawn decision still found by %+v", q)
		}
	}
	u, err := s.Unfed(ctx, 10)
	if err != nil || len(u) != 1 || u[0].State != enforce.PubWithdrawn {
		t.Fatalf("the hub is not told of the withdrawal: %+v %v", u, err)
	}
	if _, err := s.WithdrawPublication(ctx, c.ID, w); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("second withdrawal: %v", err)
	}
	if _, err := s.WithdrawPublication(ctx, "nope", w); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("withdrawal of nothing: %v", err)
	}
	got, err := s.FindPublication(ctx, c.ID)
	if err != nil || got.Withdrawn == nil || !got.Withdrawn.ChangedAt.Equal(w.ChangedAt) {
		t.Fatalf("stored withdrawal %+v %v", got, err)
	}
}

func testPubSearch(t *testing.T, s PublicationStore) {
	names := []string{"赵小明", "钱多多", "孙悟空", "南京秦淮小吃有限公司", "李明", "赵四", "南京建邺经营部有限公司"}
	violations := []string{"ROAD-01", "CITY-01", "BIZ-01", "PLAN-01"}
	districts := []string{"320102", "320104"}
	type pub struct {
		id, text, district string
		at                 time.Time
	}
	var all []pub
	rb := enforceEnv(t, enforceT0).Rulebook
	for i := 0; i < 36; i++ {
		at := enforceT0.Add(time.Duration(i) * 7 * time.Hour)
		name := names[i%len(names)]
		v := violations[i%len(violations)]
		c := decided(t, s, 100+i, districts[i%2], name, v, fmt.Sprintf("宁城管罚〔2026〕%d号", 200+i), at, &at)
		d, _ := s.FindPublication(context.Background(), c.ID)
		item, _ := rb.Item(v)
		all = append(all, pub{c.ID, strings.ToLower(strings.Join([]string{d.Number, d.Code, v, item.Name.Zh, d.Party}, " ")), d.District, at})
	}
	from, to := enforceT0.Add(24*time.Hour), enforceT0.Add(120*time.Hour)
	wideFrom, wideTo := enforceT0.Add(-100*24*time.Hour), enforceT0.Add(100*24*time.Hour) // whole count buckets and two cut ones
	for _, q := range []enforce.DisclosureQuery{
		{Q: "宁城管罚"}, {Q: "赵"}, {Q: "钱"}, {Q: "秦淮小吃"}, {Q: "小吃 公司"}, {Q: "road-01"}, {Q: "ROAD"}, {Q: "zf2026"},
		{Q: "赵 road"}, {Q: "赵", District: "320104"}, {Q: "罚", From: &from, To: &to}, {Q: "215号"}, {Q: "赵小明"}, {Q: "明"},
		{District: "320102"}, {From: &from, To: &to}, {From: &wideFrom, To: &wideTo}, {From: &from}, {To: &to, District: "320104"},
		{From: &wideFrom, To: &to}, {From: &to, To: &from}, {Q: "赵", Limit: 3, Offset: 2}, {Q: "不存在的词"}, {Q: "%"}, {Q: "占道"}, {Q: "经营"}, {Q: "赵 经营"}, {Q: "违法建设", District: "320102"},
		{Q: "公司 占道"}, {Q: "公司 road-01", District: "320104"}, {Q: "南京 经营", From: &from}, {Q: "赵", Offset: 30}, {Q: "赵", Offset: 200},
	} {
		t.Run(fmt.Sprintf("%q %s", q.Q, q.District), func(t *testing.T) {
			var want []string
			for i := len(all) - 1; i >= 0; i-- {
				p := all[i]
				ok := (q.District == "" || p.district == q.District) && (q.From == nil || !p.at.Before(*q.From)) && (q.To == nil || p.at.Before(*q.To))
				for _, w := range strings.Fields(strings.ToLower(q.Q)) {
					ok = ok && strings.Contains(p.text, strings.Trim(w, "%"))
				}
				if strings.TrimSpace(strings.Trim(q.Q, "% ")) == "" && q.Q != "" {
					ok = false // only punctuation finds nothing
				}
				if ok {
					want = append(want, p.id)
				}
			}
			total := len(want)
			if q.Q == "宁城管罚" && total != len(all) {
				t.Fatalf("the reference finds %d of %d by the common number prefix", total, len(all))
			}
			lim := q.Limit
			if lim == 0 {
				lim = 20
			}
			want = want[min(q.Offset, len(want)):min(q.Offset+lim, len(want))]
			list, n := mustList(t, s, q)
			var got []string
			for _, d := range list {
				got = append(got, d.CaseID)
			}
			if n != total || !slices.Equal(got, want) {
				t.Fatalf("got %d %v, want %d %v", n, got, total, want)
			}
		})
	}
}

// testPubSearchSameInstant: imported decisions often share a decided time;
// the listing orders them by case id, descending, and pages through them
// without losing or repeating one, also after one is withdrawn and another
// of the same instant published.
func testPubSearchSameInstant(t *testing.T, s PublicationStore) {
	ctx := context.Background()
	at := enforceT0.Add(48 * time.Hour)
	var ids []string
	for i := 0; i < 7; i++ {
		c := decided(t, s, 300+i, "320102", "赵同时", "CITY-01", fmt.Sprintf("宁城管罚〔2026〕%d号", 300+i), at, &at)
		ids = append(ids, c.ID)
	}
	before, after := at.Add(-time.Hour), at.Add(time.Hour)
	ids = append(ids, decided(t, s, 310, "320102", "赵之前", "CITY-01", "宁城管罚〔2026〕310号", before, &before).ID,
		decided(t, s, 311, "320102", "赵之后", "CITY-01", "宁城管罚〔2026〕311号", after, &after).ID)
	if _, err := s.WithdrawPublication(ctx, ids[3], enforce.Withdrawal{At: after, Reason: "复议变更"}); err != nil {
		t.Fatal(err)
	}
	ids = append(ids[:3], ids[4:]...)
	ids = append(ids, decided(t, s, 312, "320102", "赵同时", "CITY-01", "宁城管罚〔2026〕312号", at, &at).ID)
	// Newest first: the later one, the same-instant ones by id descending, the earlier one.
	var want []string
	want = append(want, ids[len(ids)-2])
	same := append(slices.Clone(ids[:6]), ids[len(ids)-1])
	slices.Sort(same)
	slices.Reverse(same)
	want = append(append(want, same...), ids[6])
	for _, size := range []int{1, 2, 3, 20} {
		var got []string
		for off := 0; off < len(want)+2; off += size {
			list, n := mustList(t, s, enforce.DisclosureQuery{Q: "赵 city-01", Limit: size, Offset: off})
			if n != len(want) {
				t.Fatalf("page size %d offset %d: total %d, want %d", size, off, n, len(want))
			}
			for _, d := range list {
				got = append(got, d.CaseID)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("page size %d:\n got %v\nwant %v", size, got, want)
		}
	}
}

// testPubSearchSyntax: what the public types is never query syntax (the
// operators of LIKE, of FTS5 — AND/OR/NOT/NEAR, quotes, *, ^ — or of
// tsquery — & | ! :* and quotes — should an index ever use them): each
// such query finds what its words alone find, and none fails.
func testPubSearchSyntax(t *testing.T, s PublicationStore) {
	at := enforceT0
	decided(t, s, 400, "320102", "赵某人", "CITY-01", "宁城管罚〔2026〕400号", at, &at)
	decided(t, s, 401, "320104", "南京钱记小吃有限公司", "ROAD-01", "宁城管罚〔2026〕401号", at, &at)
	for _, tc := range []struct{ attack, words string }{
		{`"赵" OR *`, "赵 or"},
		{`赵 NOT 钱`, "赵 not 钱"},
		{`赵 | 钱`, "赵 钱"},
		{`'赵':* | '钱':*`, "赵 钱"},
		{`!赵`, "赵"},
		{`NEAR(赵 钱)`, "near 赵 钱"},
		{`^赵`, "赵"},
		{`赵*`, "赵"},
		{`"`, ""},
		{`'`, ""},
		{`\`, ""},
		{`(`, ""},
		{`-赵`, "赵"},
		{`{terms}: 赵`, "terms 赵"},
		{`小吃 OR 赵`, "小吃 or 赵"},
	} {
		t.Run(tc.attack, func(t *testing.T) {
			_, got := mustList(t, s, enforce.DisclosureQuery{Q: tc.attack})
			want := 0
			if tc.words != "" {
				_, want = mustList(t, s, enforce.DisclosureQuery{Q: tc.words})
			}
			if got != want {
				t.Fatalf("%q found %d, its words %q %d", tc.attack, got, tc.words, want)
			}
		})
	}
	if _, n := mustList(t, s, enforce.DisclosureQuery{Q: "赵 钱"}); n != 0 {
		t.Fatalf("two parties' surnames found %d; the words of a query all hold", n)
	}
	if _, n := mustList(t, s, enforce.DisclosureQuery{Q: "小吃"}); n != 1 {
		t.Fatalf("小吃 found %d", n)
	}
}
