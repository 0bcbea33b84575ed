package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"cityloop/internal/auth"
	"cityloop/internal/enforce"
	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/org"
	"cityloop/internal/pii"
	"cityloop/internal/store/enforcestore"
	"cityloop/internal/worktime"
)

// The enforcement tests run the real service on a real SQLite store: the
// rules, the jurisdiction and the sealing are what they check, and a fake
// would only restate them.

func square(x, y float64) geo.MultiPolygon {
	return geo.MultiPolygon{{{{Lng: x, Lat: y}, {Lng: x + 0.1, Lat: y}, {Lng: x + 0.1, Lat: y + 0.1}, {Lng: x, Lat: y + 0.1}, {Lng: x, Lat: y}}}}
}

// fakeLoop stands in for the loop: two loop cases, one of a violation
// category, and a record of what it was told.
type fakeLoop struct {
	mu       sync.Mutex
	opened   []string
	outcomes []enforce.Status
}

func (f *fakeLoop) FindLoopCase(ctx context.Context, actor org.Actor, id string) (enforce.LoopCase, error) {
	switch id {
	case "loop-1":
		return enforce.LoopCase{ID: id, Code: "AJ2026-1", Category: "event:0504", District: "320102", Summary: "店外经营占道",
			ReportedAt: time.Date(2026, 5, 30, 2, 0, 0, 0, time.UTC)}, nil
	case "loop-2":
		return enforce.LoopCase{ID: id, Code: "AJ2026-2", Category: "event:0301", District: "320102", Summary: "井盖缺失",
			ReportedAt: time.Date(2026, 5, 30, 2, 0, 0, 0, time.UTC)}, nil
	}
	return enforce.LoopCase{}, errs.NotFound("no loop case %s", id)
}

func (f *fakeLoop) Opened(ctx context.Context, actor org.Actor, loopID string, c enforce.Case) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opened = append(f.opened, loopID)
	return nil
}

func (f *fakeLoop) Outcome(ctx context.Context, c enforce.Case) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.outcomes = append(f.outcomes, c.Status)
	return "案件 AJ2026-1 已处置反馈 / loop case disposed", nil
}

// testExhibits stands for the evidence vault in the tests that are not
// about it: every case holds the files the tests' records name.
type testExhibits struct{}

var testExhibitList = []enforce.Exhibit{{ID: "photo-1", Media: enforce.MediaPhoto}, {ID: "photo-2", Media: enforce.MediaPhoto},
	{ID: "a", Media: enforce.MediaPhoto}, {ID: "cam-1", Media: enforce.MediaVideo}, {ID: "scan-1", Media: enforce.MediaDocument},
	{ID: "scan-2", Media: enforce.MediaDocument}}

func (testExhibits) CaseExhibits(_ context.Context, ids []string) (map[string][]enforce.Exhibit, error) {
	out := map[string][]enforce.Exhibit{}
	for _, id := range ids {
		out[id] = testExhibitList
	}
	return out, nil
}

func newTestEnforcement(t *testing.T, now func() time.Time, loop enforce.Loop) *enforce.Service {
	t.Helper()
	db, err := enforcestore.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "enforce.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	k, err := pii.ParseKeyring("k1:" + pii.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	db.SetKeyring(k)
	atlas, err := org.NewAtlas([]org.Region{
		{Code: "3201", Name: "市", Level: org.LevelCity, Shape: square(118.7, 32.0)},
		{Code: "320102", Name: "玄武区", Level: org.LevelDistrict, Parent: "3201", Shape: square(118.7, 32.0)},
		{Code: "320104", Name: "秦淮区", Level: org.LevelDistrict, Parent: "3201", Shape: square(118.8, 32.0)},
	})
	if err != nil {
		t.Fatal(err)
	}
	cal, err := worktime.Default()
	if err != nil {
		t.Fatal(err)
	}
	rb, err := enforce.Default()
	if err != nil {
		t.Fatal(err)
	}
	ids := 0
	return &enforce.Service{Store: db, Exhibits: testExhibits{}, Loop: loop, Atlas: func() *org.Atlas { return atlas }, Cal: cal, Books: []*enforce.Rulebook{rb},
		Region: "3201", Policy: enforce.DefaultPolicy(), Window: 365 * 24 * time.Hour, LoopCategories: enforce.DefaultLoopCategories(),
		Now: now, NewID: func() string { ids++; return "pc-" + strings.Repeat("0", 3) + string(rune('a'+ids)) }}
}

