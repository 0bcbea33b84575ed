package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"cityloop/internal/config"
	"cityloop/internal/facility"
	"cityloop/internal/geo"
)

type nearOut struct {
	Items []struct {
		ID         string
		Name       string
		Grid       string
		District   string
		Point      geo.Point
		Hours      string
		Accessible bool
		Open24h    bool    `json:"open_24h"`
		DistanceM  float64 `json:"distance_m"`
	}
	Total int
}

// putToilets registers toilets east of (118.71, 32.01) at growing distances.
func putToilets(t *testing.T, admin *client) {
	t.Helper()
	// ~0.00106° lng ≈ 100 m at this latitude.
	for i, d := range []struct {
		id   string
		dLng float64
		acc  bool
		h24  bool
	}{{"wc-c", 0.0300, false, false}, {"wc-a", 0.0010, true, true}, {"wc-b", 0.0100, false, false}, {"wc-far", 0.0800, true, false}} {
		body := map[string]any{"kind": "toilet", "name": fmt.Sprintf("公厕%s", d.id), "address": "测试路" + fmt.Sprint(i+1) + "号",
			"lng": 118.71 + d.dLng, "lat": 32.01, "hours": "06:00-22:00", "accessible": d.acc, "open_24h": d.h24}
		if st := admin.do("PUT", "/api/v1/facilities/"+d.id, body, nil); st != 201 {
			t.Fatalf("put %s: %d", d.id, st)
		}
	}
}

// TestFacilities_API: admins keep the registry (audited); anyone lists it
// and finds the nearest, nearest first with exact distances.
func TestFacilities_API(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	admin, op, anon := login(t, base, "admin"), login(t, base, "operator"), login(t, base, "")
	putToilets(t, admin)

	okBody := map[string]any{"kind": "toilet", "name": "公厕X", "lng": 118.72, "lat": 32.02}
	if st := anon.do("PUT", "/api/v1/facilities/wc-x", okBody, nil); st != 401 {
		t.Fatalf("anonymous put: %d, want 401", st)
	}
	if st := op.do("PUT", "/api/v1/facilities/wc-x", okBody, nil); st != 403 {
		t.Fatalf("operator put: %d, want 403", st)
	}
	if st := admin.do("PUT", "/api/v1/facilities/wc-x", map[string]any{"kind": "toilet", "name": "城外", "lng": 118.90, "lat": 32.02}, nil); st != 422 {
		t.Fatalf("outside the city: %d, want 422", st)
	}
	if st := admin.do("PUT", "/api/v1/facilities/wc-x", map[string]any{"kind": "toilet", "name": "公厕X", "lng": 118.72, "lat": 32.02, "crs": "mars"}, nil); st != 400 {
		t.Fatalf("bad crs: %d, want 400", st)
	}
	if st := admin.do("PUT", "/api/v1/facilities/wc-x", map[string]any{"kind": "spaceport", "name": "X", "lng": 118.72, "lat": 32.02}, nil); st != 400 {
		t.Fatalf("bad kind: %d, want 400", st)
	}
	// A GCJ-02 point is stored as WGS-84.
	var saved struct {
		Point    geo.Point
		Grid     string
		District string
	}
	gcj := geo.FromWGS84(geo.Point{Lng: 118.72, Lat: 32.02}, geo.GCJ02)
	if st := admin.do("PUT", "/api/v1/facilities/wc-x", map[string]any{"kind": "toilet", "name": "公厕X", "lng": gcj.Lng, "lat": gcj.Lat, "crs": "gcj02"}, &saved); st != 201 {
		t.Fatalf("gcj02 put: %d", st)
	}
	if geo.DistanceM(saved.Point, geo.Point{Lng: 118.72, Lat: 32.02}) > 1 || saved.Grid == "" || saved.District != "320101" {
		t.Fatalf("saved %+v", saved)
	}
	// Replacing is 200.
	if st := admin.do("PUT", "/api/v1/facilities/wc-x", okBody, nil); st != 200 {
		t.Fatalf("replace: %d, want 200", st)
	}

	var all nearOut
	if st := anon.do("GET", "/api/v1/facilities?kind=toilet", nil, &all); st != 200 || all.Total != 5 {
		t.Fatalf("public list: %d %+v", st, all)
	}
	var near nearOut
	if st := anon.do("GET", "/api/v1/facilities?kind=toilet&lng=118.71&lat=32.01&limit=3", nil, &near); st != 200 {
		t.Fatalf("nearest: %d", st)
	}
	var ids []string
	for i, it := range near.Items {
		ids = append(ids, it.ID)
		if i > 0 && it.DistanceM < near.Items[i-1].DistanceM {
			t.Fatalf("not nearest first: %+v", near.Items)
		}
	}
	if strings.Join(ids, ",") != "wc-a,wc-b,wc-x" {
		t.Fatalf("nearest ids %v, want wc-a,wc-b,wc-x", ids)
	}
	if d := near.Items[0].DistanceM; math.Abs(d-94) > 3 || !near.Items[0].Accessible || !near.Items[0].Open24h {
		t.Fatalf("first %+v, want wc-a ≈ 94 m, accessible, 24h", near.Items[0])
	}
	// Default limit 5, and nothing beyond 5 km (wc-far is ≈ 7.5 km away).
	if st := anon.do("GET", "/api/v1/facilities?lng=118.71&lat=32.01", nil, &near); st != 200 || near.Total != 4 {
		t.Fatalf("within 5 km: %d %+v", st, near)
	}
	if st := anon.do("GET", "/api/v1/facilities?lng=118.71&lat=32.01&crs=mars", nil, nil); st != 400 {
		t.Fatalf("bad crs on search: %d", st)
	}
	if st := anon.do("GET", "/api/v1/facilities?lng=abc&lat=32.01", nil, nil); st != 400 {
		t.Fatalf("bad lng on search: %d", st)
	}

	if st := anon.do("DELETE", "/api/v1/facilities/wc-x", nil, nil); st != 401 {
		t.Fatalf("anonymous delete: %d", st)
	}
	if st := op.do("DELETE", "/api/v1/facilities/wc-x", nil, nil); st != 403 {
		t.Fatalf("operator delete: %d", st)
	}
	if st := admin.do("DELETE", "/api/v1/facilities/wc-x", nil, nil); st != 200 {
		t.Fatalf("admin delete: %d", st)
	}
	if st := admin.do("DELETE", "/api/v1/facilities/wc-x", nil, nil); st != 404 {
		t.Fatalf("delete again: %d, want 404", st)
	}

	// Changes are in the audit trail.
	var trail struct {
		Items []struct{ Action, Object string }
	}
	aud := login(t, base, "auditor")
	if st := aud.do("GET", "/api/v1/audit?object=facility/wc-x", nil, &trail); st != 200 {
		t.Fatalf("audit: %d", st)
	}
	acts := map[string]int{}
	for _, it := range trail.Items {
		acts[it.Action]++
	}
	if acts["facility.put"] != 2 || acts["facility.delete"] != 1 {
		t.Fatalf("audit actions %v", acts)
	}
}

