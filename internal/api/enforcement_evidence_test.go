package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"cityloop/internal/evidence"
	"cityloop/internal/evidence/vault"
	"cityloop/internal/store/evidencestore"
	"cityloop/internal/worktime"
)

// TestEnforcement_NoDecisionWithoutEvidence runs the ordinary procedure
// against the real evidence vault (tus uploads into evidencestore): a
// record naming a file the vault does not hold is refused, concluding
// without evidence is refused, and a decision whose evidence left the vault
// is a 422 naming the missing record; with the evidence back the same
// decision is issued.
func TestEnforcement_NoDecisionWithoutEvidence(t *testing.T) {
	rig := &enforceRig{t: t, aud: &fakeAuditor{}, loop: &fakeLoop{}, now: time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)}
	now := func() time.Time { return rig.now }
	svc := newTestEnforcement(t, now, nil)
	edb, err := evidencestore.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "evidence.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { edb.Close() })
	if err := edb.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	svc.Exhibits = edb
	v, err := vault.New(vault.Config{Dir: t.TempDir(), BasePath: "/api/v1/enforcement/evidence-uploads/", Limits: evidence.DefaultLimits(),
		Loc: time.FixedZone("CST", 8*3600), NewID: func() string { return uuid.Must(uuid.NewV7()).String() }},
		&evidence.Service{Store: edb, Access: svc, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	cal, _ := worktime.Default()
	s := &Server{Accounts: enforceAccounts{}, Now: now, Auditor: rig.aud, Cal: cal, Enforcement: svc, Evidence: v, EvidenceUploads: v.Uploads()}
	mux := http.NewServeMux()
	s.Routes(mux)
	rig.h = mux
	// upload sends content through tus in one chunk and returns the evidence id.
	upload := func(caseID, mime string, content []byte) string {
		t.Helper()
		send := func(method, url string, hdr map[string]string, body []byte) *httptest.ResponseRecorder {
			req := httptest.NewRequest(method, url, strings.NewReader(string(body)))
			req.Header.Set("Authorization", "Bearer tok-o1")
			req.Header.Set("Tus-Resumable", "1.0.0")
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			rig.h.ServeHTTP(rec, req)
			return rec
		}
		res := send("POST", "/api/v1/enforcement/evidence", map[string]string{"Upload-Length": strconv.Itoa(len(content)),
			"Upload-Metadata": meta(map[string]string{"case_id": caseID, "filetype": mime})}, nil)
		if res.Code != 201 {
			t.Fatalf("create upload: %d %s", res.Code, res.Body)
		}
		loc := res.Header().Get("Location")
		if i := strings.Index(loc, "/api/"); i > 0 {
			loc = loc[i:]
		}
		res = send("PATCH", loc, map[string]string{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}, content)
		if res.Code != 204 {
			t.Fatalf("patch upload: %d %s", res.Code, res.Body)
		}
		return path.Base(loc)
	}
	m := rig.must("POST", "/api/v1/enforcement/cases", "o1", openBody(`,"violation":"WASTE-01"`), 201)
	caseID := m["id"].(string)
	act := "/api/v1/enforcement/cases/" + caseID + "/actions"
	rig.must("POST", act, "o1", `{"action":"propose_filing",`+twoOfficer+`}`, 200)
	rig.must("POST", act, "L1", `{"action":"approve","note":"同意立案"}`, 200)

	// A record naming a file that was never uploaded is refused.
	code, body, _ := rig.do("POST", act, "o1", `{"action":"record","record":{"kind":"audio_video","officers":["o1"],"files":["cam-1"]}}`)
	if code != 422 || !strings.Contains(body, `"unknown_evidence":["cam-1"]`) || !strings.Contains(body, `"missing_records":["audio_video"]`) {
		t.Fatalf("a record of a file not in the vault: %d %s", code, body)
	}
	// So is a 勘验 record with no evidence at all.
	if code, body, _ := rig.do("POST", act, "o1", `{"action":"record","record":{"kind":"inspection","officers":["o1","o2"],"note":"现场检查"}}`); code != 422 ||
		!strings.Contains(body, `"missing_records":["inspection"]`) {
		t.Fatalf("an inspection record without evidence: %d %s", code, body)
	}
	facts := `{"party":"person","harm":1,"area":2}`
	penalty := `{"kinds":["fine"],"fine":300}`
	if code, body, _ := rig.do("POST", act, "o1", `{"action":"conclude","facts":`+facts+`,"penalty":`+penalty+`}`); code != 422 ||
		!strings.Contains(body, `"missing_records":["inspection","inquiry","audio_video"]`) {
		t.Fatalf("conclude without evidence: %d %s", code, body)
	}
	// Upload through the vault, then record: accepted.
	video := upload(caseID, "video/mp4", []byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2\x00\x00\x00\x08free"))
	scan := upload(caseID, "application/pdf", []byte("%PDF-1.4\n% 勘验笔录扫描件\n%%EOF\n"))
	if code, body, _ := rig.do("POST", act, "o1", `{"action":"record","record":{"kind":"audio_video","officers":["o1"],"files":["`+scan+`"]}}`); code != 422 {
		t.Fatalf("a PDF as the audio-visual record: %d %s", code, body)
	}
	rig.must("POST", act, "o1", `{"action":"record","record":{"kind":"audio_video","officers":["o1"],"files":["`+video+`"]}}`, 200)
	rig.must("POST", act, "o1", `{"action":"record","record":{"kind":"inspection","officers":["o1","o2"],"files":["`+scan+`"],"note":"现场检查"}}`, 200)
	rig.must("POST", act, "o1", `{"action":"conclude","facts":`+facts+`,"penalty":`+penalty+`}`, 200)
	rig.must("POST", act, "L1", `{"action":"review","complex":false}`, 200)
	rig.must("POST", act, "o1", `{"action":"notify"}`, 200)
	rig.must("POST", act, "o1", `{"action":"end_statement","waived":true}`, 200)

	// The video leaves the vault behind the application's back: no decision.
	w, _ := edb.Pools()
	if _, err := w.Exec(`UPDATE evidence_items SET case_id = 'elsewhere' WHERE id = $1`, video); err != nil {
		t.Fatal(err)
	}
	code, body, acts := rig.do("POST", act, "o1", `{"action":"propose_decision","penalty":`+penalty+`}`)
	if code != 422 || !strings.Contains(body, `"missing_records":["audio_video"]`) || len(acts) != 0 {
		t.Fatalf("a decision without the video: %d audit %v: %s", code, acts, body)
	}
	view := rig.must("GET", "/api/v1/enforcement/cases/"+caseID, "o1", "", 200)
	if miss := view["missing_records"].([]any); len(miss) != 1 {
		t.Fatalf("the case view's missing records: %v", miss)
	}
	// Back in the vault: the decision goes to approval and is issued.
	if _, err := w.Exec(`UPDATE evidence_items SET case_id = $1 WHERE id = $2`, caseID, video); err != nil {
		t.Fatal(err)
	}
	rig.must("POST", act, "o1", `{"action":"propose_decision","penalty":`+penalty+`,"number":"宁城管罚决字〔2026〕9号"}`, 200)
	rig.must("POST", act, "R1", `{"action":"approve"}`, 200)
	rig.must("POST", act, "L1", `{"action":"approve"}`, 200)
	if m := rig.must("POST", act, "L2", `{"action":"approve"}`, 200); m["status"] != "decided" {
		t.Fatalf("after the chain: %v", m["status"])
	}
	fig := rig.must("GET", "/api/v1/enforcement/figures?from=2026-01-01", "L1", "", 200)["figures"].(map[string]any)
	if c := fig["record_completeness"].(map[string]any); c["value"] != float64(1) || c["denominator"] != float64(1) {
		t.Fatalf("completeness %v", c)
	}
}
