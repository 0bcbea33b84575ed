package web

import (
	"strings"
	"testing"

	"cityloop/internal/basemap"
)

// TestBaseMapInit: the page's policy lets exactly the chosen tiles load,
// and a refused tile URL stops the start.
func TestBaseMapInit(t *testing.T) {
	for _, tc := range []struct {
		name     string
		set      basemap.Settings
		csp      []string // substrings; nil = the default policy (no header set)
		specHas  string
		errorful bool
	}{
		{"city layer: no tiles, default policy", basemap.Settings{}, nil, `"vector":true`, false},
		{"amap: every subdomain, gcj02", basemap.Settings{Preset: "amap"}, []string{"https://webrd01.is.autonavi.com", "https://webrd04.is.autonavi.com", "frame-ancestors 'none'"}, `"crs":"gcj02"`, false},
		{"tianditu", basemap.Settings{Preset: "tianditu", Key: "k"}, []string{"https://t0.tianditu.gov.cn", "https://t7.tianditu.gov.cn"}, `tk=k`, false},
		{"http to an unlisted host", basemap.Settings{URL: "http://tiles.example.cn/{z}/{x}/{y}.png"}, nil, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b baseMap
			err := b.init(tc.set)
			if tc.errorful {
				if err == nil {
					t.Fatal("accepted")
				}
				return
			}
			if err != nil || !strings.Contains(b.spec, tc.specHas) {
				t.Fatalf("init: %v, spec %s", err, b.spec)
			}
			if tc.csp == nil && b.csp != "" {
				t.Errorf("csp %q, want none (the default policy)", b.csp)
			}
			for _, s := range tc.csp {
				if !strings.Contains(b.csp, s) {
					t.Errorf("csp %q lacks %q", b.csp, s)
				}
			}
		})
	}
}
