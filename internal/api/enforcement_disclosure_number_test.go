package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"cityloop/internal/enforce/document"
)

// TestEnforcement_DisclosureShowsTheDecisionNumber: a decision issued
// without a typed number takes the next 文号 of the bureau's 罚决字 counter
// as it takes effect, with no PDF rendered (no font here), and the public
// listing shows that number, searchable, with the party's phone and ID
// number nowhere in it. The approval that issues the decision answers the
// number it was issued with.
func TestEnforcement_DisclosureShowsTheDecisionNumber(t *testing.T) {
	rig := newDocRig(t, func(d document.Desk) *document.Desk { return &d })
	path, _ := decide(t, rig)
	issued, _ := rig.last["number"].(string)
	m := rig.must("GET", path+"/documents", "o1", "", 200)
	var number string
	for _, it := range m["items"].([]any) {
		if it := it.(map[string]any); it["code"] == "penalty_decision" {
			number, _ = it["number"].(string)
		}
	}
	if !strings.HasPrefix(number, "示范城管罚决字〔2026〕") {
		t.Fatalf("the decision has no 文号 of the bureau's counter: %q (%v)", number, m)
	}
	if issued != number {
		t.Fatalf("the approval that issued the decision answered number %q, the documents %q", issued, number)
	}
	rig.now = rig.now.Add(time.Hour)
	// 送达 needs its proof in the vault: refused (422, nothing written)
	// without one, with a file the vault does not hold, with a video.
	for _, body := range []string{`{"action":"serve","method":"direct"}`, `{"action":"serve","method":"post","record":{"files":[]}}`,
		`{"action":"serve","method":"left","record":{"files":["no-such-scan"]}}`, `{"action":"serve","method":"direct","record":{"files":["cam-1"]}}`} {
		m := rig.must("POST", path+"/actions", "o1", body, 422)
		if msg, _ := m["detail"].(string); !strings.Contains(msg, "送达回证") || !strings.Contains(msg, "proof of service") ||
			fmt.Sprint(m["missing_records"]) != "[service]" {
			t.Fatalf("%s: %v", body, m)
		}
	}
	if m := rig.must("GET", path, "o1", "", 200); m["status"] != "decided" {
		t.Fatalf("a refused service moved the case: %v", m["status"])
	}
	m = rig.must("POST", path+"/actions", "o1", `{"action":"serve","method":"direct","record":{"files":["scan-2"],"note":"当事人签收"}}`, 200)
	if c, _ := m["case"].(map[string]any); m["status"] != "executing" || !strings.Contains(fmt.Sprint(c["records"]), "service") ||
		!strings.Contains(fmt.Sprint(c["records"]), "scan-2") {
		t.Fatalf("the service record does not name its receipt: %v %v", m["status"], c["records"])
	}
	if _, err := rig.db.ReleaseDue(context.Background(), rig.now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"", "?q=" + strings.TrimSuffix(strings.TrimPrefix(number, "示范城管罚决字〔2026〕"), "号"), "?q=罚决字"} {
		code, body, _ := rig.send("GET", "/api/v1/enforcement/disclosures"+q, "", "")
		if code != 200 {
			t.Fatalf("disclosures%s: %d %s", q, code, body)
		}
		var list struct {
			Items []struct {
				Number, Code, Party string
			} `json:"items"`
		}
		if err := json.Unmarshal(body, &list); err != nil || len(list.Items) != 1 || list.Items[0].Number != number {
			t.Fatalf("disclosures%s: %s", q, body)
		}
		for _, secret := range []string{partyPhone, partyID, "小明"} {
			if strings.Contains(string(body), secret) {
				t.Fatalf("the public listing shows %s: %s", secret, body)
			}
		}
	}
}
