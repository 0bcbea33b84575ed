package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/sensing"
)

// HTTP-level tests of the sensing intake, parking and waste endpoints. The
// app is served without Run, so the worker and ticks do not run by
// themselves: tests call a.sensing.Work and a.sensingOwner.tick where they need them.

// rawDo sends body as is and returns the status, Content-Type and body.
func (c *client) rawDo(method, path, body string) (int, string, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), raw
}

func mustPut(t *testing.T, c *client, path string, body any) {
	t.Helper()
	var out map[string]any
	if st := c.do("PUT", path, body, &out); st != 200 {
		t.Fatalf("PUT %s: %d %v", path, st, out)
	}
}

// reading is one telemetry reading at t with values.
func reading(dev string, t time.Time, values map[string]any) map[string]any {
	return map[string]any{"device_id": dev, "ts": t.UTC().Format(time.RFC3339Nano), "values": values}
}

func postReadings(t *testing.T, c *client, rs ...map[string]any) {
	t.Helper()
	var body any = rs[0]
	if len(rs) > 1 {
		body = map[string]any{"readings": rs}
	}
	var out map[string]any
	if st := c.do("POST", "/api/v1/sensing/telemetry", body, &out); st != 202 {
		t.Fatalf("telemetry: %d %v", st, out)
	}
}

func TestSensingHTTP_Telemetry(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	admin, op, anon := login(t, base, "admin"), login(t, base, "operator"), login(t, base, "")
	mustPut(t, admin, "/api/v1/sensing/devices/bin-1", map[string]any{"kind": "bin", "lng": 118.71, "lat": 32.02, "interval_s": 600})
	mustPut(t, admin, "/api/v1/sensing/devices/noise-1", map[string]any{"kind": "noise", "lng": 118.72, "lat": 32.03, "interval_s": 60})
	t0 := time.Now().Add(-10 * time.Minute)
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	tests := []struct {
		name   string
		c      *client
		body   string
		status int
		stored int    // on success
		detail string // on failure: a part of the problem's detail
	}{
		{"single reading", admin, js(reading("noise-1", t0, map[string]any{"noise_db": 48.5})), 202, 1, ""},
		{"batch", admin, js(map[string]any{"readings": []any{
			reading("noise-1", t0.Add(time.Second), map[string]any{"noise_db": 49}),
			reading("bin-1", t0.Add(time.Second), map[string]any{"fill_pct": 40})}}), 202, 2, ""},
		{"batch with an unknown device among known", admin, js(map[string]any{"readings": []any{
			reading("noise-1", t0.Add(2*time.Second), map[string]any{"noise_db": 50}),
			reading("ghost", t0.Add(2*time.Second), map[string]any{"noise_db": 50})}}), 202, 1, ""},
		{"bad JSON", admin, `{"device_id": "noise-1", "values": {`, 400, 0, "not a JSON object"},
		{"unknown device", admin, js(reading("ghost", t0, map[string]any{"noise_db": 50})), 404, 0, "no such device"},
		{"missing values", admin, js(map[string]any{"device_id": "noise-1"}), 400, 0, `"values"`},
		{"value not a number", admin, js(reading("noise-1", t0, map[string]any{"noise_db": "loud"})), 400, 0, "must be a number"},
		{"bad reading in a batch", admin, js(map[string]any{"readings": []any{
			reading("noise-1", t0, map[string]any{"noise_db": 50}), map[string]any{"device_id": "noise-1"}}}), 400, 0, "reading 1:"},
		{"reading from the future", admin, js(reading("noise-1", time.Now().Add(time.Hour), map[string]any{"noise_db": 50})), 400, 0, "ahead of the server clock"},
		{"not a machine or admin", op, js(reading("noise-1", t0, map[string]any{"noise_db": 50})), 403, 0, "system"},
		{"not signed in", anon, js(reading("noise-1", t0, map[string]any{"noise_db": 50})), 401, 0, "sign in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, ct, raw := tt.c.rawDo("POST", "/api/v1/sensing/telemetry", tt.body)
			if st != tt.status {
				t.Fatalf("status %d, want %d: %s", st, tt.status, raw)
			}
			if st == 202 {
				var res sensing.IngestResult
				if err := json.Unmarshal(raw, &res); err != nil || res.Stored != tt.stored {
					t.Fatalf("result %s (%v), want stored %d", raw, err, tt.stored)
				}
				return
			}
			if !strings.HasPrefix(ct, "application/problem+json") {
				t.Fatalf("content type %q, want problem+json", ct)
			}
			var p struct {
				Status int
				Detail string
			}
			if err := json.Unmarshal(raw, &p); err != nil || p.Status != tt.status || !strings.Contains(p.Detail, tt.detail) {
				t.Fatalf("problem %s (%v), want status %d and detail with %q", raw, err, tt.status, tt.detail)
			}
		})
	}

	// A fill level over the default bin-full rule (90 %, no duration): the
	// worker opens one case, filed automatically; more full readings keep it.
	postReadings(t, admin, reading("bin-1", t0.Add(10*time.Second), map[string]any{"fill_pct": 96}))
	if _, id := ruleCase(t, admin, "bin-1", "bin-full"); id != "" {
		t.Fatalf("case %s opened before the worker ran", id)
	}
	ctx := context.Background()
	if err := a.sensing.Work(ctx); err != nil {
		t.Fatal(err)
	}
	phase, caseID := ruleCase(t, admin, "bin-1", "bin-full")
	if phase != "firing" || caseID == "" {
		t.Fatalf("after work: phase %q case %q", phase, caseID)
	}
	if c := caseStatus(t, admin, caseID); c.Status != "pending_dispatch" && c.Status != "dispatched" {
		t.Fatalf("auto-filed case status %s", c.Status)
	}
	postReadings(t, admin, reading("bin-1", t0.Add(20*time.Second), map[string]any{"fill_pct": 98}),
		reading("bin-1", t0.Add(30*time.Second), map[string]any{"fill_pct": 99}))
	if err := a.sensing.Work(ctx); err != nil {
		t.Fatal(err)
	}
	if _, id := ruleCase(t, admin, "bin-1", "bin-full"); id != caseID {
		t.Fatalf("case changed: %s vs %s", id, caseID)
	}
	var list struct{ Total int }
	admin.do("GET", "/api/v1/cases?source=sensor", nil, &list)
	if list.Total != 1 {
		t.Fatalf("%d sensor cases, want 1", list.Total)
	}
}

