package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cityloop/internal/basemap"
)

// TestWeb_BaseLayerAndLocate: the vector base layer holds the city's
// outlines and imported roads, every page carries the base map spec, and
// GET /api/v1/locate answers the address an intake there writes.
func TestWeb_BaseLayerAndLocate(t *testing.T) {
	a := testApp(t, "")
	file := filepath.Join(t.TempDir(), "roads.csv")
	if err := os.WriteFile(file, []byte(fixtureRoads), 0o600); err != nil {
		t.Fatal(err)
	}
	roads, err := basemap.Roads(file, "", false)
	if err != nil {
		t.Fatal(err)
	}
	a.Cases.Addresses = roads
	base := serve(t, a)
	b := newBrowserClient(t, base)

	st, body, _ := b.get("/web/map/base")
	var fc struct {
		Features []struct {
			Properties map[string]string `json:"properties"`
		} `json:"features"`
	}
	if st != 200 || json.Unmarshal([]byte(body), &fc) != nil {
		t.Fatalf("GET /web/map/base = %d %.200s", st, body)
	}
	kinds := map[string]int{}
	for _, f := range fc.Features {
		kinds[f.Properties["kind"]]++
	}
	if kinds["district"] != 1 || kinds["street"] != 2 || kinds["road"] != 5 {
		t.Errorf("base layer kinds = %v; want 1 district, 2 streets, 5 roads", kinds)
	}
	if _, page, _ := b.get("/citizen"); !strings.Contains(page, `name="cityloop-basemap"`) || !strings.Contains(page, "&#34;vector&#34;:true") {
		t.Errorf("the citizen page carries no base map spec")
	}
	for _, tc := range []struct{ q, want string }{
		{"lng=118.7529&lat=32.0699", "测试区 东街道 中山路 88 号附近"},     // the address point
		{"lng=118.7100&lat=32.0500", "测试区 西街道 长江路 "},           // interpolated
		{"lng=118.7100&lat=32.0500&crs=gcj02", "测试区 西街道 长江路 "}, // shifted first
	} {
		st, body, _ := b.get("/api/v1/locate?" + tc.q)
		var loc struct {
			Address string `json:"address"`
		}
		if st != 200 || json.Unmarshal([]byte(body), &loc) != nil || !strings.HasPrefix(loc.Address, tc.want) {
			t.Errorf("locate %s = %d %s; want an address starting %q", tc.q, st, body, tc.want)
		}
	}
}
