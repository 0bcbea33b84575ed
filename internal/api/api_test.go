package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"cityloop/internal/audit"
	"cityloop/internal/auth"
	"cityloop/internal/errs"
	"cityloop/internal/georeport"
	"cityloop/internal/hotline"
	"cityloop/internal/hub"
	"cityloop/internal/org"
	"cityloop/internal/sensing"
	"cityloop/internal/share"
	"cityloop/internal/workorder"
)

// apiScenario is one request against a Server with fake services: the
// post the caller signs in with ("" anonymous), and what must and must not
// come back. PocketBase's ApiScenario, in a table.
type apiScenario struct {
	name         string
	method, path string
	body         string
	post         org.Post
	status       int
	contains     []string
	notContains  []string
	audit        string // the audit action the request must record ("" none)
}

// fakeAccounts knows one account per post, signed in with the token
// "tok-<post>"; the scenarios use the API's own bearer check.
type fakeAccounts struct {
	org.AccountStore
}

func tokenOf(p org.Post) string { return "tok-" + string(p) }

func (fakeAccounts) account(p org.Post) *org.Account {
	g := org.Grant{Post: p}
	if p == org.PostHandler {
		g.Department = "enforcement"
	}
	return &org.Account{ID: "acc-" + string(p), Username: string(p), Name: string(p), Grants: []org.Grant{g}}
}

func (f fakeAccounts) FindToken(ctx context.Context, hash []byte, now time.Time) (*org.Token, *org.Account, error) {
	for _, p := range []org.Post{org.PostAdmin, org.PostOperator, org.PostCitizen, org.PostSystem, org.PostHandler,
		org.PostSupervisor, org.PostShiftLead, org.PostAuditor} {
		if string(auth.HashToken(tokenOf(p))) == string(hash) {
			return &org.Token{AccountID: "acc-" + string(p), ExpiresAt: now.Add(time.Hour)}, f.account(p), nil
		}
	}
	return nil, nil, errs.NotFound("token")
}

func (f fakeAccounts) FindAccountByUsername(ctx context.Context, name string) (*org.Account, error) {
	if p := org.Post(name); p == org.PostSupervisor || p == org.PostOperator {
		return f.account(p), nil
	}
	return nil, errs.NotFound("account %s", name)
}

func (f fakeAccounts) FindAccountByID(ctx context.Context, id string) (*org.Account, error) {
	return f.FindAccountByUsername(ctx, strings.TrimPrefix(id, "acc-"))
}

// fakeAuditor keeps the records.
type fakeAuditor struct {
	mu   sync.Mutex
	recs []audit.Record
}

func (f *fakeAuditor) Audit(ctx context.Context, recs ...audit.Record) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.recs = append(f.recs, recs...)
	return nil
}

func (f *fakeAuditor) take() []audit.Record {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.recs
	f.recs = nil
	return out
}

// fakeSensing keeps policies and zones; the routes the scenarios call read
// nothing else.
type fakeSensing struct {
	Sensing
	mu       sync.Mutex
	policies map[string]sensing.Policy
}

