package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// pgDSN, when set, makes TestAPI_ClosedLoop run on PostgreSQL.
var pgDSN string

type caseOut struct {
	ID         string   `json:"id"`
	Code       string   `json:"code"`
	Status     string   `json:"status"`
	Department string   `json:"department"`
	Suggested  string   `json:"suggested_department"`
	Light      string   `json:"light"`
	Grid       string   `json:"grid"`
	Street     string   `json:"street"`
	Allowed    []string `json:"allowed_actions"`
	Timeline   []struct {
		Action string `json:"action"`
		Post   string `json:"post"`
	} `json:"timeline"`
	Duplicates []struct{ ID string } `json:"duplicates"`
	Reworks    int                   `json:"rework_count"`
	Returns    int                   `json:"return_count"`
	Extensions int                   `json:"extension_count"`
	Recurrence string                `json:"recurrence_of"`
	Version    int                   `json:"version"`
	Deadlines  struct {
		StageDue string `json:"stage_due_at"`
		CaseDue  string `json:"case_due_at"`
	} `json:"deadlines"`
}

func act(t *testing.T, c *client, id string, body map[string]any, want int) caseOut {
	t.Helper()
	var out caseOut
	var raw json.RawMessage
	st := c.do("POST", "/api/v1/cases/"+id+"/actions", body, &raw)
	if st != want {
		t.Fatalf("%v: status %d, want %d: %s", body["action"], st, want, raw)
	}
	_ = json.Unmarshal(raw, &out)
	return out
}

