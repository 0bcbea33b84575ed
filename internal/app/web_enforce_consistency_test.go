package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"cityloop/internal/enforce"
)

// TestWebEnforce_Consistency: the 同案不同罚 report lists the groups of
// decided fines with their spread across districts and officers and links
// each outlying decision to its case; the queue links the report for the
// legal reviewer, and an enforcer cannot open it.
func TestWebEnforce_Consistency(t *testing.T) {
	f := newEnfFixture(t)
	ctx := context.Background()
	at := f.a.Now().Add(-10 * 24 * time.Hour)
	var outlier string
	for i, fine := range []float64{500, 500, 600, 450, 500, 2500} {
		officer, district := f.ids["enf1"], "320101"
		if i == 5 {
			officer, district = f.ids["enfB"], "320102"
		}
		c := &enforce.Case{ID: NewID(), District: district, Procedure: enforce.Ordinary, Status: enforce.StatusExecuting,
			Party: enforce.Party{Kind: enforce.Person, Name: "某人"}, Violation: "ROAD-01", OccurredAt: at.Add(-72 * time.Hour), Brigade: "enforcement",
			Officers: []enforce.Officer{{ID: officer, Name: map[bool]string{true: "李执法", false: "张执法"}[i == 5], Certificate: "3201000001"},
				{ID: f.ids["enf2"], Name: "王执法", Certificate: "3201000002"}},
			Proposal: &enforce.Proposal{Violation: "ROAD-01", Benchmark: enforce.Outcome{Level: enforce.LevelGeneral}},
			Decision: &enforce.Decision{Number: fmt.Sprintf("宁城管罚决字〔2026〕%d号", 200+i), At: at.Add(time.Duration(i) * time.Hour),
				Penalty: enforce.Penalty{Kinds: []enforce.Kind{enforce.KindFine}, Fine: fine}}, Version: 1, UpdatedAt: at}
		if err := f.svc.Store.CreateCase(ctx, c, enforce.PartyDetail{Kind: enforce.Person, Name: "某人", IDNumber: fmt.Sprintf("3201011990010112%02d", i)},
			[]enforce.Event{{CaseID: c.ID, Seq: 1, Action: enforce.ActOpen, To: enforce.StatusLead, Actor: officer, At: at}}, nil); err != nil {
			t.Fatal(err)
		}
		outlier = c.ID
	}
	legal := f.as(t, "legal")
	if _, body, _ := legal.get("/console/enforcement"); !strings.Contains(body, `href="/console/enforcement/consistency"`) {
		t.Fatalf("the queue does not link the report for the legal reviewer")
	}
	code, body, _ := legal.get("/console/enforcement/consistency")
	if code != http.StatusOK {
		t.Fatalf("report: %d %s", code, body)
	}
	for _, want := range []string{"同案不同罚分析", "ROAD-01", "一般", `href="/console/enforcement/cases/` + outlier + `"`, "李执法 ⚠", "400%", "第二区"} {
		if !strings.Contains(body, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if code, body, _ := legal.get("/console/enforcement/consistency?violation=WASTE-01"); code != http.StatusOK || !strings.Contains(body, "本期没有作出罚款决定") {
		t.Fatalf("another violation: %d", code)
	}
	if code, _, _ := legal.get("/console/enforcement/consistency?from=yesterday"); code != http.StatusBadRequest {
		t.Fatalf("a bad date: %d", code)
	}
	enf := f.as(t, "enf1")
	if code, _, _ := enf.get("/console/enforcement/consistency"); code != http.StatusForbidden {
		t.Fatalf("an enforcer opened the report: %d", code)
	}
	if _, body, _ := enf.get("/console/enforcement"); strings.Contains(body, "/console/enforcement/consistency") {
		t.Fatal("the queue links the report for an enforcer")
	}
}