type lotAvail struct {
	Lot struct {
		ID string `json:"id"`
	} `json:"lot"`
	Berths, Occupied, Free, Unknown int
	DistanceM                       float64 `json:"distance_m"`
}

func TestSensingHTTP_Parking(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	admin, op, anon := login(t, base, "admin"), login(t, base, "operator"), login(t, base, "")
	// Permissions on PUT first.
	lot := map[string]any{"name": "鼓楼停车场", "lng": 118.72, "lat": 32.02, "capacity": 2, "max_stay_min": 120}
	for _, tt := range []struct {
		c      *client
		status int
	}{{anon, 401}, {op, 403}, {admin, 200}} {
		if st := tt.c.do("PUT", "/api/v1/sensing/parking/lots/lot-a", lot, nil); st != tt.status {
			t.Fatalf("PUT lot: %d, want %d", st, tt.status)
		}
	}
	if st := admin.do("PUT", "/api/v1/sensing/parking/lots/lot-x", map[string]any{"lng": 200, "lat": 32, "capacity": -1}, nil); st != 400 {
		t.Fatalf("invalid lot: %d, want 400", st)
	}
	mustPut(t, admin, "/api/v1/sensing/parking/lots/lot-b", map[string]any{"name": "远处停车场", "lng": 118.78, "lat": 32.08, "capacity": 1})
	for dev, l := range map[string]string{"berth-a1": "lot-a", "berth-a2": "lot-a", "berth-b1": "lot-b"} {
		mustPut(t, admin, "/api/v1/sensing/devices/"+dev, map[string]any{"kind": "berth", "lot": l, "lng": 118.72, "lat": 32.02, "interval_s": 300})
	}
	if st := admin.do("PUT", "/api/v1/sensing/devices/berth-z", map[string]any{"kind": "berth", "lot": "nope", "lng": 118.72, "lat": 32.02}, nil); st != 400 {
		t.Fatalf("berth of an unknown lot: %d, want 400", st)
	}
	lots := func() map[string]lotAvail {
		var out struct{ Items []lotAvail }
		if st := anon.do("GET", "/api/v1/sensing/parking/lots", nil, &out); st != 200 {
			t.Fatalf("lots: %d", st)
		}
		m := map[string]lotAvail{}
		for _, l := range out.Items {
			m[l.Lot.ID] = l
		}
		return m
	}
	nearest := func(q string) []string {
		var out struct{ Items []lotAvail }
		if st := anon.do("GET", "/api/v1/sensing/parking/nearest?"+q, nil, &out); st != 200 {
			t.Fatalf("nearest: %d", st)
		}
		ids := []string{}
		for _, l := range out.Items {
			ids = append(ids, l.Lot.ID)
		}
		return ids
	}
	// No readings yet: every berth is unknown, no lot has a free space.
	if l := lots()["lot-a"]; l.Berths != 2 || l.Unknown != 2 || l.Free != 0 {
		t.Fatalf("lot-a before readings: %+v", l)
	}
	t0 := time.Now().Add(-time.Minute)
	postReadings(t, admin,
		reading("berth-a1", t0, map[string]any{"occupied": true}),
		reading("berth-a2", t0, map[string]any{"occupied": 1}),
		reading("berth-b1", t0, map[string]any{"occupied": false}))
	got := lots()
	if a, b := got["lot-a"], got["lot-b"]; a.Occupied != 2 || a.Free != 0 || a.Unknown != 0 || b.Occupied != 0 || b.Free != 1 {
		t.Fatalf("after readings: lot-a %+v lot-b %+v", a, b)
	}
	// Near lot-a, which is full: the nearest lot with a free space is lot-b.
	if ids := nearest("lng=118.72&lat=32.02"); fmt.Sprint(ids) != "[lot-b]" {
		t.Fatalf("nearest with lot-a full: %v", ids)
	}
	// A car leaves lot-a: it is nearest again, and min_free filters.
	postReadings(t, admin, reading("berth-a2", t0.Add(30*time.Second), map[string]any{"occupied": 0}))
	if ids := nearest("lng=118.72&lat=32.02"); fmt.Sprint(ids) != "[lot-a lot-b]" {
		t.Fatalf("nearest after a car left: %v", ids)
	}
	if ids := nearest("lng=118.72&lat=32.02&n=1"); fmt.Sprint(ids) != "[lot-a]" {
		t.Fatalf("nearest n=1: %v", ids)
	}
	if ids := nearest("lng=118.72&lat=32.02&min_free=2"); fmt.Sprint(ids) != "[]" {
		t.Fatalf("nearest min_free=2: %v", ids)
	}
	for _, q := range []string{"", "lng=118.72", "lng=x&lat=32", "lng=500&lat=32"} {
		if st, ct, raw := anon.rawDo("GET", "/api/v1/sensing/parking/nearest?"+q, ""); st != 400 || !strings.HasPrefix(ct, "application/problem+json") || !bytes.Contains(raw, []byte("lng and lat")) {
			t.Fatalf("nearest?%s: %d %s %s", q, st, ct, raw)
		}
	}
}

