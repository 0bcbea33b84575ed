package address_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"cityloop/internal/address"
	"cityloop/internal/demo"
	"cityloop/internal/geo"
	"cityloop/internal/org"
)

// BenchmarkLookup reverse-geocodes random points of the demo city (its
// real size, 12.6 × 16 km, with its lattice roads) and, as the floor, the
// atlas's point-to-grid lookup every intake already does, in the same run.
// Run: go test -run '^$' -bench Lookup ./internal/address
func BenchmarkLookup(b *testing.B) {
	atlas, err := org.NewAtlas(demo.Regions(1, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		b.Fatal(err)
	}
	ix := address.New(demo.Roads(), nil)
	bb := atlas.City().Shape.Bounds()
	rng := rand.New(rand.NewPCG(1, 2))
	pts := make([]geo.Point, 4096)
	for i := range pts {
		pts[i] = geo.Point{Lng: bb.MinLng + rng.Float64()*(bb.MaxLng-bb.MinLng), Lat: bb.MinLat + rng.Float64()*(bb.MaxLat-bb.MinLat)}
	}
	var floor, geocode float64
	b.Run("floor=atlas.Locate", func(b *testing.B) {
		i := 0
		for b.Loop() {
			_, _ = atlas.Locate(pts[i%len(pts)])
			i++
		}
		floor = float64(b.N) / b.Elapsed().Seconds()
		b.ReportMetric(floor, "lookups/s")
	})
	b.Run("address.Lookup", func(b *testing.B) {
		i, found := 0, 0
		for b.Loop() {
			if _, ok := ix.Lookup(pts[i%len(pts)]); ok {
				found++
			}
			i++
		}
		geocode = float64(b.N) / b.Elapsed().Seconds()
		b.ReportMetric(geocode, "lookups/s")
		b.ReportMetric(float64(found)/float64(b.N), "found")
	})
	roads, _ := ix.Len()
	b.Logf("demo city: %d roads; floor %.0f lookups/s, address %.0f lookups/s, ratio floor/address %.2f", roads, floor, geocode, floor/geocode)
}