// enforceAccounts signs in the enforcement staff with "tok-<key>".
type enforceAccounts struct{ fakeAccounts }

var enforceStaff = map[string]org.Grant{
	"o1": {Post: org.PostEnforcer, Region: "3201", Department: "enforcement"},
	"o2": {Post: org.PostEnforcer, Region: "3201", Department: "enforcement"},
	"o3": {Post: org.PostEnforcer, Region: "320104", Department: "enforcement"},
	"R1": {Post: enforce.PostLegalReviewer},
	"L1": {Post: org.PostLeader},
	"L2": {Post: org.PostLeader},
	"ct": {Post: org.PostCitizen},
}

func (f enforceAccounts) FindToken(ctx context.Context, hash []byte, now time.Time) (*org.Token, *org.Account, error) {
	for id, g := range enforceStaff {
		if string(auth.HashToken("tok-"+id)) == string(hash) {
			return &org.Token{AccountID: id, ExpiresAt: now.Add(time.Hour)}, &org.Account{ID: id, Username: id, Name: "执法" + id, Grants: []org.Grant{g}}, nil
		}
	}
	return f.fakeAccounts.FindToken(ctx, hash, now)
}

type enforceRig struct {
	t    *testing.T
	h    http.Handler
	aud  *fakeAuditor
	loop *fakeLoop
	now  time.Time
	svc  *enforce.Service
}

func newEnforceRig(t *testing.T) *enforceRig {
	rig := &enforceRig{t: t, aud: &fakeAuditor{}, loop: &fakeLoop{}, now: time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)}
	now := func() time.Time { return rig.now }
	cal, _ := worktime.Default()
	rig.svc = newTestEnforcement(t, now, rig.loop)
	s := &Server{Accounts: enforceAccounts{}, Now: now, Auditor: rig.aud, Cal: cal, Enforcement: rig.svc}
	mux := http.NewServeMux()
	s.Routes(mux)
	rig.h = mux
	return rig
}

// do sends one request as who ("" anonymous) and returns the status, the
// body and the audit actions it recorded.
func (r *enforceRig) do(method, path, who, body string) (int, string, []string) {
	r.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer tok-"+who)
	}
	r.aud.take()
	rec := httptest.NewRecorder()
	r.h.ServeHTTP(rec, req)
	var acts []string
	for _, a := range r.aud.take() {
		acts = append(acts, a.Action)
	}
	return rec.Code, rec.Body.String(), acts
}

func (r *enforceRig) must(method, path, who, body string, status int) map[string]any {
	r.t.Helper()
	code, got, _ := r.do(method, path, who, body)
	if code != status {
		r.t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, who, code, status, got)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(got), &m); err != nil {
		r.t.Fatalf("%s %s: not JSON: %s", method, path, got)
	}
	return m
}

const (
	partyPhone = "13912345678"
	partyID    = "320102199001011234"
	twoOfficer = `"officers":[{"id":"o1","name":"张执法","certificate":"32010001"},{"id":"o2","name":"王执法","certificate":"32010002"}]`
)

func openBody(extra string) string {
	return `{"summary":"玄武区中山路占道摆摊","district":"320102","occurred_at":"2026-05-31T10:00:00+08:00",` +
		`"party":{"kind":"person","name":"赵小明","id_number":"` + partyID + `","phone":"` + partyPhone + `","address":"中山路 1 号"}` + extra + `}`
}

