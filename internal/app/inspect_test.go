package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestInspections_EndToEnd: a leader writes, commits and draws a plan on a
// real node; the public listing is masked, the draw verifies, and the
// commitment and the draw are in the audit trail.
func TestInspections_EndToEnd(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	leader, anon, auditor := login(t, base, "leader"), login(t, base, ""), login(t, base, "auditor")
	var objs, insps []map[string]any
	for i := range 8 {
		objs = append(objs, map[string]any{"id": fmt.Sprintf("o%d", i), "name": fmt.Sprintf("小吃摊%d", i), "kind": "vendor",
			"district": "测试区", "address": "测试路1号", "contact": "赵六", "phone": "13712345678"})
	}
	for i := range 4 {
		insps = append(insps, map[string]any{"id": fmt.Sprintf("i%d", i), "name": fmt.Sprintf("执法队员%d", i),
			"certificate": fmt.Sprintf("32010099%d", i), "phone": "13600001111"})
	}
	var plan struct {
		ID       string `json:"id"`
		Status   string `json:"status"`
		PlanHash string `json:"plan_hash"`
	}
	body := map[string]any{"name": "双随机抽查", "period": "2026Q4", "count": 3, "per_object": 2, "objects": objs, "inspectors": insps,
		"conflicts": []map[string]string{{"inspector": "i0", "object": "o0", "reason": "亲属"}}}
	if st := leader.do("POST", "/api/v1/inspections", body, &plan); st != 201 || plan.ID == "" {
		t.Fatalf("create: %d %+v", st, plan)
	}
	for _, step := range []string{"commit", "draw"} {
		if st := leader.do("POST", "/api/v1/inspections/"+plan.ID+"/"+step, nil, &plan); st != 200 {
			t.Fatalf("%s: %d", step, st)
		}
	}
	if plan.Status != "drawn" {
		t.Fatalf("status %s", plan.Status)
	}
	if st := leader.do("PUT", "/api/v1/inspections/"+plan.ID, body, nil); st != 409 {
		t.Fatalf("change after the draw: %d", st)
	}
	var pub json.RawMessage
	if st := anon.do("GET", "/api/v1/inspections/public", nil, &pub); st != 200 {
		t.Fatalf("public: %d", st)
	}
	for _, secret := range []string{"13712345678", "13600001111", "赵六", "亲属"} {
		if strings.Contains(string(pub), secret) {
			t.Errorf("the public listing holds %q", secret)
		}
	}
	var rep struct {
		Match bool `json:"match"`
	}
	if st := anon.do("GET", "/api/v1/inspections/public/"+plan.ID+"/verify", nil, &rep); st != 200 || !rep.Match {
		t.Fatalf("verify: %d %+v", st, rep)
	}
	var out struct {
		OnTime bool `json:"on_time"`
	}
	var full struct {
		Draw struct {
			Assignments []struct {
				Object struct{ ID string } `json:"object"`
			} `json:"assignments"`
		} `json:"draw"`
	}
	leader.do("GET", "/api/v1/inspections/"+plan.ID, nil, &full)
	if len(full.Draw.Assignments) != 3 {
		t.Fatalf("drawn %+v", full)
	}
	outcome := map[string]any{"object_id": full.Draw.Assignments[0].Object.ID, "outcome": "passed",
		"inspected_at": time.Now().Add(2 * time.Second).Format(time.RFC3339)}
	if st := leader.do("POST", "/api/v1/inspections/"+plan.ID+"/outcomes", outcome, &out); st != 200 || !out.OnTime {
		t.Fatalf("outcome: %d %+v", st, out)
	}
	for _, action := range []string{"inspection.create", "inspection.commit", "inspection.draw", "inspection.outcome"} {
		var recs struct {
			Items []struct{ Object string } `json:"items"`
		}
		if st := auditor.do("GET", "/api/v1/audit?action="+action, nil, &recs); st != 200 || len(recs.Items) != 1 ||
			!strings.HasPrefix(recs.Items[0].Object, "inspection/"+plan.ID) {
			t.Errorf("audit %s: %d %+v", action, st, recs)
		}
	}
}