func (f *fakeSensing) Clock() time.Time { return time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) }
func (f *fakeSensing) Policy(c string) sensing.Policy {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.policies[c]
}
func (f *fakeSensing) PutPolicy(ctx context.Context, p sensing.Policy) (sensing.Policy, error) {
	if p.MinConfidence < 0 || p.MinConfidence > 1 {
		return p, errs.Invalid("min_confidence must be 0 to 1").WithField("min_confidence", "0 to 1")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.policies[p.Category] = p
	return p, nil
}
func (f *fakeSensing) Zones() []sensing.Zone                { return []sensing.Zone{{ID: "z-1", Name: "夜市"}} }
func (f *fakeSensing) VendorCodes() map[string]string       { return map[string]string{} }
func (f *fakeSensing) CameraVendor(string) string           { return "" }
func (f *fakeSensing) Availability() []sensing.Availability { return []sensing.Availability{} }
func (f *fakeSensing) Devices(k sensing.Kind) []*sensing.Device {
	return []*sensing.Device{{ID: "noise-1", Kind: sensing.KindNoise}}
}
func (f *fakeSensing) Ingest(ctx context.Context, rs []sensing.Reading) (sensing.IngestResult, error) {
	return sensing.IngestResult{Stored: len(rs)}, nil
}

// fakeHub is a hub store that is never reached by the scenarios below
// except for the subscriptions list.
type fakeHub struct{ share.Store }

func (fakeHub) FindDatasetByCode(ctx context.Context, code string) (*share.Dataset, error) {
	return &share.Dataset{Code: code, Name: code, Owner: "enforcement", Frequency: "daily"}, nil
}

func (fakeHub) FindSubscriptions(ctx context.Context) ([]*share.Subscription, error) {
	return []*share.Subscription{}, nil
}

// fakeHotline keeps the settings.
type fakeHotline struct {
	Hotline
	mu  sync.Mutex
	set workorder.Settings
}

func (f *fakeHotline) Settings(ctx context.Context) (workorder.Settings, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.set, nil
}
func (f *fakeHotline) SaveSettings(ctx context.Context, a org.Actor, s workorder.Settings) (workorder.Settings, string, error) {
	if s.ContactDays < 0 {
		return s, "", errs.Invalid("contact_days must not be negative").WithField("contact_days", "≥ 0")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if s.PullToken == hotline.TokenMask {
		s.PullToken = f.set.PullToken
	}
	f.set = s
	return s, "", nil
}
func (f *fakeHotline) FindSubscriptionByID(ctx context.Context, id string) (*share.Subscription, error) {
	return nil, errs.NotFound("subscription %s", id)
}

// fakeKeys keeps Open311 keys.
type fakeKeys struct {
	mu   sync.Mutex
	keys []georeport.Key
}

func (f *fakeKeys) CreateKey(ctx context.Context, k georeport.Key) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys = append(f.keys, k)
	return nil
}
func (f *fakeKeys) RevokeKeys(ctx context.Context, account string, at time.Time) (int, error) {
	return 1, nil
}

// newTestServer is a Server on fakes: no node, no database.
func newTestServer(t *testing.T) (*Server, *fakeAuditor, http.Handler) {
	t.Helper()
	aud := &fakeAuditor{}
	s := &Server{Accounts: fakeAccounts{}, Now: func() time.Time { return time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) },
		Auditor: aud, Sensing: &fakeSensing{policies: map[string]sensing.Policy{}}, Hub: &hub.Service{Store: fakeHub{}},
		Hotline:     &fakeHotline{set: workorder.Settings{PullURL: "https://hotline.example/orders", PullToken: "secret-pull-token"}},
		Open311Keys: &fakeKeys{}}
	s.Enforcement = newTestEnforcement(t, s.Now, nil)
	mux := http.NewServeMux()
	s.Routes(mux)
	return s, aud, mux
}

func runScenarios(t *testing.T, h http.Handler, aud *fakeAuditor, list []apiScenario) {
	t.Helper()
	for _, sc := range list {
		t.Run(sc.name, func(t *testing.T) {
			var body *strings.Reader
			if sc.body != "" {
				body = strings.NewReader(sc.body)
			} else {
				body = strings.NewReader("")
			}
			req := httptest.NewRequest(sc.method, sc.path, body)
			if sc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if sc.post != "" {
				req.Header.Set("Authorization", "Bearer "+tokenOf(sc.post))
			}
			aud.take()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			got := rec.Body.String()
			if rec.Code != sc.status {
				t.Fatalf("%s %s: status %d, want %d: %s", sc.method, sc.path, rec.Code, sc.status, got)
			}
			if sc.status >= 400 && rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Errorf("error content type %q", rec.Header().Get("Content-Type"))
			}
			for _, s := range sc.contains {
				if !strings.Contains(got, s) {
					t.Errorf("body lacks %q: %s", s, got)
				}
			}
			for _, s := range sc.notContains {
				if strings.Contains(got, s) {
					t.Errorf("body has %q: %s", s, got)
				}
			}
			recs := aud.take()
			switch {
			case sc.audit == "" && len(recs) > 0:
				t.Errorf("unexpected audit records %+v", recs)
			case sc.audit != "" && (len(recs) == 0 || recs[0].Action != sc.audit):
				t.Errorf("audit %+v, want %s", recs, sc.audit)
			}
		})
	}
}

