package repair

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"cityloop/internal/geo"
)

func ring(pts ...float64) geo.Ring {
	r := make(geo.Ring, 0, len(pts)/2)
	for i := 0; i+1 < len(pts); i += 2 {
		r = append(r, geo.Point{Lng: 118 + pts[i]/1000, Lat: 32 + pts[i+1]/1000})
	}
	return r
}

func kinds(reps []Repair) map[Kind]int {
	k := map[Kind]int{}
	for _, r := range reps {
		k[r.Kind]++
	}
	return k
}

func TestMultiPolygon(t *testing.T) {
	square := ring(0, 0, 10, 0, 10, 10, 0, 10, 0, 0)
	cw := ring(0, 0, 0, 10, 10, 10, 10, 0, 0, 0)
	hole := ring(3, 3, 6, 3, 6, 6, 3, 6, 3, 3) // counter-clockwise, as holes should not be
	tests := []struct {
		name  string
		in    geo.MultiPolygon
		want  map[Kind]int // repairs expected (at least these counts)
		parts int          // polygons in the result
		holes int          // holes in the result, all parts together
		area  float64      // result area in square "milli-degrees", ±1 %
	}{
		{"valid stays", geo.MultiPolygon{{square}}, map[Kind]int{}, 1, 0, 100},
		{"unclosed", geo.MultiPolygon{{square[:4]}}, map[Kind]int{ClosedRing: 1}, 1, 0, 100},
		{"repeated points", geo.MultiPolygon{{ring(0, 0, 10, 0, 10, 0, 10, 10, 0, 10, 0, 10, 0, 0)}}, map[Kind]int{RepeatedPoints: 1}, 1, 0, 100},
		{"clockwise shell", geo.MultiPolygon{{cw}}, map[Kind]int{Rewound: 1}, 1, 0, 100},
		{"counter-clockwise hole", geo.MultiPolygon{{square, hole}}, map[Kind]int{Rewound: 1}, 1, 1, 91},
		{"spike", geo.MultiPolygon{{ring(0, 0, 10, 0, 10, 5, 15, 5, 10, 5, 10, 10, 0, 10, 0, 0)}}, map[Kind]int{Spike: 1}, 1, 0, 100},
		{"bowtie", geo.MultiPolygon{{ring(0, 0, 10, 10, 10, 0, 0, 10, 0, 0)}}, map[Kind]int{SelfCross: 1}, 2, 0, 50},
		{"touching at a vertex", geo.MultiPolygon{{ring(0, 0, 10, 0, 10, 10, 20, 10, 20, 20, 10, 20, 10, 10, 0, 10, 0, 0)}}, map[Kind]int{SelfTouch: 1}, 2, 0, 200},
		{"inverted hole touching its shell", geo.MultiPolygon{{ring(0, 0, 10, 0, 10, 10, 5, 10, 3, 6, 7, 6, 5, 10, 0, 10, 0, 0)}}, map[Kind]int{SelfTouch: 1}, 1, 1, 92},
		{"hole listed first", geo.MultiPolygon{{hole, square}}, map[Kind]int{HoleAssigned: 1}, 1, 1, 91},
		{"hole listed as its own polygon", geo.MultiPolygon{{square}, {hole}}, map[Kind]int{HoleAssigned: 1}, 1, 1, 91},
		{"hole under the wrong shell", geo.MultiPolygon{{square}, {ring(20, 0, 30, 0, 30, 10, 20, 10, 20, 0), hole}}, map[Kind]int{HoleAssigned: 1}, 2, 1, 191},
		{"two holes touching", geo.MultiPolygon{{square, ring(2, 2, 5, 2, 5, 5, 2, 5, 2, 2), ring(5, 5, 8, 5, 8, 8, 5, 8, 5, 5)}}, map[Kind]int{}, 1, 2, 82},
		{"parts overlapping", geo.MultiPolygon{{square}, {ring(5, 5, 15, 5, 15, 15, 5, 15, 5, 5)}}, map[Kind]int{RingsCross: 2}, 2, 0, 150},
		{"degenerate ring dropped", geo.MultiPolygon{{square}, {ring(20, 20, 21, 21, 20, 20)}}, map[Kind]int{Degenerate: 1}, 1, 0, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, reps, err := MultiPolygon(tt.in)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if err := out.Validate(); err != nil {
				t.Fatalf("result invalid: %v", err)
			}
			got := kinds(reps)
			for k, n := range tt.want {
				if got[k] < n {
					t.Errorf("repairs %v; want at least %d %s", reps, n, k)
				}
			}
			if len(tt.want) == 0 && len(reps) > 0 && tt.name == "valid stays" {
				t.Errorf("valid input reported repairs %v", reps)
			}
			holes := 0
			for _, p := range out {
				holes += len(p) - 1
				if p[0].PlanarArea() <= 0 {
					t.Errorf("outer ring not counter-clockwise: %v", p[0])
				}
				for _, h := range p[1:] {
					if h.PlanarArea() >= 0 {
						t.Errorf("hole not clockwise: %v", h)
					}
				}
			}
			if len(out) != tt.parts || holes != tt.holes {
				t.Errorf("got %d parts %d holes; want %d, %d: %v", len(out), holes, tt.parts, tt.holes, out)
			}
			var a float64
			for _, p := range out {
				a += p[0].PlanarArea() * 1e6
				for _, h := range p[1:] {
					a += h.PlanarArea() * 1e6
				}
			}
			if math.Abs(a-tt.area) > tt.area/100 {
				t.Errorf("area %.2f; want %.2f", a, tt.area)
			}
			for _, r := range reps {
				if r.Detail == "" || (r.Lng == 0 && !strings.HasPrefix(r.Detail, "and ")) {
					t.Errorf("repair without place or detail: %+v", r)
				}
			}
		})
	}
}