type complianceOut struct {
	Days  int
	Items []struct {
		Community string  `json:"community"`
		Points    int     `json:"points"`
		BadDays   int     `json:"point_days_with_problems"`
		Rate      float64 `json:"compliance"`
	}
}

func TestSensingHTTP_Waste(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	admin, op, h2 := login(t, base, "admin"), login(t, base, "operator"), login(t, base, "handler2")
	if st := op.do("PUT", "/api/v1/sensing/waste/points/wp-1", map[string]any{"lng": 118.71, "lat": 32.02}, nil); st != 403 {
		t.Fatalf("operator PUT point: %d, want 403", st)
	}
	if st := admin.do("PUT", "/api/v1/sensing/waste/points/wp-1", map[string]any{"lng": 118.71, "lat": 32.02, "collect_by": "25:99"}, nil); st != 400 {
		t.Fatalf("bad collect_by: %d, want 400", st)
	}
	// wp-1 must be emptied by 00:00, so it is overdue at once until a truck calls.
	var p sensing.CollectionPoint
	if st := admin.do("PUT", "/api/v1/sensing/waste/points/wp-1", map[string]any{"name": "一号投放点", "lng": 118.71, "lat": 32.02, "collect_by": "00:00"}, &p); st != 200 {
		t.Fatalf("PUT point: %d", st)
	}
	if p.Community == "" || p.Grid == "" {
		t.Fatalf("point not located: %+v", p)
	}
	mustPut(t, admin, "/api/v1/sensing/waste/points/wp-2", map[string]any{"lng": 118.712, "lat": 32.021})
	mustPut(t, admin, "/api/v1/sensing/devices/bin-k", map[string]any{"kind": "bin", "point": "wp-1", "stream": "kitchen", "lng": 118.71, "lat": 32.02, "interval_s": 600})

	compliance := func() complianceOut {
		var out complianceOut
		if st := op.do("GET", "/api/v1/sensing/waste/compliance?days=1", nil, &out); st != 200 {
			t.Fatalf("compliance: %d", st)
		}
		return out
	}
	if c := compliance(); c.Days != 1 || len(c.Items) != 1 || c.Items[0].Points != 2 || c.Items[0].BadDays != 0 || c.Items[0].Rate != 1 {
		t.Fatalf("compliance before problems: %+v", c)
	}

	// The bin overflows: one case, counted against the point's day.
	ctx := context.Background()
	t0 := time.Now().Add(-time.Minute)
	postReadings(t, admin, reading("bin-k", t0, map[string]any{"fill_pct": 97}))
	if err := a.sensing.Work(ctx); err != nil {
		t.Fatal(err)
	}
	_, overflow := ruleCase(t, admin, "bin-k", "bin-full")
	if overflow == "" {
		t.Fatal("no overflow case")
	}
	if c := caseStatus(t, admin, overflow); c.Status != "pending_dispatch" && c.Status != "dispatched" {
		t.Fatalf("overflow case %s", c.Status)
	}
	if c := compliance(); c.Items[0].BadDays != 1 || c.Items[0].Rate != 0.5 {
		t.Fatalf("compliance after overflow: %+v", c)
	}

	// The tick finds wp-1's collection missed and the worker opens its case;
	// the truck's call then withdraws it.
	if err := a.sensingOwner.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.sensing.Work(ctx); err != nil {
		t.Fatal(err)
	}
	missed := ""
	for _, st := range a.sensing.States("wp-1") {
		if st.Rule == sensing.RuleMissed {
			missed = st.CaseID
		}
	}
	if missed == "" {
		t.Fatal("no missed-collection case")
	}
	if st := op.do("POST", "/api/v1/sensing/waste/points/wp-1/collections", nil, nil); st != 403 {
		t.Fatalf("operator collection: %d, want 403", st)
	}
	if st := h2.do("POST", "/api/v1/sensing/waste/points/nope/collections", nil, nil); st != 404 {
		t.Fatalf("collection at an unknown point: %d, want 404", st)
	}
	if st := h2.do("POST", "/api/v1/sensing/waste/points/wp-1/collections", map[string]any{"at": "yesterday"}, nil); st != 400 {
		t.Fatalf("bad collection time: %d, want 400", st)
	}
	if st := h2.do("POST", "/api/v1/sensing/waste/points/wp-1/collections", nil, nil); st != 204 {
		t.Fatalf("collection: %d, want 204", st)
	}
	if err := a.sensing.Work(ctx); err != nil {
		t.Fatal(err)
	}
	if c := caseStatus(t, admin, missed); c.Status != "rejected" && c.Status != "voided" && c.Status != "closed" {
		t.Fatalf("missed-collection case after the truck called: %s", c.Status)
	}
	// Still one bad point-day: the missed collection fell on the overflow's day.
	if c := compliance(); c.Items[0].BadDays != 1 {
		t.Fatalf("compliance at the end: %+v", c)
	}
}