// TestAPI_PostChecks: the one authorisation helper, on routes of every
// moved resource.
func TestAPI_PostChecks(t *testing.T) {
	_, aud, h := newTestServer(t)
	runScenarios(t, h, aud, []apiScenario{
		{name: "anonymous reads the vending zones", method: "GET", path: "/api/v1/sensing/zones", status: 200, contains: []string{"夜市"}},
		{name: "anonymous devices", method: "GET", path: "/api/v1/sensing/devices", status: 401, contains: []string{"sign in first", "请先登录"}},
		{name: "citizen devices", method: "GET", path: "/api/v1/sensing/devices", post: org.PostCitizen, status: 403, contains: []string{"staff post"}},
		{name: "operator devices", method: "GET", path: "/api/v1/sensing/devices", post: org.PostOperator, status: 200, contains: []string{"noise-1"}},
		{name: "operator posts telemetry", method: "POST", path: "/api/v1/sensing/telemetry", body: `{"device_id":"noise-1","values":{"noise_db":50}}`,
			post: org.PostOperator, status: 403, contains: []string{"system or admin"}},
		{name: "gateway posts telemetry", method: "POST", path: "/api/v1/sensing/telemetry", body: `{"device_id":"noise-1","ts":"2026-06-01T08:59:00Z","values":{"noise_db":50}}`,
			post: org.PostSystem, status: 202, contains: []string{`"stored":1`}},
		{name: "operator lists subscriptions", method: "GET", path: "/api/v1/hub/subscriptions", post: org.PostOperator, status: 403, contains: []string{"admin"}},
		{name: "admin lists subscriptions", method: "GET", path: "/api/v1/hub/subscriptions", post: org.PostAdmin, status: 200, contains: []string{`"subscriptions":[]`}},
		{name: "handler reads the change feed", method: "GET", path: "/api/v1/hub/changes", post: org.PostHandler, status: 403, contains: []string{"city-wide"}},
		{name: "supervisor reads a hotline order", method: "GET", path: "/api/v1/hotline/orders/GD1", post: org.PostSupervisor, status: 403, contains: []string{"operator or shift_lead or admin or leader"}},
		{name: "anonymous issues an Open311 key", method: "POST", path: "/api/v1/open311/keys", body: `{"account":"supervisor"}`, status: 401},
		{name: "operator issues an Open311 key", method: "POST", path: "/api/v1/open311/keys", body: `{"account":"supervisor"}`, post: org.PostOperator, status: 403},
		{name: "admin issues an Open311 key", method: "POST", path: "/api/v1/open311/keys", body: `{"account":"supervisor","label":"app"}`, post: org.PostAdmin,
			status: 201, contains: []string{`"api_key":"o311_`, `"account_id":"acc-supervisor"`}, audit: "open311_key.create"},
		{name: "admin revokes Open311 keys", method: "DELETE", path: "/api/v1/open311/keys?account=supervisor", post: org.PostAdmin,
			status: 200, contains: []string{`"revoked":1`}, audit: "open311_key.revoke"},
		{name: "an unknown endpoint", method: "GET", path: "/api/v1/sensing/nothing", post: org.PostAdmin, status: 404, contains: []string{"openapi.json"}},
	})
}

