package basemap

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"cityloop/internal/demo"
	"cityloop/internal/geo"
	"cityloop/internal/org"
)

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		name    string
		s       Settings
		preset  string
		crs     geo.CRS
		tiles   int
		errPart string
		imgSrc  string
	}{
		{"default is the city's own layer", Settings{}, "city", geo.WGS84, 0, "", ""},
		{"a tile URL alone is xyz", Settings{URL: "https://tiles.example.gov.cn/{z}/{x}/{y}.png"}, "xyz", geo.WGS84, 1, "", "https://tiles.example.gov.cn"},
		{"tianditu with key", Settings{Preset: "tianditu", Key: "abc123"}, "tianditu", geo.WGS84, 2, "", "https://t7.tianditu.gov.cn"},
		{"tianditu without key", Settings{Preset: "tianditu"}, "", "", 0, "needs its key", ""},
		{"tianditu key that breaks the URL", Settings{Preset: "tianditu", Key: "a&b"}, "", "", 0, "needs its key", ""},
		{"amap is gcj02", Settings{Preset: "AMap"}, "amap", geo.GCJ02, 1, "", "https://webrd04.is.autonavi.com"},
		{"xyz in gcj02", Settings{Preset: "xyz", URL: "https://{s}.t.example.cn/{z}/{x}/{y}.png", CRS: "gcj02"}, "xyz", geo.GCJ02, 1, "", "https://c.t.example.cn"},
		{"xyz bd09 refused", Settings{Preset: "xyz", URL: "https://t.example.cn/{z}/{x}/{y}.png", CRS: "bd09"}, "", "", 0, "wgs84 or gcj02", ""},
		{"plain http refused", Settings{URL: "http://10.0.0.5/{z}/{x}/{y}.png"}, "", "", 0, "basemap-http-hosts", ""},
		{"plain http to a listed host", Settings{URL: "http://10.0.0.5:8081/{z}/{x}/{y}.png", HTTPHosts: "tiles.local, 10.0.0.5"}, "xyz", geo.WGS84, 1, "", "http://10.0.0.5:8081"},
		{"javascript scheme", Settings{URL: "javascript:alert(1)//{z}{x}{y}"}, "", "", 0, "", ""},
		{"credentials", Settings{URL: "https://u:p@t.example.cn/{z}/{x}/{y}.png"}, "", "", 0, "password", ""},
		{"no placeholders", Settings{URL: "https://t.example.cn/tile.png"}, "", "", 0, "{z}", ""},
		{"unknown preset", Settings{Preset: "google"}, "", "", 0, "not a preset", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sp, err := Resolve(tc.s)
			if tc.preset == "" {
				if err == nil || !strings.Contains(err.Error(), tc.errPart) {
					t.Fatalf("Resolve = %+v, %v; want an error containing %q", sp, err, tc.errPart)
				}
				return
			}
			if err != nil || sp.Preset != tc.preset || sp.CRS != tc.crs || len(sp.Tiles) != tc.tiles || sp.Vector != (tc.preset == "city") {
				t.Fatalf("Resolve = %+v, %v", sp, err)
			}
			if src := strings.Join(sp.ImgSrc(), " "); !strings.Contains(src, tc.imgSrc) {
				t.Errorf("ImgSrc = %q, want it to hold %q", src, tc.imgSrc)
			}
		})
	}
}

func TestLayerDemo(t *testing.T) {
	atlas, err := org.NewAtlas(demo.Regions(1, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := LoadRoads("", "", true)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Layer(atlas, ix)
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Properties map[string]string `json:"properties"`
			Geometry   struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, f := range fc.Features {
		kinds[f.Properties["kind"]]++
		if f.Properties["name"] == "" {
			t.Errorf("a %s feature has no name", f.Properties["kind"])
		}
	}
	if kinds["district"] != 6 || kinds["street"] != 48 || kinds["road"] < 100 {
		t.Errorf("features by kind = %v", kinds)
	}
	if len(b) > 200<<10 {
		t.Errorf("the demo layer is %d bytes; it should stay well under 200 KB", len(b))
	}
	t.Logf("demo base layer: %d bytes, %v", len(b), kinds)
}