func TestMultiPolygonRefuses(t *testing.T) {
	tests := []struct {
		name string
		in   geo.MultiPolygon
		want []string
	}{
		{"not a position", geo.MultiPolygon{{ring(0, 0, 10, 0, 10, 10, 0, 0), geo.Ring{{Lng: 200, Lat: 1}, {Lng: 1, Lat: 1}, {Lng: 1, Lat: 2}}}}, []string{"polygon 0 hole 1", "point 0 (200, 1)", "not a valid longitude/latitude"}},
		{"NaN", geo.MultiPolygon{{geo.Ring{{Lng: math.NaN(), Lat: 1}, {Lng: 1, Lat: 1}, {Lng: 1, Lat: 2}}}}, []string{"point 0"}},
		{"only a line", geo.MultiPolygon{{ring(0, 0, 10, 0, 20, 0, 0, 0)}}, []string{"no ring that encloses any area"}},
		{"spike only", geo.MultiPolygon{{ring(0, 0, 10, 0, 20, 0, 10, 0, 0, 0, 5, 0)}}, []string{"area"}},
		{"empty", nil, []string{"no ring"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := MultiPolygon(tt.in)
			if err == nil {
				t.Fatal("repaired; want a refusal")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// evenOdd is the meaning repair keeps: inside an odd number of the rings.
func evenOdd(m geo.MultiPolygon, p geo.Point) bool {
	in := false
	for _, poly := range m {
		for _, r := range poly {
			if (geo.MultiPolygon{{r}}).Contains(p) {
				in = !in
			}
		}
	}
	return in
}

// nearEdge reports whether p is within d of any segment of m, where the
// two readings may legitimately differ (the boundary counts as inside).
func nearEdge(m geo.MultiPolygon, p geo.Point, d float64) bool {
	for _, poly := range m {
		for _, r := range poly {
			for k := 0; k < len(r); k++ {
				a, b := r[k], r[(k+1)%len(r)]
				if segDist(p, a, b) < d {
					return true
				}
			}
		}
	}
	return false
}

func segDist(p, a, b geo.Point) float64 {
	dx, dy := b.Lng-a.Lng, b.Lat-a.Lat
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = math.Max(0, math.Min(1, ((p.Lng-a.Lng)*dx+(p.Lat-a.Lat)*dy)/l))
	}
	return math.Hypot(p.Lng-a.Lng-t*dx, p.Lat-a.Lat-t*dy)
}

// randomShape makes one or two rings of random points on a coarse grid, the
// way quantised web-map data looks: many of them cross, touch, spike and
// repeat.
func randomShape(r *rand.Rand) geo.MultiPolygon {
	var poly geo.Polygon
	for range 1 + r.IntN(3) {
		n := 3 + r.IntN(8)
		pts := make([]float64, 0, 2*n)
		for range n {
			pts = append(pts, float64(r.IntN(12)), float64(r.IntN(12)))
		}
		poly = append(poly, ring(pts...))
	}
	return geo.MultiPolygon{poly}
}

// TestRepairKeepsEvenOddInterior is the property the import relies on:
// every repaired shape is valid and covers the same points as the input's
// even-odd interior.
func TestRepairKeepsEvenOddInterior(t *testing.T) {
	shapes := propertyShapes
	if testing.Short() {
		shapes = 300
	}
	r := rand.New(rand.NewPCG(16, 1))
	repaired, refused := 0, 0
	for i := range shapes {
		in := randomShape(r)
		orig := cloneShape(in)
		out, _, err := MultiPolygon(in)
		if err != nil {
			// Refusal is allowed only when there is nothing to keep.
			if hasInterior(orig, r) {
				t.Fatalf("shape %d refused though it has an interior: %v\n%v", i, err, orig)
			}
			refused++
			continue
		}
		repaired++
		if err := out.Validate(); err != nil {
			t.Fatalf("shape %d: repaired shape invalid: %v\nin %v\nout %v", i, err, orig, out)
		}
		for range 200 {
			p := geo.Point{Lng: 118 + r.Float64()*0.012, Lat: 32 + r.Float64()*0.012}
			if nearEdge(orig, p, 3*unit) {
				continue
			}
			if want, got := evenOdd(orig, p), out.Contains(p); want != got {
				t.Fatalf("shape %d: point %v inside input %v, inside repaired %v\nin %v\nout %v", i, p, want, got, orig, out)
			}
		}
	}
	t.Logf("%d repaired, %d refused (no interior)", repaired, refused)
}

func hasInterior(m geo.MultiPolygon, r *rand.Rand) bool {
	for range 2000 {
		p := geo.Point{Lng: 118 + r.Float64()*0.012, Lat: 32 + r.Float64()*0.012}
		if evenOdd(m, p) && !nearEdge(m, p, 1e-9) {
			return true
		}
	}
	return false
}

func cloneShape(m geo.MultiPolygon) geo.MultiPolygon {
	out := make(geo.MultiPolygon, len(m))
	for i, p := range m {
		for _, r := range p {
			out[i] = append(out[i], append(geo.Ring(nil), r...))
		}
	}
	return out
}

// FuzzMultiPolygon feeds arbitrary coordinates: repair must never panic,
// and whatever it returns must be valid.
func FuzzMultiPolygon(f *testing.F) {
	f.Add([]byte{0, 0, 10, 10, 10, 0, 0, 10}, uint8(1))
	f.Add([]byte{0, 0, 10, 0, 10, 5, 15, 5, 10, 5, 10, 10, 0, 10}, uint8(1))
	f.Add([]byte{0, 0, 10, 0, 10, 10, 20, 10, 20, 20, 10, 20, 10, 10, 0, 10, 3, 3, 3, 6, 6, 6, 6, 3}, uint8(2))
	f.Add([]byte{1, 1, 1, 1, 1}, uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		var pts []float64
		for _, b := range data {
			pts = append(pts, float64(b%32))
		}
		all := ring(pts...)
		var poly geo.Polygon
		cut := int(split)%4 + 1
		for i := 0; i < len(all); i += len(all)/cut + 1 {
			poly = append(poly, all[i:min(len(all), i+len(all)/cut+1)])
		}
		out, reps, err := MultiPolygon(geo.MultiPolygon{poly})
		if err != nil {
			return
		}
		if err := out.Validate(); err != nil {
			t.Fatalf("repaired shape invalid: %v\n%v", err, out)
		}
		for _, r := range reps {
			_ = r.String()
		}
	})
}

// propertyShapes is how many random shapes the property test tries; raise
// it locally when changing the rebuild.
var propertyShapes = 3000

func TestCompare(t *testing.T) {
	sq := func(x, y, d float64) geo.MultiPolygon {
		return geo.MultiPolygon{{ring(x, y, x+d, y, x+d, y+d, x, y+d, x, y)}}
	}
	// One milli-degree square is about 94.4 m × 111.2 m at latitude 32.
	cell := sq(0, 0, 1).AreaM2()
	parent := sq(0, 0, 10)
	tests := []struct {
		name                  string
		children              []geo.MultiPolygon
		gap, outside, overlap float64 // in cells
	}{
		{"tiled exactly", []geo.MultiPolygon{sq(0, 0, 5), sq(5, 0, 5), geo.MultiPolygon{{ring(0, 5, 10, 5, 10, 10, 0, 10, 0, 5)}}}, 0, 0, 0},
		{"a gap", []geo.MultiPolygon{sq(0, 0, 5), sq(5, 0, 5)}, 50, 0, 0},
		{"an overlap", []geo.MultiPolygon{geo.MultiPolygon{{ring(0, 0, 6, 0, 6, 10, 0, 10, 0, 0)}}, geo.MultiPolygon{{ring(5, 0, 10, 0, 10, 10, 5, 10, 5, 0)}}}, 0, 0, 10},
		{"beyond the parent", []geo.MultiPolygon{geo.MultiPolygon{{ring(0, 0, 12, 0, 12, 10, 0, 10, 0, 0)}}}, 0, 20, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gap, outside, overlap, ok := Compare(parent, tt.children)
			if !ok {
				t.Fatal("not compared")
			}
			for _, c := range []struct {
				what      string
				got, want float64
			}{{"gap", gap, tt.gap * cell}, {"outside", outside, tt.outside * cell}, {"overlap", overlap, tt.overlap * cell}} {
				if math.Abs(c.got-c.want) > 1+c.want*2e-4 { // cells nearer the pole are a little smaller
					t.Errorf("%s %.1f m²; want %.1f m²", c.what, c.got, c.want)
				}
			}
		})
	}
}

// BenchmarkRepairDistrict repairs a district-sized outline of 20,000
// points, quantised like web-map data so that it spikes and touches itself
// along the way, and Compare measures it against itself split in two.
//
//	go test -run '^$' -bench RepairDistrict ./internal/geo/repair/
func BenchmarkRepairDistrict(b *testing.B) {
	const n = 20000
	r := rand.New(rand.NewPCG(16, 2))
	outline := make(geo.Ring, 0, n+1)
	for i := range n {
		θ := 2 * math.Pi * float64(i) / n
		ρ := 0.1 * (1 + 0.05*math.Sin(9*θ) + 0.002*r.NormFloat64())
		// Quantised to 1e-4° (about 10 m), as tiled web data is.
		outline = append(outline, geo.Point{Lng: math.Round((118.8+ρ*math.Cos(θ))*1e4) / 1e4, Lat: math.Round((32+ρ*math.Sin(θ))*1e4) / 1e4})
	}
	var reps []Repair
	var out geo.MultiPolygon
	for b.Loop() {
		var err error
		out, reps, err = MultiPolygon(geo.MultiPolygon{{outline}})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(reps)), "repairs")
	b.ReportMetric(float64(len(out)), "parts")
}