// TestAPI_SensingPolicyPut: a PUT replaces the whole policy, so one that
// leaves out a field is refused, naming it in both languages, and nothing
// is stored or audited.
func TestAPI_SensingPolicyPut(t *testing.T) {
	s, aud, h := newTestServer(t)
	full := `{"min_confidence":0.8,"dedup_window":"10m","mode":"case","auto_floor":0.9,"min_samples":20}`
	runScenarios(t, h, aud, []apiScenario{
		{name: "operator", method: "PUT", path: "/api/v1/sensing/policies/event:0501", body: full, post: org.PostOperator, status: 403},
		{name: "a field left out", method: "PUT", path: "/api/v1/sensing/policies/event:0501", body: `{"min_confidence":0.8,"mode":"case"}`, post: org.PostAdmin,
			status: 400, contains: []string{"dedup_window", "auto_floor", "min_samples", "缺少必填字段", "missing required fields"}},
		{name: "a field nulled", method: "PUT", path: "/api/v1/sensing/policies/event:0501",
			body: `{"min_confidence":null,"dedup_window":"10m","mode":"case","auto_floor":0.9,"min_samples":20}`, post: org.PostAdmin,
			status: 400, contains: []string{"min_confidence"}},
		{name: "not an object", method: "PUT", path: "/api/v1/sensing/policies/event:0501", body: `[1]`, post: org.PostAdmin, status: 400},
		{name: "out of range", method: "PUT", path: "/api/v1/sensing/policies/event:0501",
			body: `{"min_confidence":3,"dedup_window":"10m","mode":"case","auto_floor":0.9,"min_samples":20}`, post: org.PostAdmin, status: 400},
		{name: "complete", method: "PUT", path: "/api/v1/sensing/policies/event:0501", body: full, post: org.PostAdmin,
			status: 200, contains: []string{`"category":"event:0501"`, `"min_confidence":0.8`}, audit: "sensing.policy.put"},
	})
	if p := s.Sensing.Policy("event:0501"); p.MinConfidence != 0.8 {
		t.Errorf("stored policy %+v", p)
	}
}

// TestAPI_HubSubscriptionCreate: a webhook URL the egress policy refuses
// is a 400 naming the url field, in both languages, and is neither stored
// nor audited.
func TestAPI_HubSubscriptionCreate(t *testing.T) {
	_, aud, h := newTestServer(t)
	runScenarios(t, h, aud, []apiScenario{
		{name: "operator", method: "POST", path: "/api/v1/hub/subscriptions", body: `{"name":"x","department":"police","url":"https://partner.example/hook"}`,
			post: org.PostOperator, status: 403},
		{name: "a loopback URL", method: "POST", path: "/api/v1/hub/subscriptions", body: `{"name":"x","department":"police","url":"http://127.0.0.1:8080/hook"}`,
			post: org.PostAdmin, status: 400, contains: []string{`"field":"url"`, " / "}},
		{name: "not a URL", method: "POST", path: "/api/v1/hub/subscriptions", body: `{"name":"x","department":"police","url":"hook"}`,
			post: org.PostAdmin, status: 400, contains: []string{"须为完整的 http 或 https 地址", "must be an absolute http or https URL"}},
		{name: "no name", method: "POST", path: "/api/v1/hub/subscriptions", body: `{"department":"police","url":"ftp://x"}`,
			post: org.PostAdmin, status: 400, contains: []string{`"field":"name"`}},
		{name: "an unknown field", method: "POST", path: "/api/v1/hub/subscriptions", body: `{"name":"x","department":"police","url":"http://10.0.0.1/","secret":"s"}`,
			post: org.PostAdmin, status: 400},
	})
}

