package app

import (
	"context"
	"strings"
	"testing"

	"cityloop/internal/auth"
	"cityloop/internal/enforce"
	"cityloop/internal/org"
)

// TestEnforce_LoopCase: a loop case of 店外经营 dispatched to the
// enforcement bureau opens a penalty case (the loop case records it), and
// when the penalty case ends with 首违不罚 on the spot the loop case gets
// the department's disposal feedback and goes to check.
func TestEnforce_LoopCase(t *testing.T) {
	a := testApp(t, "")
	hash, err := auth.HashPassword("demo", auth.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"enf1", "enf2"} {
		if err := a.Store.CreateAccount(context.Background(), &org.Account{ID: u, Username: u, Name: u, PasswordHash: hash, CreatedAt: a.Now(),
			Grants: []org.Grant{{Post: org.PostEnforcer, Region: "3201", Department: "enforcement"}}}); err != nil {
			t.Fatal(err)
		}
	}
	base := serve(t, a)
	sup, op, lead, disp, h := login(t, base, "supervisor"), login(t, base, "operator"), login(t, base, "shiftlead"), login(t, base, "dispatcher"), login(t, base, "handler")
	enf := login(t, base, "enf1")
	var c caseOut
	if st := sup.do("POST", "/api/v1/cases", map[string]any{"category": "event:0504", "description": "店外经营占道", "lng": 118.71, "lat": 32.01,
		"photos": []string{uploadPhoto(t, sup)}}, &c); st != 201 {
		t.Fatalf("report: %d", st)
	}
	act(t, op, c.ID, map[string]any{"action": "accept"}, 200)
	act(t, lead, c.ID, map[string]any{"action": "file"}, 200)
	act(t, disp, c.ID, map[string]any{"action": "dispatch", "department": "enforcement"}, 200)
	act(t, h, c.ID, map[string]any{"action": "sign"}, 200)

	var p map[string]any
	st := enf.do("POST", "/api/v1/enforcement/cases", map[string]any{"loop_case": c.ID,
		"party": map[string]any{"kind": "person", "name": "周小琴", "id_number": "320101198803031234", "phone": "13611112222"}}, &p)
	if st != 201 || p["violation"] != "ROAD-01" || !strings.Contains(p["loop"].(string), c.Code) {
		t.Fatalf("open from the loop case: %d %v", st, p)
	}
	var loopView caseOut
	h.do("GET", "/api/v1/cases/"+c.ID, nil, &loopView)
	if n := len(loopView.Timeline); n == 0 || loopView.Timeline[n-1].Action != "enforce_open" || loopView.Status != "in_disposal" {
		t.Fatalf("the loop case did not record the penalty case: %+v", loopView)
	}
	photo := uploadEvidence(t, enf, p["id"].(string), "image/png", tinyPNG)
	st = enf.do("POST", "/api/v1/enforcement/cases/"+p["id"].(string)+"/actions", map[string]any{"action": "exempt",
		"officers":  []map[string]string{{"id": "enf1", "name": "enf1", "certificate": "3201000001"}, {"id": "enf2", "name": "enf2", "certificate": "3201000002"}},
		"facts":     map[string]any{"party": "person", "harm": 1, "corrected": true},
		"exemption": map[string]any{"kind": "first", "education": []string{"persuasion"}},
		"record":    map[string]any{"kind": "photo", "files": []string{photo}}}, &p)
	if st != 200 || p["status"] != "closed" || !strings.Contains(p["loop"].(string), "待核查") {
		t.Fatalf("exempt: %d %v", st, p)
	}
	h.do("GET", "/api/v1/cases/"+c.ID, nil, &loopView)
	if loopView.Status != "pending_check" {
		t.Fatalf("the loop case after the penalty case closed: %s", loopView.Status)
	}
	// 不予立案 sends a second loop case back to the dispatcher (回退).
	var c2 caseOut
	if st := sup.do("POST", "/api/v1/cases", map[string]any{"category": "event:0101", "description": "私搭乱建", "lng": 118.76, "lat": 32.06,
		"photos": []string{uploadPhoto(t, sup)}}, &c2); st != 201 {
		t.Fatalf("report: %d", st)
	}
	act(t, op, c2.ID, map[string]any{"action": "accept"}, 200)
	act(t, lead, c2.ID, map[string]any{"action": "file"}, 200)
	act(t, disp, c2.ID, map[string]any{"action": "dispatch", "department": "enforcement"}, 200)
	st = enf.do("POST", "/api/v1/enforcement/cases", map[string]any{"loop_case": c2.ID,
		"party": map[string]any{"kind": "organisation", "name": "某某建材经营部", "uscc": "91320101MA1AAAAA1B"}}, &p)
	if st != 201 || p["violation"] != "PLAN-01" {
		t.Fatalf("open from the second loop case: %d %v", st, p)
	}
	st = login(t, base, "leader").do("POST", "/api/v1/enforcement/cases/"+p["id"].(string)+"/actions",
		map[string]any{"action": "refuse_filing", "note": "经核实为已批准的临时建筑"}, &p)
	if st != 200 || p["status"] != "not_filed" {
		t.Fatalf("refuse filing: %d %v", st, p)
	}
	h.do("GET", "/api/v1/cases/"+c2.ID, nil, &loopView)
	if loopView.Status != "returned" {
		t.Fatalf("the loop case after 不予立案: %s", loopView.Status)
	}
	// The clock sweep runs on the jobs runner under its own name.
	if err := a.jobs.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	sts, err := a.jobs.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, j := range sts {
		found = found || (j.Name == "enforce-clocks" && !j.NextRunAt.IsZero())
	}
	if !found {
		t.Fatalf("the enforce-clocks job is not scheduled: %+v", sts)
	}
	if _, err := a.api.Enforcement.(*enforce.Service).SweepClocks(context.Background(), 100); err != nil {
		t.Fatal(err)
	}
}
