package app

import (
	"encoding/json"
	"testing"
	"time"

	"cityloop/internal/caseindex"
)

// TestCaseIndex_Intake: reports at one place find each other through the
// in-memory index (not the database); the create answer lists only the
// nearest few candidates with their total, and GET …/duplicates lists all.
func TestCaseIndex_Intake(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	sup, citizen := login(t, base, "supervisor"), login(t, base, "")
	ix, ok := a.Cases.Nearby.(*caseindex.Index)
	if !ok {
		t.Fatalf("the case service has no duplicate index (%T)", a.Cases.Nearby)
	}
	for deadline := time.Now().Add(10 * time.Second); !ix.Ready(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the duplicate index was not built within 10 s of start")
		}
	}
	type dup struct {
		ID        string  `json:"id"`
		Code      string  `json:"code"`
		Status    string  `json:"status"`
		DistanceM float64 `json:"distance_m"`
	}
	var last struct {
		ID         string `json:"id"`
		Duplicates []dup  `json:"duplicates"`
		Total      int    `json:"duplicates_total"`
	}
	var raw json.RawMessage
	const n = 8
	for i := range n {
		body := map[string]any{"category": "event:0504", "description": "店外经营占道", "lng": 118.71 + float64(i)*0.00005, "lat": 32.01}
		if st := sup.do("POST", "/api/v1/cases", body, &raw); st != 201 {
			t.Fatalf("report %d: status %d: %s", i, st, raw)
		}
	}
	if err := json.Unmarshal(raw, &last); err != nil {
		t.Fatal(err)
	}
	t.Logf("the %dth report's answer is %d bytes", n, len(raw))
	if len(last.Duplicates) != 5 || last.Total != n-1 {
		t.Fatalf("the create answer lists %d candidates of %d; want the nearest 5 of %d", len(last.Duplicates), last.Total, n-1)
	}
	for i, d := range last.Duplicates {
		if d.ID == "" || d.Code == "" || d.Status != "pending_accept" || (i > 0 && d.DistanceM < last.Duplicates[i-1].DistanceM) {
			t.Fatalf("candidate %d: %+v (want id, code, status, nearest first)", i, d)
		}
	}
	if len(raw) > 2500 {
		t.Errorf("the create answer is %d bytes; with the short list it should stay under 2.5 KB", len(raw))
	}
	answered, passed, held := ix.Stats()
	if answered < n || passed != 0 || held != n {
		t.Errorf("index answered %d searches, passed %d to the database, holds %d cases; want ≥ %d, 0, %d", answered, passed, held, n, n)
	}

	var all struct {
		Items []dup `json:"items"`
		Total int   `json:"total"`
	}
	if st := sup.do("GET", "/api/v1/cases/"+last.ID+"/duplicates", nil, &all); st != 200 || all.Total != n-1 || len(all.Items) != n-1 {
		t.Fatalf("GET duplicates: status %d, %d items, total %d; want 200 with %d", st, len(all.Items), all.Total, n-1)
	}
	if all.Items[0] != last.Duplicates[0] {
		t.Errorf("the full list starts with %+v, the create answer with %+v", all.Items[0], last.Duplicates[0])
	}
	if st := citizen.do("GET", "/api/v1/cases/"+last.ID+"/duplicates", nil, nil); st != 401 {
		t.Errorf("an anonymous caller got %d for the duplicates of a case, want 401", st)
	}
}