// TestFacilities_Coverage: per district, toilets against the plan's target
// of one per 3 km², on the fixture city (one district of 0.1° × 0.1°).
func TestFacilities_Coverage(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	putToilets(t, login(t, base, "admin"))
	d, ok := a.World.Atlas().Region("320101")
	if !ok {
		t.Fatal("no district")
	}
	areaKm2 := d.AreaM2 / 1e6
	if areaKm2 < 100 || areaKm2 > 110 {
		t.Fatalf("district area %.2f km², want ≈ 104.8", areaKm2)
	}
	var cov struct {
		StandardKm2 float64 `json:"standard_km2_per_facility"`
		Districts   []struct {
			District       string
			Count          int
			AreaKm2        float64  `json:"area_km2"`
			Km2PerFacility *float64 `json:"km2_per_facility"`
			MeetsStandard  bool     `json:"meets_standard"`
			MeetsBaseline  bool     `json:"meets_baseline"`
			Needed         int
		}
	}
	if st := login(t, base, "").do("GET", "/api/v1/facilities/coverage?kind=toilet", nil, &cov); st != 200 {
		t.Fatalf("coverage: %d", st)
	}
	if cov.StandardKm2 != 3 || len(cov.Districts) != 1 {
		t.Fatalf("coverage %+v", cov)
	}
	c := cov.Districts[0]
	if c.District != "320101" || c.Count != 4 || math.Abs(c.AreaKm2-areaKm2) > 0.01 || c.Km2PerFacility == nil ||
		math.Abs(*c.Km2PerFacility-areaKm2/4) > 0.01 || c.MeetsStandard || c.MeetsBaseline || c.Needed != int(math.Ceil(areaKm2/3))-4 {
		t.Fatalf("district coverage %+v (km² per %v), area %.2f", c, *c.Km2PerFacility, areaKm2)
	}
	// An empty kind has no ratio and needs the full count.
	if st := login(t, base, "").do("GET", "/api/v1/facilities/coverage?kind=parking", nil, &cov); st != 200 ||
		cov.Districts[0].Count != 0 || cov.Districts[0].Km2PerFacility != nil || cov.Districts[0].Needed != int(math.Ceil(areaKm2/3)) {
		t.Fatalf("parking coverage %d %+v", st, cov)
	}
}