// TestAPI_SensingInput: bodies and queries the sensing routes refuse
// before the service sees them.
func TestAPI_SensingInput(t *testing.T) {
	_, aud, h := newTestServer(t)
	many := `{"readings":[` + strings.Repeat(`{"device_id":"noise-1","values":{"noise_db":50}},`, 1000) + `{"device_id":"noise-1","values":{"noise_db":50}}]}`
	runScenarios(t, h, aud, []apiScenario{
		{name: "a device without its place", method: "PUT", path: "/api/v1/sensing/devices/noise-2", body: `{"kind":"noise"}`, post: org.PostAdmin,
			status: 400, contains: []string{"lng", "lat", "设备", "device"}},
		{name: "a rule without its levels", method: "PUT", path: "/api/v1/sensing/rules/r-1", body: `{"kind":"noise","metric":"noise_db"}`, post: org.PostAdmin,
			status: 400, contains: []string{"threshold", "clear"}},
		{name: "a zone without hours", method: "PUT", path: "/api/v1/sensing/zones/z-2", body: `{"ring":[[118.7,32.0],[118.8,32.0],[118.8,32.1]]}`, post: org.PostAdmin,
			status: 400, contains: []string{"hours"}},
		{name: "1001 readings", method: "POST", path: "/api/v1/sensing/telemetry", body: many, post: org.PostSystem, status: 400, contains: []string{"1000"}},
		{name: "a camera event as text", method: "POST", path: "/api/v1/sensing/camera-events", body: "", post: org.PostSystem, status: 400},
		{name: "an unknown device kind", method: "GET", path: "/api/v1/sensing/devices?kind=radio", post: org.PostOperator, status: 400, contains: []string{"noise"}},
		{name: "nearest lots without a point", method: "GET", path: "/api/v1/sensing/parking/nearest", status: 400, contains: []string{"lng"}},
		{name: "a series without a metric", method: "GET", path: "/api/v1/sensing/devices/noise-1/series", post: org.PostOperator, status: 400, contains: []string{"metric"}},
		{name: "a series of another resolution", method: "GET", path: "/api/v1/sensing/devices/noise-1/series?metric=noise_db&res=day", post: org.PostOperator, status: 400},
	})
}

// TestAPI_HubInput: the hub's rules answer through the API unchanged.
func TestAPI_HubInput(t *testing.T) {
	_, aud, h := newTestServer(t)
	runScenarios(t, h, aud, []apiScenario{
		{name: "a dataset with a bad code and no owner", method: "PUT", path: "/api/v1/hub/datasets/Bad%20Code", body: `{"name":"x","frequency":"daily"}`,
			post: org.PostAdmin, status: 400, contains: []string{`"field":"code"`, `"field":"owner"`}},
		{name: "a dataset by an operator", method: "PUT", path: "/api/v1/hub/datasets/toilets", body: `{"name":"x"}`, post: org.PostOperator, status: 403},
		{name: "a negative cursor", method: "GET", path: "/api/v1/hub/changes?cursor=-1", post: org.PostAdmin, status: 400, contains: []string{"cursor"}},
		{name: "too large a page", method: "GET", path: "/api/v1/hub/changes?limit=9999", post: org.PostAdmin, status: 400, contains: []string{"limit"}},
		{name: "figures from a bad time", method: "GET", path: "/api/v1/hub/figures?from=yesterday", post: org.PostOperator, status: 400, contains: []string{"RFC 3339"}},
	})
}

// TestAPI_HotlineOrders: who may push and step orders.
func TestAPI_HotlineOrders(t *testing.T) {
	_, aud, h := newTestServer(t)
	runScenarios(t, h, aud, []apiScenario{
		{name: "anonymous push", method: "POST", path: "/api/v1/hotline/orders", body: `{"order_no":"GD1"}`, status: 401},
		{name: "a handler pushes", method: "POST", path: "/api/v1/hotline/orders", body: `{"order_no":"GD1"}`, post: org.PostHandler, status: 403},
		{name: "a push as text", method: "POST", path: "/api/v1/hotline/orders", body: `x`, post: org.PostOperator, status: 400},
		{name: "a shift lead steps an order", method: "POST", path: "/api/v1/hotline/orders/GD1/contact", post: org.PostShiftLead, status: 403},
	})
}

