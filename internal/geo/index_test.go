package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// gridItems builds nx × ny adjacent squares of about sizeM metres starting
// at origin, IDs "g<col>-<row>", the way a city's unit grids tile a district.
func gridItems(origin Point, nx, ny int, sizeM float64) []IndexItem {
	dLat := sizeM / (math.Pi * earthRadiusM / 180)
	dLng := dLat / math.Cos(origin.Lat*math.Pi/180)
	items := make([]IndexItem, 0, nx*ny)
	for r := range ny {
		for c := range nx {
			lng, lat := origin.Lng+float64(c)*dLng, origin.Lat+float64(r)*dLat
			items = append(items, IndexItem{
				ID:    fmt.Sprintf("g%d-%d", c, r),
				Shape: MultiPolygon{{rect(lng, lat, lng+dLng, lat+dLat)}},
			})
		}
	}
	return items
}

// bruteLocate is the obviously correct reference: first item, in order,
// whose shape contains p.
func bruteLocate(items []IndexItem, p Point) (string, bool) {
	for _, it := range items {
		if it.Shape.Contains(p) {
			return it.ID, true
		}
	}
	return "", false
}

func TestIndexMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	items := gridItems(Point{118.78, 32.04}, 40, 30, 100)
	// Overlapping extras of very different sizes: a district-sized shape
	// with a hole, a thin diagonal sliver, and a triangle; they come after
	// the grids, so only points outside every grid may land in them.
	items = append(items,
		IndexItem{"district", MultiPolygon{{rect(118.75, 32.02, 118.85, 32.08), rect(118.79, 32.05, 118.80, 32.06)}}},
		IndexItem{"sliver", MultiPolygon{{Ring{{118.76, 32.03}, {118.83, 32.07}, {118.8301, 32.0701}, {118.7601, 32.0301}, {118.76, 32.03}}}}},
		IndexItem{"triangle", MultiPolygon{{Ring{{118.70, 32.00}, {118.90, 32.00}, {118.80, 32.10}, {118.70, 32.00}}}}},
		IndexItem{"empty", nil},
	)
	// And a grid first in the list that overlaps others, to check precedence.
	items = append([]IndexItem{{"first", MultiPolygon{{rect(118.781, 32.041, 118.782, 32.042)}}}}, items...)

	ix := NewIndex(items)
	if ix.Len() != len(items)-1 {
		t.Errorf("Len = %d, want %d (the empty shape is skipped)", ix.Len(), len(items)-1)
	}
	b := ix.Bounds()
	points := make([]Point, 0, 30000)
	for range 20000 {
		points = append(points, Point{b.MinLng + rng.Float64()*(b.MaxLng-b.MinLng), b.MinLat + rng.Float64()*(b.MaxLat-b.MinLat)})
	}
	// Grid vertices and edge midpoints, where ties between neighbours live.
	for _, it := range items[1:200] {
		ring := it.Shape[0][0]
		for k := 0; k+1 < len(ring); k++ {
			points = append(points, ring[k], Point{(ring[k].Lng + ring[k+1].Lng) / 2, ring[k].Lat})
		}
	}
	points = append(points, Point{b.MinLng, b.MinLat}, Point{b.MaxLng, b.MaxLat}, Point{b.MaxLng + 1e-9, b.MaxLat},
		Point{math.NaN(), 32.05}, Point{0, 0}, Point{200, 95})

	hits := 0
	for _, p := range points {
		gotID, gotOK := ix.Locate(p)
		wantID, wantOK := bruteLocate(items, p)
		if gotID != wantID || gotOK != wantOK {
			t.Fatalf("Locate(%v) = %q, %v; brute force says %q, %v", p, gotID, gotOK, wantID, wantOK)
		}
		if gotOK {
			hits++
		}
	}
	if hits < len(points)/2 {
		t.Errorf("only %d of %d points hit anything; the test is not exercising the index", hits, len(points))
	}
	if id, _ := ix.Locate(Point{118.7815, 32.0415}); id != "first" {
		t.Errorf("overlap resolved to %q, want the first item in input order", id)
	}
}