func TestEnforcement_CaseFlow(t *testing.T) {
	rig := newEnforceRig(t)
	// Open a lead: sealed party, audited open and read.
	code, body, acts := rig.do("POST", "/api/v1/enforcement/cases", "o1", openBody(""))
	if code != 201 || !strings.Contains(body, `"status":"lead"`) || !strings.Contains(body, `"code":"ZF2026-00001"`) {
		t.Fatalf("open: %d %s", code, body)
	}
	if strings.Join(acts, ",") != "enforce.open,pii.read" {
		t.Fatalf("open audited %v, want enforce.open then pii.read", acts)
	}
	var v struct {
		ID string `json:"id"`
	}
	json.Unmarshal([]byte(body), &v)
	casePath := "/api/v1/enforcement/cases/" + v.ID

	for _, tc := range []struct {
		name, who string
		status    int
		total     float64
	}{{"city enforcer", "o1", 200, 1}, {"enforcer of another district", "o3", 200, 0}, {"legal reviewer", "R1", 200, 1}} {
		t.Run("list as "+tc.name, func(t *testing.T) {
			m := rig.must("GET", "/api/v1/enforcement/cases", tc.who, "", tc.status)
			if m["total"] != tc.total {
				t.Fatalf("total %v, want %v", m["total"], tc.total)
			}
		})
	}
	_, list, acts := rig.do("GET", "/api/v1/enforcement/cases?status=lead", "o1", "")
	if strings.Contains(list, partyPhone) || strings.Contains(list, partyID) || strings.Contains(list, "小明") || !strings.Contains(list, `"party":"赵**"`) ||
		!strings.Contains(list, `"lights":[`) || len(acts) != 0 {
		t.Fatalf("the list shows personal data or lacks lights (audit %v): %s", acts, list)
	}
	if code, body, acts := rig.do("GET", "/api/v1/enforcement/cases?party="+partyID, "o1", ""); code != 200 || !strings.Contains(body, `"total":1`) ||
		len(acts) != 1 || acts[0] != "pii.search" {
		t.Fatalf("search by party: %d audit %v: %s", code, acts, body)
	}
	if code, _, _ := rig.do("GET", casePath, "o3", ""); code != 404 {
		t.Fatalf("a case outside the district: %d", code)
	}
	code, body, acts = rig.do("GET", casePath, "L1", "")
	if code != 200 || !strings.Contains(body, partyPhone) || len(acts) != 1 || acts[0] != "pii.read" ||
		!strings.Contains(body, `"allowed_actions":["refuse_filing"]`) || !strings.Contains(body, `"clocks":[{`) {
		t.Fatalf("leader's view: %d audit %v: %s", code, acts, body)
	}

	// The wrong action is a 409 that says what is possible.
	code, body, _ = rig.do("POST", casePath+"/actions", "o1", `{"action":"notify"}`)
	if code != 409 || !strings.Contains(body, `"allowed_actions":["exempt","propose_filing","summary"]`) {
		t.Fatalf("wrong action: %d %s", code, body)
	}
	if code, body, _ := rig.do("POST", casePath+"/actions", "o1", `{"action":"summary","version":7}`); code != 409 || !strings.Contains(body, "version") {
		t.Fatalf("stale version: %d %s", code, body)
	}
	// A summary penalty on the spot, within the benchmark.
	code, body, acts = rig.do("POST", casePath+"/actions", "o1", `{"action":"summary",`+twoOfficer+`,"violation":"WASTE-01",
		"facts":{"party":"person","harm":1,"flags":["mitigating"]},"penalty":{"kinds":["fine"],"fine":100},
		"record":{"kind":"photo","files":["photo-1"]},"number":"宁城管简罚〔2026〕7号"}`)
	if code != 200 || !strings.Contains(body, `"status":"executing"`) || !strings.Contains(body, `"missing_records":[]`) {
		t.Fatalf("summary: %d %s", code, body)
	}
	if len(acts) != 2 || acts[0] != "enforce.summary" || acts[1] != "pii.read" {
		t.Fatalf("summary audited %v", acts)
	}

	// The public disclosure: masked, searchable, no phone, no ID number.
	for _, q := range []string{"", "?q=简罚", "?district=320102&from=2026-06-01&to=2026-06-02"} {
		code, body, _ = rig.do("GET", "/api/v1/enforcement/disclosures"+q, "", "")
		if code != 200 || !strings.Contains(body, `"total":1`) || !strings.Contains(body, `"party":"赵*"`) || !strings.Contains(body, "宁城管简罚〔2026〕7号") {
			t.Fatalf("disclosures%s: %d %s", q, code, body)
		}
		for _, secret := range []string{partyPhone, partyID, "小明", "中山路 1 号", v.ID} {
			if strings.Contains(body, secret) {
				t.Fatalf("the public disclosure shows %q: %s", secret, body)
			}
		}
	}
	if code, body, _ := rig.do("GET", "/api/v1/enforcement/disclosures?district=320104", "", ""); code != 200 || !strings.Contains(body, `"total":0`) {
		t.Fatalf("other district: %d %s", code, body)
	}
	if code, body, _ := rig.do("GET", "/api/v1/enforcement/disclosures?limit=x&sort=1", "", ""); code != 400 || !strings.Contains(body, "limit") || !strings.Contains(body, "sort") {
		t.Fatalf("bad query: %d %s", code, body)
	}

	// Figures over the decision.
	m := rig.must("GET", "/api/v1/enforcement/figures?from=2026-01-01", "L1", "", 200)
	fig := m["figures"].(map[string]any)
	if m["decisions"] != float64(1) || fig["record_completeness"].(map[string]any)["value"] != float64(1) ||
		fig["exemption_rate"].(map[string]any)["target"] != 0.3 {
		t.Fatalf("figures %v", m)
	}
}

