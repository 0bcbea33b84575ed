package app

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"cityloop/internal/sensing"
)

// HTTP tests of camera health (heartbeats, silent cameras as maintenance
// cases of component:0701) and of mixed sorting (event:0603). As in
// sensing_http_test.go the app is served without Run: the tests move the
// clock and call Detect and Work themselves.

type sensingCase struct {
	Status      string `json:"status"`
	Source      string `json:"source"`
	Category    string `json:"category"`
	Condition   int    `json:"condition"`
	Suggested   string `json:"suggested_department"`
	Department  string `json:"department"`
	ExternalRef string `json:"external_ref"`
}

func getSensingCase(t *testing.T, c *client, id string) sensingCase {
	t.Helper()
	var out sensingCase
	if st := c.do("GET", "/api/v1/cases/"+id, nil, &out); st != 200 {
		t.Fatalf("case %s: %d", id, st)
	}
	return out
}

type cameraFigures struct {
	Sensing struct {
		Cameras sensing.KindFigures `json:"cameras"`
	} `json:"sensing"`
}

func TestSensingHTTP_CameraHeartbeat(t *testing.T) {
	a := testApp(t, "")
	clock := &fakeClock{t: time.Now()}
	a.Now = clock.Now
	base := serve(t, a)
	admin, op, lead, disp, anon := login(t, base, "admin"), login(t, base, "operator"), login(t, base, "shiftlead"), login(t, base, "dispatcher"), login(t, base, "")
	ctx := context.Background()
	detect := func() {
		t.Helper()
		if err := a.sensing.Detect(ctx); err != nil {
			t.Fatal(err)
		}
		if err := a.sensing.Work(ctx); err != nil {
			t.Fatal(err)
		}
	}
	figures := func() sensing.KindFigures {
		t.Helper()
		var f cameraFigures
		if st := op.do("GET", "/api/v1/sensing/figures", nil, &f); st != 200 {
			t.Fatalf("figures: %d", st)
		}
		return f.Sensing.Cameras
	}

	if st := admin.do("PUT", "/api/v1/sensing/cameras/cam-h", map[string]any{"lng": 118.71, "lat": 32.03, "offline_after_s": 10}, nil); st != 400 {
		t.Fatalf("an allowance of 10 s: %d, want 400", st)
	}
	var cam sensing.Camera
	if st := admin.do("PUT", "/api/v1/sensing/cameras/cam-h", map[string]any{"name": "中山路口", "lng": 118.71, "lat": 32.03, "vendor": "dahua"}, &cam); st != 200 {
		t.Fatalf("put camera: %d", st)
	}
	if cam.Online || cam.LastSeen != nil || cam.OfflineAfterS != 600 {
		t.Fatalf("new camera %+v: want never reported, allowance 600 s", cam)
	}
	if f := figures(); f != (sensing.KindFigures{Total: 1, Silent: 1}) {
		t.Fatalf("figures before any heartbeat: %+v", f)
	}

	tests := []struct {
		name   string
		c      *client
		cam    string
		status int
		detail string
	}{
		{"not signed in", anon, "cam-h", 401, "sign in"},
		{"not a machine or admin", op, "cam-h", 403, "system or admin"},
		{"unknown camera", admin, "ghost", 404, "camera ghost is not registered"},
		{"registered camera", admin, "cam-h", 204, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, ct, raw := tt.c.rawDo("POST", "/api/v1/sensing/cameras/"+tt.cam+"/heartbeat", "")
			if st != tt.status {
				t.Fatalf("status %d, want %d: %s", st, tt.status, raw)
			}
			if st == 204 {
				return
			}
			var p struct{ Detail string }
			if !strings.HasPrefix(ct, "application/problem+json") || json.Unmarshal(raw, &p) != nil || !strings.Contains(p.Detail, tt.detail) {
				t.Fatalf("problem %s %s, want detail with %q", ct, raw, tt.detail)
			}
		})
	}
	if st, _, raw := admin.rawDo("POST", "/api/v1/sensing/cameras/cam-h/heartbeat", `{"status":"ok"}`); st != 204 {
		t.Fatalf("heartbeat with a status body: %d %s", st, raw)
	}
	if f := figures(); f != (sensing.KindFigures{Total: 1, Online: 1}) {
		t.Fatalf("figures after a heartbeat: %+v", f)
	}

	// Nine minutes of silence are within the allowance; eleven are not.
	clock.Add(9 * time.Minute)
	detect()
	if f := figures(); f.Online != 1 {
		t.Fatalf("figures after 9 min: %+v", f)
	}
	clock.Add(2 * time.Minute)
	detect()
	if f := figures(); f != (sensing.KindFigures{Total: 1, Offline: 1}) {
		t.Fatalf("figures after 11 min: %+v", f)
	}
	st, _ := a.sensing.CameraState("cam-h")
	if st.CaseID == "" {
		t.Fatalf("no maintenance case: %+v", st)
	}
	c := getSensingCase(t, admin, st.CaseID)
	if c.Category != sensing.MaintenanceCategory || c.Condition != 1 || c.Suggested != "info-center" ||
		c.Status != "pending_accept" || c.Source != "sensor" || c.ExternalRef != "sensing:cam-h:camera_offline" {
		t.Fatalf("maintenance case %+v", c)
	}
	detect()
	var list struct{ Total int }
	admin.do("GET", "/api/v1/cases?source=sensor", nil, &list)
	if list.Total != 1 {
		t.Fatalf("%d sensor cases after another tick, want 1", list.Total)
	}

	// The camera is back: its heartbeat ends the episode, and the worker
	// withdraws the case nobody has taken on yet.
	clock.Add(time.Minute)
	if st, _, raw := admin.rawDo("POST", "/api/v1/sensing/cameras/cam-h/heartbeat", ""); st != 204 {
		t.Fatalf("heartbeat: %d %s", st, raw)
	}
	detect()
	if got := getSensingCase(t, admin, st.CaseID).Status; got != "rejected" {
		t.Fatalf("case after the camera came back: %s", got)
	}
	if f := figures(); f != (sensing.KindFigures{Total: 1, Online: 1}) {
		t.Fatalf("figures after it came back: %+v", f)
	}

	// A silent device's maintenance case routes like any other case: filed,
	// it goes to the suggested department without naming one.
	mustPut(t, admin, "/api/v1/sensing/devices/noise-h", map[string]any{"kind": "noise", "lng": 118.76, "lat": 32.06, "interval_s": 60})
	postReadings(t, admin, reading("noise-h", clock.Now().Add(-time.Second), map[string]any{"noise_db": 45}))
	clock.Add(5 * time.Minute)
	detect()
	_, devCase := ruleCase(t, admin, "noise-h", sensing.RuleOffline)
	if devCase == "" {
		t.Fatal("no maintenance case for the silent device")
	}
	if c := getSensingCase(t, admin, devCase); c.Category != sensing.MaintenanceCategory || c.Suggested != "info-center" {
		t.Fatalf("device maintenance case %+v", c)
	}
	act(t, op, devCase, map[string]any{"action": "accept"}, 200)
	act(t, lead, devCase, map[string]any{"action": "file"}, 200)
	act(t, disp, devCase, map[string]any{"action": "dispatch"}, 200)
	if c := getSensingCase(t, admin, devCase); c.Department != "info-center" {
		t.Fatalf("dispatched to %q, want info-center", c.Department)
	}
}

