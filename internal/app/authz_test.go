package app

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestAuthz_Matrix asserts the exact status of every post on every kind of
// endpoint, for a case inside its jurisdiction ("own": street 320101001,
// department enforcement) and one outside ("foreign": street 320101002,
// department sanitation). Outside means 404, never 403.
func TestAuthz_Matrix(t *testing.T) { authzMatrix(t, "") }

func TestAuthz_MatrixPostgres(t *testing.T) {
	url := os.Getenv("CITYLOOP_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("CITYLOOP_TEST_POSTGRES_URL not set: skipping the PostgreSQL authorization matrix")
	}
	authzMatrix(t, freshPostgres(t, url))
}

func authzMatrix(t *testing.T, dsn string) {
	a := testApp(t, dsn)
	base := serve(t, a)
	op, lead, disp := login(t, base, "operator"), login(t, base, "shiftlead"), login(t, base, "dispatcher")
	mk := func(lng float64, dept string) string {
		var c caseOut
		if st := op.do("POST", "/api/v1/cases", map[string]any{"category": "event:0504", "description": "店外经营", "lng": lng, "lat": 32.01}, &c); st != 201 {
			t.Fatalf("report: %d", st)
		}
		act(t, op, c.ID, map[string]any{"action": "accept"}, 200)
		act(t, lead, c.ID, map[string]any{"action": "file"}, 200)
		act(t, disp, c.ID, map[string]any{"action": "dispatch", "department": dept}, 200)
		return c.ID
	}
	own, foreign := mk(118.71, "enforcement"), mk(118.76, "sanitation")

	type row struct {
		name   string
		method string
		path   string
		body   any
	}
	endpoints := []row{
		{"list", "GET", "/api/v1/cases", nil},
		{"view own", "GET", "/api/v1/cases/" + own, nil},
		{"view foreign", "GET", "/api/v1/cases/" + foreign, nil},
		{"urge own", "POST", "/api/v1/cases/" + own + "/actions", map[string]any{"action": "urge", "note": "请尽快处置"}},
		{"urge foreign", "POST", "/api/v1/cases/" + foreign + "/actions", map[string]any{"action": "urge", "note": "请尽快处置"}},
		{"sign own", "POST", "/api/v1/cases/" + own + "/actions", map[string]any{"action": "sign", "version": 999}},
		{"import regions", "POST", "/api/v1/regions/import", `{"type":"FeatureCollection","features":[]}`},
		{"add rule", "POST", "/api/v1/routing-rules", map[string]any{"category": "event:0999"}},
		{"edit department", "PUT", "/api/v1/departments/x", map[string]any{"code": "y"}},
		{"audit", "GET", "/api/v1/audit", nil},
		{"categories", "GET", "/api/v1/categories", nil},
		{"report", "POST", "/api/v1/cases", map[string]any{"description": "x", "lng": 118.77, "lat": 32.02}}, // in the foreign street: counts stay fixed for street staff
	}
	// want[user] lists the status per endpoint, in the order above.
	// "sign own" carries a stale version, so a caller allowed to reach the
	// case gets 409 and nothing changes.
	want := map[string][]int{
		"":           {401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 200, 201},
		"supervisor": {200, 200, 404, 403, 404, 409, 403, 403, 403, 403, 200, 201},
		"operator":   {200, 200, 200, 403, 403, 409, 403, 403, 403, 403, 200, 201},
		"shiftlead":  {200, 200, 200, 403, 403, 409, 403, 403, 403, 403, 200, 201},
		"dispatcher": {200, 200, 200, 200, 200, 409, 403, 403, 403, 403, 200, 201},
		"handler":    {200, 200, 404, 403, 404, 409, 403, 403, 403, 403, 200, 201},
		"handler2":   {200, 404, 200, 404, 403, 404, 403, 403, 403, 403, 200, 201},
		"leader":     {200, 200, 200, 200, 200, 409, 403, 403, 403, 403, 200, 201},
		"admin":      {200, 200, 200, 403, 403, 409, 400, 400, 400, 403, 200, 201},
		"auditor":    {200, 404, 404, 404, 404, 404, 403, 403, 403, 200, 200, 201},
	}
	visible := map[string]int{"supervisor": 1, "handler": 1, "handler2": 1, "auditor": 0}
	for user, statuses := range want {
		cl := login(t, base, user)
		for i, ep := range endpoints {
			t.Run(fmt.Sprintf("%s/%s", orAnon(user), ep.name), func(t *testing.T) {
				cl.t = t
				var out map[string]any
				st := cl.do(ep.method, ep.path, ep.body, &out)
				if st != statuses[i] {
					t.Fatalf("status %d, want %d: %v", st, statuses[i], out["detail"])
				}
				if st == 404 && strings.Contains(ep.path, "/cases/") && !strings.Contains(fmt.Sprint(out["detail"]), "does not exist") {
					t.Fatalf("404 must read like a missing case: %v", out["detail"])
				}
				if ep.name == "list" && st == 200 {
					n, ok := visible[user]
					if !ok {
						n = 2 // centre posts see the whole city
					}
					if got := int(out["total"].(float64)); got < n || (ok && got != n) {
						t.Fatalf("list total %d, want %d", got, n)
					}
				}
			})
		}
	}
}

func orAnon(u string) string {
	if u == "" {
		return "anonymous"
	}
	return u
}