func TestEnforcement_OrdinaryNeedsRecords(t *testing.T) {
	rig := newEnforceRig(t)
	m := rig.must("POST", "/api/v1/enforcement/cases", "o1", openBody(`,"violation":"NOISE-03"`), 201)
	path := "/api/v1/enforcement/cases/" + m["id"].(string) + "/actions"
	rig.must("POST", path, "o1", `{"action":"propose_filing",`+twoOfficer+`}`, 200)
	if code, body, _ := rig.do("POST", path, "o1", `{"action":"approve"}`); code != 403 {
		t.Fatalf("the officer approved his own filing: %d %s", code, body)
	}
	m = rig.must("POST", path, "L1", `{"action":"approve","note":"同意立案"}`, 200)
	if m["status"] != "investigating" {
		t.Fatalf("after approval: %v", m["status"])
	}
	// No evidence on record: concluding is refused with what is missing.
	code, body, acts := rig.do("POST", path, "o1", `{"action":"conclude","facts":{"party":"person","harm":1},"penalty":{"kinds":["fine"],"fine":500}}`)
	if code != 422 || !strings.Contains(body, `"missing_records":["inspection","inquiry","audio_video"]`) || len(acts) != 0 {
		t.Fatalf("conclude without evidence: %d audit %v: %s", code, acts, body)
	}
	if code, body, _ := rig.do("POST", path, "o1", `{"action":"conclude","facts":{"party":"person","harm":9}}`); code != 400 || !strings.Contains(body, "facts.harm") {
		t.Fatalf("harm out of range: %d %s", code, body)
	}
}

func TestEnforcement_LoopCaseAndExemption(t *testing.T) {
	rig := newEnforceRig(t)
	if code, body, _ := rig.do("POST", "/api/v1/enforcement/cases", "o1", `{"loop_case":"loop-2","party":{"kind":"person","name":"钱","id_number":"320102199001015678"}}`); code != 422 || !strings.Contains(body, "event:0504") {
		t.Fatalf("a repair case opened a penalty case: %d %s", code, body)
	}
	body := `{"loop_case":"loop-1","party":{"kind":"person","name":"孙小美","id_number":"320102199202021234","phone":"13700001111"}}`
	m := rig.must("POST", "/api/v1/enforcement/cases", "o1", body, 201)
	if m["violation"] != "ROAD-01" || m["district"] != "320102" || m["loop_case"] != "loop-1" || !strings.Contains(m["loop"].(string), "AJ2026-1") {
		t.Fatalf("from a loop case: %v", m)
	}
	if code, got, _ := rig.do("POST", "/api/v1/enforcement/cases", "o1", body); code != 409 {
		t.Fatalf("a second penalty case of loop-1: %d %s", code, got)
	}
	path := "/api/v1/enforcement/cases/" + m["id"].(string) + "/actions"
	// 首违不罚 on the spot: first act, slight harm, corrected; education recorded.
	m = rig.must("POST", path, "o1", `{"action":"exempt",`+twoOfficer+`,"facts":{"party":"person","harm":1,"corrected":true},
		"exemption":{"kind":"first","education":["persuasion","warning_talk"]},"record":{"kind":"photo","files":["photo-2"]}}`, 200)
	if m["status"] != "closed" || m["loop"] == "" {
		t.Fatalf("exempt: %v", m)
	}
	if len(rig.loop.opened) != 1 || len(rig.loop.outcomes) != 1 || rig.loop.outcomes[0] != enforce.StatusClosed {
		t.Fatalf("loop told %v / %v", rig.loop.opened, rig.loop.outcomes)
	}
	// An exemption is not published.
	if _, got, _ := rig.do("GET", "/api/v1/enforcement/disclosures", "", ""); !strings.Contains(got, `"total":0`) {
		t.Fatalf("an exemption was published: %s", got)
	}
	m = rig.must("GET", "/api/v1/enforcement/figures?from=2026-01-01", "o1", "", 200)
	if er := m["figures"].(map[string]any)["exemption_rate"].(map[string]any); er["numerator"] != float64(1) || er["met"] != true {
		t.Fatalf("exemption rate %v", er)
	}
}

