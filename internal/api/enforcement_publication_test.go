package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"cityloop/internal/enforce"
	"cityloop/internal/enforce/remind"
	"cityloop/internal/sensing"
	"cityloop/internal/store/enforcestore"
	"cityloop/internal/worktime"
)

// fakeSensingStore is the camera registry the sites are read from.
type fakeSensingStore struct{}

func (fakeSensingStore) Cameras(context.Context) ([]*sensing.Camera, error) {
	return []*sensing.Camera{
		{ID: "cam-1", Name: "中山路口", District: "320102", Watches: []string{"event:0504"}, Vendor: "secret-vendor"},
		{ID: "cam-2", Name: "井盖监测", District: "320102", Watches: []string{"event:0302"}},
	}, nil
}

func (fakeSensingStore) Policies(context.Context) ([]sensing.Policy, error) { return nil, nil }

// newPublicationRig is the enforcement rig with the publication services,
// the place registry and the camera sites.
func newPublicationRig(t *testing.T) *enforceRig {
	rig := &enforceRig{t: t, aud: &fakeAuditor{}, loop: &fakeLoop{}, now: time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)}
	now := func() time.Time { return rig.now }
	cal, _ := worktime.Default()
	svc := newTestEnforcement(t, now, rig.loop)
	db := svc.Store.(*enforcestore.DB)
	s := &Server{Accounts: enforceAccounts{}, Now: now, Auditor: rig.aud, Cal: cal, Enforcement: svc,
		EnforcementPublications: &enforce.Publications{Cases: svc, Store: db},
		EnforcementPlaces: &remind.Desk{Places: db, SiteSource: remind.SiteSource{Store: fakeSensingStore{},
			Violations: enforce.DefaultLoopCategories(), Name: func(c string) string { return map[string]string{"event:0504": "店外经营"}[c] }}}}
	mux := http.NewServeMux()
	s.Routes(mux)
	rig.h = mux
	return rig
}

func TestEnforcement_PublicationWithdraw(t *testing.T) {
	rig := newPublicationRig(t)
	m := rig.must("POST", "/api/v1/enforcement/cases", "o1", openBody(""), 201)
	id := m["id"].(string)
	rig.must("POST", "/api/v1/enforcement/cases/"+id+"/actions", "o1", `{"action":"summary",`+twoOfficer+`,"violation":"WASTE-01",
		"facts":{"party":"person","harm":1,"flags":["mitigating"]},"penalty":{"kinds":["fine"],"fine":100},
		"record":{"kind":"photo","files":["photo-1"]},"number":"宁城管简罚〔2026〕9号"}`, 200)
	pub := "/api/v1/enforcement/cases/" + id + "/disclosure"
	withdraw := pub + "/withdraw"
	good := `{"kind":"revoked","reason":"宁政复〔2026〕3号复议决定撤销"}`
	for _, tc := range []struct {
		name, method, path, who, body string
		status                        int
		want                          []string
		audit                         string
	}{
		{"anonymous staff view", "GET", pub, "", "", 401, nil, ""},
		{"a citizen", "GET", pub, "ct", "", 403, nil, ""},
		{"published at once: served on the spot", "GET", pub, "o1", "", 200, []string{`"state":"published"`, `"party":"赵*"`, `"due_at":"`}, ""},
		{"an enforcer may not withdraw", "POST", withdraw, "o1", good, 403, []string{"legal_reviewer"}, ""},
		{"kind and reason are required", "POST", withdraw, "R1", `{"kind":"x"}`, 400, []string{`"kind"`, `"reason"`}, ""},
		{"not in the future", "POST", withdraw, "R1", `{"kind":"changed","reason":"复议变更罚款数额","changed_at":"2027-01-01T00:00:00Z"}`, 400, []string{`"changed_at"`}, ""},
		{"unknown case", "POST", "/api/v1/enforcement/cases/nope/disclosure/withdraw", "R1", good, 404, nil, ""},
		{"withdrawn by the legal office, audited", "POST", withdraw, "R1", good, 200, []string{`"state":"withdrawn"`, `"late":false`}, "enforce.disclosure_withdraw"},
		{"twice is a conflict", "POST", withdraw, "L1", good, 409, []string{"撤回"}, ""},
		{"the public listing drops it", "GET", "/api/v1/enforcement/disclosures", "", "", 200, []string{`"total":0`}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, acts := rig.do(tc.method, tc.path, tc.who, tc.body)
			if code != tc.status {
				t.Fatalf("%d, want %d: %s", code, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Fatalf("no %s in %s", w, body)
				}
			}
			for _, secret := range []string{partyPhone, partyID, "小明"} {
				if strings.Contains(body, secret) {
					t.Fatalf("shows %q: %s", secret, body)
				}
			}
			if (tc.audit == "") != (len(acts) == 0) || (tc.audit != "" && acts[0] != tc.audit) {
				t.Fatalf("audited %v, want %q", acts, tc.audit)
			}
		})
	}
}

func TestEnforcement_PlacesAndSites(t *testing.T) {
	rig := newPublicationRig(t)
	for _, tc := range []struct {
		name, method, path, who, body string
		status                        int
		want                          []string
		audit                         string
	}{
		{"sites are public", "GET", "/api/v1/enforcement/monitoring-sites", "", "", 200,
			[]string{`"total":1`, `"id":"cam-1"`, `"name":"店外经营"`, `"mode":"remind"`, `"remind_minutes":15`}, ""},
		{"a citizen registers no place", "PUT", "/api/v1/enforcement/places", "ct", `{}`, 403, nil, ""},
		{"a place needs a contact", "PUT", "/api/v1/enforcement/places", "o1", `{"kind":"shop","ref":"S-1","name":"老王水果"}`, 400, []string{`"phone"`}, ""},
		{"a place is registered, audited", "PUT", "/api/v1/enforcement/places", "o1", `{"kind":"camera","ref":"cam-1","name":"老王水果","phone":"13800001111"}`, 200,
			[]string{`"registered":true`}, "pii.write"},
		{"the party looks up its reminders", "POST", "/api/v1/enforcement/reminders/lookup", "", `{"kind":"camera","ref":"CAM-1","contact":"13800001111"}`, 200,
			[]string{`"total":0`}, ""},
		{"a wrong contact is not found", "POST", "/api/v1/enforcement/reminders/lookup", "", `{"kind":"camera","ref":"cam-1","contact":"13800002222"}`, 404, nil, ""},
		{"an unregistered place is the same not found", "POST", "/api/v1/enforcement/reminders/lookup", "", `{"kind":"plate","ref":"苏A00000","contact":"13800001111"}`, 404, nil, ""},
		{"the contact is required", "POST", "/api/v1/enforcement/reminders/lookup", "", `{"kind":"camera","ref":"cam-1"}`, 400, []string{`"contact"`}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, acts := rig.do(tc.method, tc.path, tc.who, tc.body)
			if code != tc.status {
				t.Fatalf("%d, want %d: %s", code, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Fatalf("no %s in %s", w, body)
				}
			}
			for _, secret := range []string{"13800001111", "secret-vendor", "cam-2"} {
				if strings.Contains(body, secret) {
					t.Fatalf("shows %q: %s", secret, body)
				}
			}
			if (tc.audit == "") != (len(acts) == 0) || (tc.audit != "" && acts[0] != tc.audit) {
				t.Fatalf("audited %v, want %q", acts, tc.audit)
			}
		})
	}
}