// TestSensing_OneOwnerOneSilenceCase: two nodes on one SQLite file both
// know a device that fell silent and try, at the same moment and many
// times, to take the sensing service and run its checks; only one holds it,
// so one maintenance case opens, not two.
func TestSensing_OneOwnerOneSilenceCase(t *testing.T) {
	a := testApp(t, "")
	ctx := context.Background()
	if _, err := a.sensing.PutDevice(ctx, sensing.Device{ID: "air-1", Kind: sensing.KindAir, Lng: 118.73, Lat: 32.04, IntervalS: 60}); err != nil {
		t.Fatal(err)
	}
	// A reading an hour ago, stored before either node loads the state.
	last := time.Now().Add(-time.Hour)
	if res, err := a.sensing.Ingest(ctx, []sensing.Reading{{Device: "air-1", TS: last, Values: map[string]float64{"pm10": 40}}}); err != nil || res.Stored != 1 {
		t.Fatalf("ingest: %+v %v", res, err)
	}
	if err := a.sensing.Handover(ctx); err != nil {
		t.Fatal(err)
	}
	b := secondNode(t, a) // on the same database
	for round := 0; round < 3; round++ {
		var wg sync.WaitGroup
		for _, n := range []*App{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				o := n.sensingOwner
				o.Step(ctx)
				if !o.IsOwner() {
					return
				}
				if err := o.Tick(ctx); err != nil {
					t.Error(err)
				}
				if err := n.sensing.Work(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	if a.sensingOwner.IsOwner() == b.sensingOwner.IsOwner() {
		t.Fatalf("owners: a %v, b %v; want exactly one", a.sensingOwner.IsOwner(), b.sensingOwner.IsOwner())
	}
	opened := 0
	for _, n := range []*App{a, b} {
		opened += int(n.sensing.Counters.CasesOpened.Load())
	}
	_, count, err := a.Store.FindCases(ctx, casework.Filter{ExternalRef: "sensing:air-1:offline", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if opened != 1 || count != 1 {
		t.Fatalf("%d cases opened (%d stored) for one silent device, want 1", opened, count)
	}
}