// TestWeb_Toilets: the citizens' page lists the nearest toilets first, with
// distance, hours and accessibility, in Chinese, English and elderly mode.
func TestWeb_Toilets(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	putToilets(t, login(t, base, "admin"))
	b := newBrowserClient(t, base)

	st, page, _ := b.get("/citizen/toilets")
	if st != 200 || !strings.Contains(page, `id="locate-me"`) || !strings.Contains(page, `/citizen/toilets.js`) || !strings.Contains(page, "附近公厕") {
		t.Fatalf("empty page: %d", st)
	}
	st, page, _ = b.get("/citizen/toilets?lng=118.71&lat=32.01")
	if st != 200 {
		t.Fatalf("search: %d", st)
	}
	ia, ib, ic := strings.Index(page, "公厕wc-a"), strings.Index(page, "公厕wc-b"), strings.Index(page, "公厕wc-c")
	if ia < 0 || ib < ia || ic < ib || strings.Contains(page, "公厕wc-far") {
		t.Fatalf("order a=%d b=%d c=%d (far must be absent):\n%s", ia, ib, ic, page)
	}
	for _, want := range []string{"94 m", "943 m", "2.8 km", "24小时开放", "06:00-22:00", "无障碍", "geo:32.010000,118.711000", "uri.amap.com"} {
		if !strings.Contains(page, want) {
			t.Fatalf("page lacks %q:\n%s", want, page)
		}
	}
	st, page, _ = b.get("/citizen/toilets?lng=118.71&lat=32.01&lang=en&elderly=1")
	if st != 200 || !strings.Contains(page, "Nearest toilets") || !strings.Contains(page, "Open 24 hours") || !strings.Contains(page, " elderly") {
		t.Fatalf("english elderly page: %d", st)
	}
	st, page, _ = b.get("/citizen/toilets?lng=x&lat=32.01")
	if st != 400 || !strings.Contains(page, "Not a valid location") {
		t.Fatalf("bad point: %d", st)
	}
	if st, js, _ := b.get("/citizen/toilets.js"); st != 200 || !strings.Contains(js, "geolocation") {
		t.Fatalf("script: %d", st)
	}
}

// TestDemo_Toilets: the demo city gets about one public toilet per km² of
// its extent, the same ones for the same seed, all inside the city.
func TestDemo_Toilets(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo city")
	}
	run := func() (int, []string) {
		dir := t.TempDir()
		cfg := config.Default()
		cfg.DataDir, cfg.Demo, cfg.Quiet, cfg.Addr = dir, false, true, "127.0.0.1:0"
		cfg.DB = "sqlite:" + filepath.Join(dir, "demo.db")
		if err := cfg.Finish(); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		a, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		info, err := a.GenerateDemo(ctx, 0, 7, nil)
		if err != nil {
			t.Fatal(err)
		}
		list, err := a.Store.FindFacilities(ctx, facility.KindToilet, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, f := range list {
			if _, err := a.World.Atlas().Locate(f.Point); err != nil || f.Grid == "" || f.District == "" {
				t.Fatalf("toilet %+v outside the city: %v", f, err)
			}
			ids = append(ids, fmt.Sprintf("%s@%.6f,%.6f", f.ID, f.Point.Lng, f.Point.Lat))
		}
		b := a.World.Atlas().City().Shape.Bounds()
		ctr := b.Center()
		km2 := geo.DistanceM(geo.Point{Lng: b.MinLng, Lat: ctr.Lat}, geo.Point{Lng: b.MaxLng, Lat: ctr.Lat}) *
			geo.DistanceM(geo.Point{Lng: ctr.Lng, Lat: b.MinLat}, geo.Point{Lng: ctr.Lng, Lat: b.MaxLat}) / 1e6
		if info.Toilets != len(list) || float64(len(list)) < 0.5*km2 || float64(len(list)) > 1.01*km2+1 {
			t.Fatalf("%d toilets (info %d) for %.1f km² of extent", len(list), info.Toilets, km2)
		}
		t.Logf("%d demo toilets for %.1f km² of extent", len(list), km2)
		return len(list), ids
	}
	n1, ids1 := run()
	n2, ids2 := run()
	if n1 != n2 || strings.Join(ids1, ";") != strings.Join(ids2, ";") {
		t.Fatal("demo toilets differ for the same seed")
	}
}