// TestAPI_HotlineSettings: the pull token never comes back, a PUT that
// sends the mask keeps it, and every change is audited without it.
func TestAPI_HotlineSettings(t *testing.T) {
	s, aud, h := newTestServer(t)
	runScenarios(t, h, aud, []apiScenario{
		{name: "operator reads", method: "GET", path: "/api/v1/hotline/settings", post: org.PostOperator, status: 403},
		{name: "admin reads, token masked", method: "GET", path: "/api/v1/hotline/settings", post: org.PostAdmin, status: 200,
			contains: []string{`"pull_token":"********"`, "hotline.example"}, notContains: []string{"secret-pull-token"}},
		{name: "operator changes", method: "PUT", path: "/api/v1/hotline/settings", body: `{"pull_url":"https://hotline.example/orders"}`, post: org.PostOperator, status: 403},
		{name: "invalid", method: "PUT", path: "/api/v1/hotline/settings", body: `{"contact_days":-1}`, post: org.PostAdmin, status: 400, contains: []string{"contact_days"}},
		{name: "keep the token", method: "PUT", path: "/api/v1/hotline/settings",
			body: `{"pull_url":"https://hotline.example/v2/orders","pull_token":"********","contact_days":2}`, post: org.PostAdmin, status: 200,
			contains: []string{"/v2/orders"}, notContains: []string{"secret-pull-token", "********"}, audit: "hotline.settings"},
	})
	if set, _ := s.Hotline.Settings(context.Background()); set.PullToken != "secret-pull-token" || set.ContactDays != 2 {
		t.Errorf("stored settings %+v", set)
	}
}

// TestAPI_HotlineSettingsAudit: the record says the token was kept and
// never holds it.
func TestAPI_HotlineSettingsAudit(t *testing.T) {
	_, aud, h := newTestServer(t)
	req := httptest.NewRequest("PUT", "/api/v1/hotline/settings", strings.NewReader(`{"pull_url":"https://u:p@hotline.example/o?k=1","pull_token":"********"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tokenOf(org.PostAdmin))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	recs := aud.take()
	if len(recs) != 1 {
		t.Fatalf("records %+v", recs)
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(recs[0].Detail), &d); err != nil {
		t.Fatal(err)
	}
	if d["pull_token"] != "kept" || d["pull_url"] != "https://hotline.example/o" || strings.Contains(recs[0].Detail, "secret-pull-token") ||
		recs[0].Actor != "acc-admin" || recs[0].Object != "hotline/settings" {
		t.Errorf("record %+v", recs[0])
	}
}

// TestAPI_ServiceNotSet: a resource whose service this node lacks answers
// 404 with a problem document, not a panic.
func TestAPI_ServiceNotSet(t *testing.T) {
	s := &Server{Accounts: fakeAccounts{}, Now: time.Now}
	mux := http.NewServeMux()
	s.Routes(mux)
	for _, p := range []string{"/api/v1/sensing/zones", "/api/v1/hub/datasets", "/api/v1/hotline/settings"} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		if rec.Code != 404 || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s", p, rec.Code, rec.Body)
		}
	}
}

// TestAPI_SensingGate: every sensing route, and only those, goes through
// the gate app sets (the owner's, which forwards to the node holding the
// state).
func TestAPI_SensingGate(t *testing.T) {
	s, _, h := newTestServer(t)
	var gated []string
	s.SensingGate = func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			gated = append(gated, r.URL.Path)
			next.ServeHTTP(w, r)
		})
	}
	for _, p := range []string{"/api/v1/sensing/zones", "/api/v1/hub/datasets", "/api/v1/sensing/parking/lots"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	if strings.Join(gated, " ") != "/api/v1/sensing/zones /api/v1/sensing/parking/lots" {
		t.Errorf("gated %v", gated)
	}
}
