package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"cityloop/internal/auth"
	"cityloop/internal/errs"
	"cityloop/internal/inspect"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// memInspections is an inspect.Store in memory, with the store's
// conditional state changes, so the scenarios run the real service.
type memInspections struct {
	mu    sync.Mutex
	plans map[string]*inspect.Plan
	seeds map[string][]byte
	order []string
}

// clone copies a plan through JSON, so that callers never share memory
// with the store.
func clone(p *inspect.Plan) *inspect.Plan {
	b, err := json.Marshal(p)
	if err != nil {
		panic(err)
	}
	var q inspect.Plan
	if err := json.Unmarshal(b, &q); err != nil {
		panic(err)
	}
	return &q
}

func (m *memInspections) CreatePlan(ctx context.Context, p *inspect.Plan) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.plans[p.ID] = clone(p)
	m.order = append([]string{p.ID}, m.order...)
	return nil
}

func (m *memInspections) UpdatePlan(ctx context.Context, p *inspect.Plan) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.plans[p.ID]
	if old == nil || old.Status != inspect.StatusDraft || old.Version != p.Version {
		return errs.Conflict("plan %s moved on", p.ID)
	}
	q := clone(p)
	q.Version++
	m.plans[p.ID] = q
	return nil
}

func (m *memInspections) FindPlanByID(ctx context.Context, id string) (*inspect.Plan, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.plans[id]
	if p == nil {
		return nil, errs.NotFound("no inspection plan %s", id)
	}
	return clone(p), nil
}

func (m *memInspections) FindPlans(ctx context.Context, f inspect.Filter) ([]*inspect.Plan, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*inspect.Plan
	for _, id := range m.order {
		p := m.plans[id]
		ok := len(f.Statuses) == 0
		for _, s := range f.Statuses {
			ok = ok || p.Status == s
		}
		if ok {
			q := clone(p)
			q.Objects, q.Inspectors, q.Conflicts = nil, nil, nil
			out = append(out, q)
		}
	}
	total := len(out)
	out = out[min(f.Offset, len(out)):]
	return out[:min(f.Limit, len(out))], total, nil
}

func (m *memInspections) CommitPlan(ctx context.Context, id string, version int, c inspect.Commitment, seed []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.plans[id]
	if p == nil || p.Status != inspect.StatusDraft || p.Version != version {
		return errs.Conflict("plan %s moved on", id)
	}
	p.Status, p.Commitment = inspect.StatusCommitted, &c
	p.Version++
	m.seeds[id] = seed
	return nil
}

func (m *memInspections) FindSeed(ctx context.Context, id string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.seeds[id], nil
}

func (m *memInspections) SaveDraw(ctx context.Context, id string, d inspect.Draw) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.plans[id]
	if p.Status != inspect.StatusCommitted {
		return errs.Conflict("plan %s is %s", id, p.Status)
	}
	p.Status, p.Draw = inspect.StatusDrawn, &d
	p.Version++
	return nil
}

func (m *memInspections) SaveOutcome(ctx context.Context, id string, o inspect.Outcome) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, a := range m.plans[id].Draw.Assignments {
		if a.Object.ID == o.Object {
			m.plans[id].Draw.Assignments[i].Outcome = &o
			return nil
		}
	}
	return errs.NotFound("object %s not drawn", o.Object)
}

// inspectAccounts adds the leader and the enforcer to the fake accounts.
type inspectAccounts struct{ fakeAccounts }

func (f inspectAccounts) FindToken(ctx context.Context, hash []byte, now time.Time) (*org.Token, *org.Account, error) {
	for _, p := range []org.Post{org.PostLeader, org.PostEnforcer} {
		if string(auth.HashToken(tokenOf(p))) == string(hash) {
			return &org.Token{AccountID: "acc-" + string(p), ExpiresAt: now.Add(time.Hour)}, f.account(p), nil
		}
	}
	return f.fakeAccounts.FindToken(ctx, hash, now)
}

// newInspectionServer is the test server with the inspection service on
// memory, its clock at now.
func newInspectionServer(t *testing.T, now *time.Time) (*memInspections, *fakeAuditor, http.Handler) {
	t.Helper()
	s, aud, _ := newTestServer(t)
	cal, err := worktime.Default()
	if err != nil {
		t.Fatal(err)
	}
	mem := &memInspections{plans: map[string]*inspect.Plan{}, seeds: map[string][]byte{}}
	n := 0
	s.Accounts = inspectAccounts{}
	s.Inspections = &inspect.Service{Store: mem, Cal: cal, Now: func() time.Time { return *now },
		NewID: func() string { n++; return fmt.Sprintf("plan-%d", n) }}
	mux := http.NewServeMux()
	s.Routes(mux)
	return mem, aud, mux
}