func TestIndexEdgeCases(t *testing.T) {
	tests := []struct {
		name   string
		items  []IndexItem
		p      Point
		wantID string
		wantOK bool
	}{
		{"no items", nil, Point{118.78, 32.04}, "", false},
		{"only empty shapes", []IndexItem{{"x", nil}, {"y", MultiPolygon{}}}, Point{0, 0}, "", false},
		{"single item", []IndexItem{{"a", MultiPolygon{{rect(1, 1, 2, 2)}}}}, Point{1.5, 1.5}, "a", true},
		{"single item, on corner", []IndexItem{{"a", MultiPolygon{{rect(1, 1, 2, 2)}}}}, Point{2, 2}, "a", true},
		{"shared edge goes to the first", []IndexItem{{"left", MultiPolygon{{rect(0, 0, 1, 1)}}}, {"right", MultiPolygon{{rect(1, 0, 2, 1)}}}}, Point{1, 0.5}, "left", true},
		{"zero-width bounds", []IndexItem{{"line", MultiPolygon{{Ring{{1, 0}, {1, 1}, {1, 2}, {1, 0}}}}}}, Point{1, 1}, "line", true},
		{"NaN shape is skipped", []IndexItem{{"bad", MultiPolygon{{Ring{{math.NaN(), 0}, {1, 0}, {1, 1}, {0, 0}}}}}, {"ok", MultiPolygon{{rect(0, 0, 1, 1)}}}}, Point{0.5, 0.5}, "ok", true},
		{"inside box, outside shape", []IndexItem{{"tri", MultiPolygon{{Ring{{0, 0}, {1, 0}, {0, 1}, {0, 0}}}}}}, Point{0.9, 0.9}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := NewIndex(tt.items)
			id, ok := ix.Locate(tt.p)
			if id != tt.wantID || ok != tt.wantOK {
				t.Errorf("Locate(%v) = %q, %v; want %q, %v", tt.p, id, ok, tt.wantID, tt.wantOK)
			}
		})
	}
}

// A few huge shapes among many small ones must not blow up memory: the
// bucket grid is coarsened until entries stay linear in the item count.
func TestIndexMixedSizesStaysLinear(t *testing.T) {
	items := gridItems(Point{118.78, 32.04}, 100, 100, 100)
	for i := range 2000 {
		items = append(items, IndexItem{fmt.Sprintf("big%d", i), MultiPolygon{{rect(118.7, 32.0, 118.9, 32.2)}}})
	}
	ix := NewIndex(items)
	if n := len(ix.cands); n > 32*len(items)+1024 {
		t.Errorf("%d bucket entries for %d items", n, len(items))
	}
	if id, ok := ix.Locate(Point{118.8, 32.15}); !ok || id != "big0" {
		t.Errorf("Locate outside the grids = %q, %v; want big0", id, ok)
	}
}

// benchItems is 316 × 316 ≈ 100,000 unit grids of 100 m × 100 m centred on
// Nanjing (118.78, 32.04), the size of a large city's grid system.
func benchItems() []IndexItem {
	const n, size = 316, 100.0
	half := n * size / 2
	dLat := half / (math.Pi * earthRadiusM / 180)
	dLng := dLat / math.Cos(32.04*math.Pi/180)
	return gridItems(Point{118.78 - dLng, 32.04 - dLat}, n, n, size)
}

func BenchmarkIndexLocate(b *testing.B) {
	ix := NewIndex(benchItems())
	bounds := ix.Bounds()
	rng := rand.New(rand.NewPCG(3, 4))
	points := make([]Point, 1<<16)
	for i := range points {
		points[i] = Point{bounds.MinLng + rng.Float64()*(bounds.MaxLng-bounds.MinLng), bounds.MinLat + rng.Float64()*(bounds.MaxLat-bounds.MinLat)}
	}
	found, i := 0, 0
	for b.Loop() {
		if _, ok := ix.Locate(points[i&(len(points)-1)]); ok {
			found++
		}
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "lookups/s")
	if found != i {
		b.Fatalf("%d of %d points inside the grid were not located", i-found, i)
	}
}

func BenchmarkNewIndex(b *testing.B) {
	items := benchItems()
	for b.Loop() {
		NewIndex(items)
	}
	b.ReportMetric(float64(len(items)), "items")
}