func TestEnforcement_RulebookAndAuth(t *testing.T) {
	rig := newEnforceRig(t)
	m := rig.must("POST", "/api/v1/enforcement/evaluate", "o1", `{"violation":"NOISE-03","facts":{"party":"person","harm":1,"corrected":true,"repeats":1}}`, 200)
	if m["level"] != "lenient" || m["statutory"] == nil || m["penalty"] == nil {
		t.Fatalf("evaluate: %v", m)
	}
	if code, body, _ := rig.do("POST", "/api/v1/enforcement/evaluate", "o1", `{"violation":"NOPE","facts":{"party":"person"}}`); code != 400 && code != 404 && code != 422 {
		t.Fatalf("unknown violation: %d %s", code, body)
	}
	if code, body, _ := rig.do("GET", "/api/v1/enforcement/rulebook", "", ""); code != 200 || !strings.Contains(body, `"CITY-06"`) {
		t.Fatalf("rulebook: %d", code)
	}
	for _, tc := range []struct {
		who, method, path, body string
		status                  int
	}{
		{"", "GET", "/api/v1/enforcement/cases", "", 401},
		{"ct", "GET", "/api/v1/enforcement/cases", "", 403},
		{"R1", "POST", "/api/v1/enforcement/cases", openBody(""), 403},
		{"o1", "POST", "/api/v1/enforcement/cases", `{"summary":"x","district":"320102"}`, 400},
		{"o3", "POST", "/api/v1/enforcement/cases", openBody(""), 403}, // 320102 is outside o3's district
		{"o1", "GET", "/api/v1/enforcement/cases?light=blue", "", 400},
		{"o1", "POST", "/api/v1/enforcement/cases/nope/actions", `{"action":"summary"}`, 404},
		{"o1", "POST", "/api/v1/enforcement/cases/nope/actions", `{"action":"open"}`, 400},
	} {
		if code, body, _ := rig.do(tc.method, tc.path, tc.who, tc.body); code != tc.status {
			t.Errorf("%s %s as %q: %d, want %d: %s", tc.method, tc.path, tc.who, code, tc.status, body)
		}
	}
}

// FuzzParseDisclosureQuery: the public search's parser never panics and
// answers only with Invalid errors.
func FuzzParseDisclosureQuery(f *testing.F) {
	for _, s := range []string{"q=简罚&district=320102&from=2026-01-01&to=2026-02-01&limit=20&offset=0", "limit=-1", "from=x", "q=%00", "zzz=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		d, err := ParseDisclosureQuery(q, time.UTC)
		if err != nil {
			if !errs.Is(err, errs.KindInvalid) {
				t.Fatalf("%q: %v", raw, err)
			}
			return
		}
		if d.Limit < 1 || d.Limit > 200 || d.Offset < 0 {
			t.Fatalf("%q: page %d/%d", raw, d.Limit, d.Offset)
		}
	})
}

// FuzzPenaltyActionBody: any JSON body of an action becomes a command or an
// Invalid error, never a panic.
func FuzzPenaltyActionBody(f *testing.F) {
	for _, s := range []string{`{"action":"summary","officers":[{"id":"o1","certificate":"1"}],"penalty":{"fine":100}}`,
		`{"action":"record","record":{"kind":"photo","files":["a"],"id":"x"}}`, `{"action":"pay","amount":-1}`, `{"facts":{"harm":7}}`, `{}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var b penaltyActionBody
		if json.Unmarshal([]byte(raw), &b) != nil {
			return
		}
		cmd, err := b.Command()
		if err != nil {
			if !errs.Is(err, errs.KindInvalid) {
				t.Fatalf("%s: %v", raw, err)
			}
			return
		}
		if cmd.Action == "" || (cmd.Record != nil && (cmd.Record.ID != "" || !cmd.Record.At.IsZero())) {
			t.Fatalf("%s: command %+v", raw, cmd)
		}
	})
}