// TestAPI_ClosedLoop walks one case around the whole loop as the demo posts,
// through return, extension, suspension, rework and recurrence.
func TestAPI_ClosedLoop(t *testing.T) {
	a := testApp(t, pgDSN)
	base := serve(t, a)
	sup, op, lead := login(t, base, "supervisor"), login(t, base, "operator"), login(t, base, "shiftlead")
	disp, h, h2, leader := login(t, base, "dispatcher"), login(t, base, "handler"), login(t, base, "handler2"), login(t, base, "leader")
	photo := uploadPhoto(t, sup)

	report := map[string]any{"category": "event:0504", "description": "店外经营占道", "lng": 118.71, "lat": 32.01, "photos": []string{photo}}
	var c caseOut
	if st := sup.do("POST", "/api/v1/cases", report, &c); st != 201 {
		t.Fatalf("report: %d", st)
	}
	if c.Status != "pending_accept" || c.Street != "320101001" || c.Light != "green" || c.Suggested != "enforcement" {
		t.Fatalf("intake: %+v", c)
	}
	// A second report at the same place is offered as a duplicate.
	var dup caseOut
	sup.do("POST", "/api/v1/cases", map[string]any{"category": "event:0504", "description": "同一处", "lng": 118.7101, "lat": 32.0101}, &dup)
	if len(dup.Duplicates) != 1 || dup.Duplicates[0].ID != c.ID {
		t.Fatalf("duplicate not found: %+v", dup.Duplicates)
	}
	act(t, op, dup.ID, map[string]any{"action": "merge", "into": c.ID, "note": "重复"}, 200)

	act(t, op, c.ID, map[string]any{"action": "accept"}, 200)
	act(t, lead, c.ID, map[string]any{"action": "file"}, 200)
	// Wrong department first, which returns it.
	act(t, disp, c.ID, map[string]any{"action": "dispatch", "department": "sanitation"}, 200)
	act(t, h, c.ID, map[string]any{"action": "sign"}, 404) // not its department: outside its jurisdiction
	out := act(t, h2, c.ID, map[string]any{"action": "return", "note": "非本单位职责"}, 200)
	if out.Status != "returned" || out.Returns != 1 {
		t.Fatalf("return: %+v", out)
	}
	act(t, disp, c.ID, map[string]any{"action": "redispatch", "department": "enforcement"}, 200)
	act(t, h, c.ID, map[string]any{"action": "sign"}, 200)
	act(t, h, c.ID, map[string]any{"action": "extend", "note": "需协调", "extra": map[string]any{"amount": 2, "unit": "working_hours"}}, 200)
	out = act(t, disp, c.ID, map[string]any{"action": "approve_extension"}, 200)
	if out.Extensions != 1 {
		t.Fatalf("extension not counted: %+v", out)
	}
	act(t, h, c.ID, map[string]any{"action": "suspend", "note": "需工程改造"}, 200)
	act(t, disp, c.ID, map[string]any{"action": "approve_suspension"}, 403) // leaders approve 挂账
	out = act(t, leader, c.ID, map[string]any{"action": "approve_suspension"}, 200)
	if out.Status != "suspended" || out.Light != "" {
		t.Fatalf("suspension: %+v", out)
	}
	act(t, leader, c.ID, map[string]any{"action": "resume"}, 200)
	after := uploadPhoto(t, h)
	act(t, h, c.ID, map[string]any{"action": "dispose", "note": "已清理", "photos": []string{after}}, 200)
	out = act(t, sup, c.ID, map[string]any{"action": "check", "passed": false, "note": "仍在经营", "photos": []string{after}}, 200)
	if out.Status != "in_disposal" || out.Reworks != 1 {
		t.Fatalf("rework: %+v", out)
	}
	act(t, h, c.ID, map[string]any{"action": "dispose", "note": "再次清理", "photos": []string{after}}, 200)
	act(t, sup, c.ID, map[string]any{"action": "check", "passed": true, "photos": []string{after}}, 200)
	act(t, h, c.ID, map[string]any{"action": "close"}, 403) // only the centre closes
	out = act(t, lead, c.ID, map[string]any{"action": "close"}, 200)
	if out.Status != "closed" {
		t.Fatalf("close: %+v", out)
	}
	act(t, op, c.ID, map[string]any{"action": "callback", "satisfaction": "satisfied"}, 200)

	var full caseOut
	op.do("GET", "/api/v1/cases/"+c.ID, nil, &full)
	var actions []string
	for _, e := range full.Timeline {
		actions = append(actions, e.Action)
	}
	want := "report accept file dispatch return redispatch sign extend approve_extension suspend approve_suspension resume dispose check dispose check close callback"
	if got := strings.Join(actions, " "); got != want {
		t.Fatalf("timeline:\n got %s\nwant %s", got, want)
	}

	// A new case at the same place, closed, is a recurrence of the first.
	var c2 caseOut
	sup.do("POST", "/api/v1/cases", map[string]any{"category": "event:0504", "description": "又出现了", "lng": 118.7102, "lat": 32.0100, "self_handled": true, "after_photos": []string{after}, "photos": []string{photo}}, &c2)
	if c2.Status != "pending_close" {
		t.Fatalf("self-handled case: %+v", c2)
	}
	out = act(t, lead, c2.ID, map[string]any{"action": "close"}, 200)
	if out.Recurrence != c.ID {
		t.Fatalf("recurrence not marked: %q", out.Recurrence)
	}

	// Lists filter by street and status.
	var list struct {
		Items []caseOut
		Total int
	}
	op.do("GET", "/api/v1/cases?region=320101001&status=closed", nil, &list)
	if list.Total != 2 {
		t.Fatalf("closed in street: %d", list.Total)
	}
	op.do("GET", "/api/v1/cases?region=320101002", nil, &list)
	if list.Total != 0 {
		t.Fatalf("other street: %d", list.Total)
	}
}

