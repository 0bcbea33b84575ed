package community

import (
	"testing"
	"time"

	"cityloop/internal/demo"
	"cityloop/internal/org"
)

func demoAtlas(t testing.TB) *org.Atlas {
	t.Helper()
	at, err := org.NewAtlas(demo.Regions(1, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// TestDemoMerchants: the demo's shops are valid, unique, located in the
// city and deterministic, with their door just outside their zone and the
// zone between it and the road.
func TestDemoMerchants(t *testing.T) {
	at := demoAtlas(t)
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	ms := DemoMerchants(at, 1, DemoShops, now)
	if len(ms) != DemoShops {
		t.Fatalf("%d shops", len(ms))
	}
	ids, codes := map[string]bool{}, map[string]bool{}
	districts := map[string]int{}
	for _, m := range ms {
		if err := m.Validate(); err != nil {
			t.Fatalf("%s: %v", m.ID, err)
		}
		if ids[m.ID] || codes[m.USCC] {
			t.Fatalf("%s repeated", m.ID)
		}
		ids[m.ID], codes[m.USCC] = true, true
		if loc, err := at.Locate(m.Point); err != nil || loc.Grid != m.Grid {
			t.Fatalf("%s located %v %v", m.ID, loc.Grid, err)
		}
		if m.Zone.Contains(m.Point) || !m.Zone.Contains(m.Zone.Centroid()) {
			t.Fatalf("%s: the door lies outside the zone, the zone's centre inside", m.ID)
		}
		if a := m.Zone.AreaM2(); a < 150 || a > 250 {
			t.Fatalf("%s: zone of %.0f m², want about 24 × 8", m.ID, a)
		}
		districts[m.District]++
	}
	if len(districts) < 4 {
		t.Errorf("shops in %d districts: %v", len(districts), districts)
	}
	again := DemoMerchants(at, 1, 10, now)
	for i := range again {
		if again[i].USCC != ms[i].USCC || again[i].Name != ms[i].Name {
			t.Fatalf("not deterministic at %d", i)
		}
	}
}

// BenchmarkDemoMerchants: how long the demo city's shops take to make.
func BenchmarkDemoMerchants(b *testing.B) {
	at := demoAtlas(b)
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		if ms := DemoMerchants(at, 1, DemoShops, now); len(ms) != DemoShops {
			b.Fatal(len(ms))
		}
	}
}