func TestSensingHTTP_MixedSorting(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	admin, op := login(t, base, "admin"), login(t, base, "operator")
	mustPut(t, admin, "/api/v1/sensing/waste/points/wp-1", map[string]any{"name": "一号投放点", "lng": 118.71, "lat": 32.02})
	mustPut(t, admin, "/api/v1/sensing/cameras/cam-w", map[string]any{"lng": 118.71, "lat": 32.02, "vendor": "hik", "point": "wp-1"})
	var out map[string]any
	if st := admin.do("POST", "/api/v1/sensing/camera-events", map[string]any{"camera_id": "cam-w", "code": "mixed_sorting",
		"confidence": 0.9, "bbox": []float64{0.4, 0.4, 0.2, 0.2}}, &out); st != 201 || out["verdict"] != "case" {
		t.Fatalf("mixed sorting event: %d %v", st, out)
	}
	c := getSensingCase(t, admin, out["case_id"].(string))
	if c.Category != sensing.MixedSortingCategory || c.Suggested != "sanitation" || c.Source != "camera" || c.Status != "pending_accept" {
		t.Fatalf("mixed sorting case %+v", c)
	}
	var comp complianceOut
	if st := op.do("GET", "/api/v1/sensing/waste/compliance?days=1", nil, &comp); st != 200 {
		t.Fatalf("compliance: %d", st)
	}
	if len(comp.Items) != 1 || comp.Items[0].BadDays != 1 || comp.Items[0].Rate != 0 {
		t.Fatalf("compliance after mixed sorting: %+v", comp)
	}
	// The event was a sign of life too.
	var cams struct{ Items []sensing.Camera }
	admin.do("GET", "/api/v1/sensing/cameras", nil, &cams)
	if len(cams.Items) != 1 || !cams.Items[0].Online || cams.Items[0].LastSeen == nil {
		t.Fatalf("camera after an event: %+v", cams.Items)
	}
}