// TestAPI_BadInput checks that each bad request gets the right 4xx problem
// with a message, and writes nothing.
func TestAPI_BadInput(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	op := login(t, base, "operator")
	anon := login(t, base, "")
	admin := login(t, base, "admin")
	var c caseOut
	op.do("POST", "/api/v1/cases", map[string]any{"category": "event:0102", "description": "垃圾", "lng": 118.76, "lat": 32.05}, &c)

	tests := []struct {
		name   string
		cl     *client
		method string
		path   string
		body   any
		status int
		detail string
	}{
		{"malformed json", op, "POST", "/api/v1/cases", `{"lng": 118.7,`, 400, "JSON"},
		{"unknown field", op, "POST", "/api/v1/cases", map[string]any{"lng": 118.71, "lat": 32.01, "description": "x", "colour": "red"}, 400, "colour"},
		{"wrong type", op, "POST", "/api/v1/cases", map[string]any{"lng": "east", "lat": 32.01}, 400, "lng"},
		{"bare code is ambiguous", op, "POST", "/api/v1/cases", map[string]any{"category": "0101", "lng": 118.71, "lat": 32.01}, 400, "both"},
		{"unknown sub-class", op, "POST", "/api/v1/cases", map[string]any{"category": "event:0999", "lng": 118.71, "lat": 32.01}, 400, "dictionary"},
		{"outside the city", op, "POST", "/api/v1/cases", map[string]any{"description": "x", "lng": 116.39, "lat": 39.91}, 422, "outside"},
		{"bad crs", op, "POST", "/api/v1/cases", map[string]any{"description": "x", "lng": 118.71, "lat": 32.01, "crs": "utm"}, 400, "crs"},
		{"missing point", op, "POST", "/api/v1/cases", map[string]any{"description": "x"}, 400, "lng"},
		{"unknown photo", op, "POST", "/api/v1/cases", map[string]any{"description": "x", "lng": 118.71, "lat": 32.01, "photos": []string{strings.Repeat("a", 64)}}, 400, "upload"},
		{"anonymous as hotline", anon, "POST", "/api/v1/cases", map[string]any{"source": "hotline", "description": "x", "lng": 118.71, "lat": 32.01}, 401, "citizen"},
		{"wrong transition", op, "POST", "/api/v1/cases/" + c.ID + "/actions", map[string]any{"action": "close"}, 409, "pending_accept"},
		{"unknown action", op, "POST", "/api/v1/cases/" + c.ID + "/actions", map[string]any{"action": "fly"}, 400, "unknown action"},
		{"missing action", op, "POST", "/api/v1/cases/" + c.ID + "/actions", map[string]any{}, 400, "action"},
		{"no such case", op, "GET", "/api/v1/cases/nope", nil, 404, "does not exist"},
		{"list needs sign-in", anon, "GET", "/api/v1/cases", nil, 401, "sign in"},
		{"bad list filter", op, "GET", "/api/v1/cases?status=lost&limit=9999", nil, 400, "not valid"},
		{"unknown list parameter", op, "GET", "/api/v1/cases?colour=red", nil, 400, "not valid"},
		{"bad token", &client{t: t, base: base, token: "clt_nope"}, "GET", "/api/v1/cases", nil, 401, "unknown or expired"},
		{"wrong password", anon, "POST", "/api/v1/auth/token", map[string]string{"username": "operator", "password": "x"}, 401, "wrong"},
		{"locate outside", anon, "GET", "/api/v1/locate?lng=100&lat=20", nil, 422, "outside"},
		{"locate missing", anon, "GET", "/api/v1/locate", nil, 400, "required"},
		{"non-admin import", op, "POST", "/api/v1/regions/import", `{}`, 403, "admin"},
		{"bad import", admin, "POST", "/api/v1/regions/import", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"x9","name":"坏","level":"grid","parent":"nowhere"},"geometry":{"type":"Polygon","coordinates":[[[118.71,32.01],[118.72,32.02],[118.72,32.01],[118.71,32.02],[118.71,32.01]]]}}]}`, 400, "problem"},
		{"calendar range", anon, "GET", "/api/v1/calendar?from=2025-01-01&to=2024-01-01", nil, 400, "before"},
		{"unknown endpoint", anon, "GET", "/api/v1/nothing", nil, 404, "no endpoint"},
		{"text as photo", op, "POST", "/api/v1/photos", "just some text", 415, "JPEG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cl.t = t
			var p map[string]any
			st := tt.cl.do(tt.method, tt.path, tt.body, &p)
			if st != tt.status {
				t.Fatalf("status %d, want %d: %v", st, tt.status, p)
			}
			detail := fmt.Sprint(p["detail"], p["errors"])
			if !strings.Contains(strings.ToLower(detail), strings.ToLower(tt.detail)) {
				t.Fatalf("detail %q does not mention %q", detail, tt.detail)
			}
		})
	}
	// Nothing was half-written: only the one good case exists.
	var list struct{ Total int }
	op.do("GET", "/api/v1/cases", nil, &list)
	if list.Total != 1 {
		t.Fatalf("cases after bad input: %d", list.Total)
	}
}

func TestAPI_OpenAPICoversRoutes(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	login(t, base, "").do("GET", "/api/openapi.json", nil, &doc)
	for _, p := range []string{"/api/v1/cases", "/api/v1/cases/{id}/actions", "/api/v1/auth/token", "/api/v1/locate", "/api/v1/categories", "/api/v1/calendar", "/healthz"} {
		if doc.Paths[p] == nil {
			t.Errorf("openapi lacks %s", p)
		}
	}
	res, err := http.Get(base + "/api/v1/cases/x")
	if err != nil {
		t.Fatal(err)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("error content type %q", ct)
	}
	res.Body.Close()
}