// planJSON is a plan of 12 objects (vendors with a contact) and 5
// inspectors with phones, one declared conflict.
func planJSON(per int) string {
	var objs, insps []string
	for i := range 12 {
		objs = append(objs, fmt.Sprintf(`{"id":"o%02d","name":"水果摊%d","kind":"vendor","district":"玄武区","address":"珠江路%d号","contact":"王小二","phone":"13812345678"}`, i, i, i))
	}
	for i := range 5 {
		insps = append(insps, fmt.Sprintf(`{"id":"i%d","name":"执法队员%d","certificate":"3201000%d","phone":"13900001111"}`, i, i, i))
	}
	return fmt.Sprintf(`{"name":"2026年第三季度占道经营抽查","period":"2026Q3","count":4,"per_object":%d,"objects":[%s],"inspectors":[%s],`+
		`"conflicts":[{"inspector":"i0","object":"o00","reason":"其配偶经营此摊"}]}`, per, strings.Join(objs, ","), strings.Join(insps, ","))
}

// TestAPI_Inspections walks a plan through its life over HTTP.
func TestAPI_Inspections(t *testing.T) {
	now := time.Date(2026, 9, 1, 1, 30, 0, 0, time.UTC)
	mem, aud, h := newInspectionServer(t, &now)
	secrets := []string{"13812345678", "13900001111", "王小二", "其配偶经营此摊"}
	runScenarios(t, h, aud, []apiScenario{
		{name: "anonymous lists plans", method: "GET", path: "/api/v1/inspections", status: 401},
		{name: "an operator creates a plan", method: "POST", path: "/api/v1/inspections", body: planJSON(2), post: org.PostOperator, status: 403, contains: []string{"leader or admin"}},
		{name: "one inspector per object", method: "POST", path: "/api/v1/inspections", body: planJSON(1), post: org.PostLeader,
			status: 400, contains: []string{`"field":"per_object"`, "第四十二条", "Art. 42"}},
		{name: "too few inspectors after recusal", method: "POST", path: "/api/v1/inspections", body: planJSON(5), post: org.PostLeader,
			status: 422, contains: []string{"o00", "回避", "recusal"}},
		{name: "an unknown field", method: "POST", path: "/api/v1/inspections", body: `{"name":"x","seed":"00"}`, post: org.PostLeader, status: 400, contains: []string{"seed"}},
		{name: "a leader creates a plan", method: "POST", path: "/api/v1/inspections", body: planJSON(2), post: org.PostLeader,
			status: 201, contains: []string{`"id":"plan-1"`, `"status":"draft"`, "138****5678", `"plan_hash":"`}, notContains: secrets, audit: "inspection.create"},
		{name: "a leader changes the draft", method: "PUT", path: "/api/v1/inspections/plan-1", body: planJSON(3), post: org.PostLeader,
			status: 200, contains: []string{`"per_object":3`}, audit: "inspection.update"},
		{name: "draw before commitment", method: "POST", path: "/api/v1/inspections/plan-1/draw", post: org.PostLeader, status: 409, contains: []string{"commit"}},
		{name: "an enforcer commits", method: "POST", path: "/api/v1/inspections/plan-1/commit", post: org.PostEnforcer, status: 403},
		{name: "a leader commits", method: "POST", path: "/api/v1/inspections/plan-1/commit", post: org.PostLeader,
			status: 200, contains: []string{`"status":"committed"`, `"commitment":"`}, notContains: []string{`"seed"`}, audit: "inspection.commit"},
		{name: "change after commitment", method: "PUT", path: "/api/v1/inspections/plan-1", body: planJSON(2), post: org.PostLeader,
			status: 409, contains: []string{"不能再修改", "can no longer change"}},
		{name: "public before the draw: commitment, no seed", method: "GET", path: "/api/v1/inspections/public",
			status: 200, contains: []string{`"commitment":"`, `"total":1`}, notContains: []string{`"seed"`}},
		{name: "verify before the draw", method: "GET", path: "/api/v1/inspections/public/plan-1/verify", status: 409, contains: []string{"not drawn"}},
		{name: "a leader draws", method: "POST", path: "/api/v1/inspections/plan-1/draw", post: org.PostLeader,
			status: 200, contains: []string{`"status":"drawn"`, `"seed":"`, `"pending":4`}, audit: "inspection.draw"},
		{name: "a second draw", method: "POST", path: "/api/v1/inspections/plan-1/draw", post: org.PostLeader, status: 409, contains: []string{"never repeated"}},
		{name: "staff read the plan masked", method: "GET", path: "/api/v1/inspections/plan-1", post: org.PostOperator,
			status: 200, contains: []string{"138****5678", "已密封"}, notContains: secrets},
		{name: "a citizen reads the plan", method: "GET", path: "/api/v1/inspections/plan-1", post: org.PostCitizen, status: 403},
	})

	// Outcomes on the drawn objects.
	p := mem.plans["plan-1"]
	drawn := p.Draw.Assignments[0].Object.ID
	var notDrawn string
	for _, o := range p.Objects {
		if !slices.ContainsFunc(p.Draw.Assignments, func(a inspect.Assignment) bool { return a.Object.ID == o.ID }) {
			notDrawn = o.ID
		}
	}
	now = now.Add(48 * time.Hour)
	runScenarios(t, h, aud, []apiScenario{
		{name: "an enforcer records an outcome", method: "POST", path: "/api/v1/inspections/plan-1/outcomes", post: org.PostEnforcer,
			body:   fmt.Sprintf(`{"object_id":%q,"outcome":"rectify","note":"占道经营，摊主电话 13812345678","inspected_at":"2026-09-02T10:00:00+08:00"}`, drawn),
			status: 200, contains: []string{`"outcome":"rectify"`, "责令整改", `"on_time":true`, `"publish_by":"`}, audit: "inspection.outcome"},
		{name: "an object not drawn", method: "POST", path: "/api/v1/inspections/plan-1/outcomes", post: org.PostEnforcer,
			body: fmt.Sprintf(`{"object_id":%q,"outcome":"passed","inspected_at":"2026-09-02T10:00:00+08:00"}`, notDrawn), status: 400, contains: []string{"object_id"}},
		{name: "an unknown outcome", method: "POST", path: "/api/v1/inspections/plan-1/outcomes", post: org.PostEnforcer,
			body: fmt.Sprintf(`{"object_id":%q,"outcome":"fined","inspected_at":"2026-09-02T10:00:00+08:00"}`, drawn), status: 400, contains: []string{"合格", "passed"}},
		{name: "a time that is not RFC 3339", method: "POST", path: "/api/v1/inspections/plan-1/outcomes", post: org.PostEnforcer,
			body: fmt.Sprintf(`{"object_id":%q,"outcome":"passed","inspected_at":"9月2日"}`, drawn), status: 400, contains: []string{"RFC 3339"}},
		{name: "a handler records an outcome", method: "POST", path: "/api/v1/inspections/plan-1/outcomes", post: org.PostHandler,
			body: `{"object_id":"o01","outcome":"passed"}`, status: 403},
		{name: "the public sees the result, masked", method: "GET", path: "/api/v1/inspections/public",
			status: 200, contains: []string{`"seed":"`, "责令整改", "执法队员", `"certificate":"3201000`, "摊主电话 ***********"}, notContains: secrets},
		{name: "the public verifies the draw", method: "GET", path: "/api/v1/inspections/public/plan-1/verify", status: 200, contains: []string{`"match":true`}},
		{name: "a draft is not public", method: "GET", path: "/api/v1/inspections/public/plan-9/plan", status: 404},
		{name: "a bad page", method: "GET", path: "/api/v1/inspections/public?limit=0", status: 400, contains: []string{"limit"}},
	})

	// The published document hashes to the committed plan hash, and holds
	// no personal data.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/inspections/public/plan-1/plan", nil))
	sum := sha256.Sum256(rec.Body.Bytes())
	if rec.Code != 200 || hex.EncodeToString(sum[:]) != p.Commitment.PlanHash {
		t.Fatalf("document %d: hash %x, committed %s", rec.Code, sum, p.Commitment.PlanHash)
	}
	for _, s := range append(secrets, "珠江路") {
		if strings.Contains(rec.Body.String(), s) {
			t.Errorf("the published document holds %q", s)
		}
	}

	// A result changed behind the service's back no longer verifies.
	mem.mu.Lock()
	a := &mem.plans["plan-1"].Draw.Assignments[1]
	a.Inspectors[0], a.Inspectors[1] = a.Inspectors[1], a.Inspectors[0]
	mem.mu.Unlock()
	runScenarios(t, h, aud, []apiScenario{
		{name: "a changed result", method: "GET", path: "/api/v1/inspections/public/plan-1/verify", status: 200, contains: []string{`"match":false`, "should have inspectors"}},
	})
}

// TestAPI_InspectionsNotServed: without the service the routes answer 404
// after the caller check.
func TestAPI_InspectionsNotServed(t *testing.T) {
	_, aud, h := newTestServer(t)
	runScenarios(t, h, aud, []apiScenario{
		{name: "public", method: "GET", path: "/api/v1/inspections/public", status: 404, contains: []string{"not served"}},
		{name: "anonymous create", method: "POST", path: "/api/v1/inspections", body: `{}`, status: 401},
	})
}
