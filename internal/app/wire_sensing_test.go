package app

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"cityloop/internal/ingest/mqtt"
)

// runApp starts the node's HTTP server and background work (the sensing
// worker and ticks) and stops them when the test ends.
func runApp(t *testing.T, a *App) string {
	t.Helper()
	if err := a.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + a.Addr()
}

func waitFor(t *testing.T, d time.Duration, what string, fn func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !fn() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type deviceView struct {
	Device struct {
		Online bool `json:"online"`
	} `json:"device"`
	Rules []struct {
		Rule   string `json:"rule_id"`
		Phase  string `json:"phase"`
		CaseID string `json:"case_id"`
	} `json:"rules"`
}

func ruleCase(t *testing.T, c *client, dev, rule string) (phase, caseID string) {
	var v deviceView
	if st := c.do("GET", "/api/v1/sensing/devices/"+dev, nil, &v); st != 200 {
		t.Fatalf("device view: %d", st)
	}
	for _, r := range v.Rules {
		if r.Rule == rule {
			return r.Phase, r.CaseID
		}
	}
	return "", ""
}

func caseStatus(t *testing.T, c *client, id string) caseOut {
	var out caseOut
	if st := c.do("GET", "/api/v1/cases/"+id, nil, &out); st != 200 {
		t.Fatalf("case %s: %d", id, st)
	}
	return out
}

// TestSensing_MQTTCaseLifecycle publishes a bin's fill level to the real
// broker: the case opens (filed automatically: a high-confidence rule), a
// flapping sensor keeps it one case, and once the department has disposed
// of it, readings that stay normal check and close it.
func TestSensing_MQTTCaseLifecycle(t *testing.T) {
	addr := os.Getenv("CITYLOOP_TEST_MQTT_ADDR")
	if addr == "" {
		t.Skip("CITYLOOP_TEST_MQTT_ADDR not set: skipping the MQTT end-to-end test (e.g. CITYLOOP_TEST_MQTT_ADDR=127.0.0.1:1883)")
	}
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	t.Setenv("CITYLOOP_MQTT_ADDR", addr)
	t.Setenv("CITYLOOP_MQTT_GROUP", "test"+suffix)
	t.Setenv("CITYLOOP_MQTT_CLIENT_ID", "cityloop-test-"+suffix)
	t.Setenv("CITYLOOP_MQTT_SESSION_EXPIRY", "5s") // do not leave a queue behind on the shared broker
	a := testApp(t, "")
	base := runApp(t, a)
	admin, disp, h2 := login(t, base, "admin"), login(t, base, "dispatcher"), login(t, base, "handler2")
	dev := "bin-" + suffix
	// ClearFor 2 s (of reading time) keeps the test short.
	if st := admin.do("PUT", "/api/v1/sensing/rules/bin-full", map[string]any{"kind": "bin", "metric": "fill_pct", "threshold": 90, "clear": 50,
		"for": "0s", "clear_for": "2s", "category": "component:0305", "condition": 1, "auto_file": true, "title": "垃圾桶满溢"}, nil); st != 200 {
		t.Fatalf("put rule: %d", st)
	}
	if st := admin.do("PUT", "/api/v1/sensing/devices/"+dev, map[string]any{"kind": "bin", "lng": 118.71, "lat": 32.02, "interval_s": 600}, nil); st != 200 {
		t.Fatalf("put device: %d", st)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pub, err := mqtt.Dial(ctx, mqtt.ConnConfig{Addr: addr, ClientID: "pub-" + suffix, CleanStart: true})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().Add(-time.Minute).Truncate(time.Second)
	n := 0
	send := func(fill float64) {
		n++
		b, _ := json.Marshal(map[string]any{"ts": float64(t0.Add(time.Duration(n)*time.Second).UnixMicro()) / 1e6, "values": map[string]float64{"fill_pct": fill}})
		if err := pub.PublishSync(ctx, "cityloop/telemetry/"+dev, b); err != nil {
			t.Fatal(err)
		}
	}
	// The subscription is set up when Run starts; wait for it by retrying the first reading.
	start := time.Now()
	send(95)
	var caseID string
	waitFor(t, 15*time.Second, "the case to open", func() bool {
		_, caseID = ruleCase(t, admin, dev, "bin-full")
		if caseID == "" && time.Since(start) > 3*time.Second {
			send(96) // the first may have arrived before the subscription
			start = time.Now()
		}
		return caseID != ""
	})
	c := caseStatus(t, admin, caseID)
	if c.Status != "pending_dispatch" && c.Status != "dispatched" {
		t.Fatalf("auto-filed case status %s", c.Status)
	}
	// Flapping: over and under the clear level, never 2 s normal in a row.
	for _, v := range []float64{40, 97, 30, 99, 45, 95} {
		send(v)
	}
	waitFor(t, 5*time.Second, "the flapping readings", func() bool { p, _ := ruleCase(t, admin, dev, "bin-full"); return p == "firing" })
	if _, id := ruleCase(t, admin, dev, "bin-full"); id != caseID {
		t.Fatalf("flapping opened another case: %s vs %s", id, caseID)
	}
	var list struct{ Total int }
	admin.do("GET", "/api/v1/cases?source=sensor", nil, &list)
	if list.Total != 1 {
		t.Fatalf("%d sensor cases, want 1", list.Total)
	}
	// The department disposes of it.
	photo := uploadPhoto(t, h2)
	if c.Status == "pending_dispatch" {
		act(t, disp, caseID, map[string]any{"action": "dispatch", "department": "sanitation"}, 200)
	}
	act(t, h2, caseID, map[string]any{"action": "sign"}, 200)
	act(t, h2, caseID, map[string]any{"action": "dispose", "note": "已清运", "photos": []string{photo}}, 200)
	// Normal for 3 s of reading time: the system checks and closes it.
	send(10)
	send(12)
	send(8)
	send(9)
	waitFor(t, 10*time.Second, "the case to close", func() bool { return caseStatus(t, admin, caseID).Status == "closed" })
	closed := caseStatus(t, admin, caseID)
	last := closed.Timeline[len(closed.Timeline)-1]
	if last.Action != "close" || last.Post != "shift_lead" {
		t.Fatalf("last event %+v", last)
	}
}

// TestSensing_CameraEvents: duplicates collapse to one case; an operator's
// confirmations and rejections move the measured precision; a hawker inside
// a vending zone at its hours makes no case.
func TestSensing_CameraEvents(t *testing.T) {
	a := testApp(t, "")
	base := runApp(t, a)
	admin, op := login(t, base, "admin"), login(t, base, "operator")
	for _, cam := range []string{"cam-1", "cam-2", "cam-3"} {
		lng := map[string]float64{"cam-1": 118.71, "cam-2": 118.76, "cam-3": 118.72}[cam]
		if st := admin.do("PUT", "/api/v1/sensing/cameras/"+cam, map[string]any{"lng": lng, "lat": 32.03, "vendor": "dahua",
			"watches": []string{"event:0501", "event:0102"}}, nil); st != 200 {
			t.Fatalf("put camera: %d", st)
		}
	}
	img := base64.StdEncoding.EncodeToString(tinyPNG)
	event := func(cam string, conf float64, extra map[string]any) (int, map[string]any) {
		body := map[string]any{"camera_id": cam, "code": "884", "confidence": conf, "bbox": []float64{0.4, 0.4, 0.1, 0.1}, "image": img}
		for k, v := range extra {
			body[k] = v
		}
		var out map[string]any
		st := admin.do("POST", "/api/v1/sensing/camera-events", body, &out)
		return st, out
	}
	// 200 sightings of one stall within the hour: one case.
	st, first := event("cam-1", 0.9, nil)
	if st != 201 || first["verdict"] != "case" || first["case_id"] == "" {
		t.Fatalf("first sighting: %d %v", st, first)
	}
	for i := 0; i < 199; i++ {
		if st, out := event("cam-1", 0.85, nil); st != 200 || out["verdict"] != "duplicate" {
			t.Fatalf("sighting %d: %d %v", i, st, out)
		}
	}
	var list struct{ Total int }
	admin.do("GET", "/api/v1/cases?source=camera", nil, &list)
	if list.Total != 1 {
		t.Fatalf("%d camera cases after 200 sightings, want 1", list.Total)
	}
	c := caseStatus(t, admin, first["case_id"].(string))
	if c.Status != "pending_accept" {
		t.Fatalf("AI case %s, want pending_accept (a person confirms)", c.Status)
	}
	// A low-confidence sighting elsewhere is dropped.
	if _, out := event("cam-2", 0.3, nil); out["verdict"] != "ignored_low_confidence" {
		t.Fatalf("low confidence: %v", out)
	}
	// A second stall at cam-2: the operator rejects it (false positive).
	_, second := event("cam-2", 0.8, nil)
	act(t, op, first["case_id"].(string), map[string]any{"action": "accept"}, 200)
	act(t, op, second["case_id"].(string), map[string]any{"action": "reject", "note": "误报：是公交站候车人员"}, 200)
	type acc struct {
		Overall struct {
			Confirmed int      `json:"confirmed"`
			False     int      `json:"false_positive"`
			Precision *float64 `json:"precision"`
		} `json:"overall"`
		ByCamera []struct {
			Key       string `json:"key"`
			Confirmed int    `json:"confirmed"`
			False     int    `json:"false_positive"`
		} `json:"by_camera"`
	}
	var ac acc
	waitFor(t, 10*time.Second, "precision to count both judgements", func() bool {
		admin.do("GET", "/api/v1/sensing/accuracy", nil, &ac)
		return ac.Overall.Confirmed == 1 && ac.Overall.False == 1
	})
	if ac.Overall.Precision == nil || *ac.Overall.Precision != 0.5 || len(ac.ByCamera) != 2 {
		t.Fatalf("accuracy %+v", ac)
	}
	// A vending zone round cam-3, open all day for fruit.
	if st := admin.do("PUT", "/api/v1/sensing/zones/night-market", map[string]any{"name": "夜市疏导区",
		"ring":  [][2]float64{{118.715, 32.025}, {118.725, 32.025}, {118.725, 32.035}, {118.715, 32.035}},
		"hours": []map[string]string{{"from": "00:00", "to": "24:00"}}, "goods": []string{"fruit"}}, nil); st != 200 {
		t.Fatalf("put zone: %d", st)
	}
	if _, out := event("cam-3", 0.95, map[string]any{"goods": "fruit"}); out["verdict"] != "allowed_zone" || out["case_id"] != nil {
		t.Fatalf("hawker in the zone: %v", out)
	}
	if _, out := event("cam-3", 0.95, map[string]any{"goods": "grill"}); out["verdict"] != "case" {
		t.Fatalf("goods the zone does not allow: %v", out)
	}
}
