package geo

import (
	"math"
	"strings"
	"testing"

	"cityloop/internal/errs"
)

// rect returns a closed counter-clockwise ring around a box.
func rect(minLng, minLat, maxLng, maxLat float64) Ring {
	return Ring{{minLng, minLat}, {maxLng, minLat}, {maxLng, maxLat}, {minLng, maxLat}, {minLng, minLat}}
}

func TestMultiPolygonContains(t *testing.T) {
	withHole := MultiPolygon{{rect(0, 0, 4, 4), rect(1, 1, 3, 3)}}
	triangle := MultiPolygon{{Ring{{0, 0}, {4, 0}, {0, 4}, {0, 0}}}}
	// A "U": the notch between x=1 and x=3 above y=1 is outside.
	u := MultiPolygon{{Ring{{0, 0}, {4, 0}, {4, 4}, {3, 4}, {3, 1}, {1, 1}, {1, 4}, {0, 4}, {0, 0}}}}
	two := MultiPolygon{{rect(0, 0, 1, 1)}, {rect(10, 10, 11, 11)}}
	// Clockwise winding must not matter.
	clockwise := MultiPolygon{{Ring{{0, 0}, {0, 2}, {2, 2}, {2, 0}, {0, 0}}}}

	tests := []struct {
		name string
		m    MultiPolygon
		p    Point
		want bool
	}{
		{"inside shell", withHole, Point{0.5, 0.5}, true},
		{"inside hole", withHole, Point{2, 2}, false},
		{"on hole edge", withHole, Point{1, 2}, true},
		{"on hole corner", withHole, Point{3, 3}, true},
		{"on outer edge", withHole, Point{0, 2}, true},
		{"on outer vertex", withHole, Point{4, 4}, true},
		{"just outside", withHole, Point{4.000000001, 2}, false},
		{"far outside", withHole, Point{5, 5}, false},
		{"on diagonal edge", triangle, Point{2, 2}, true},
		{"just beyond diagonal", triangle, Point{2, 2.0000001}, false},
		{"in notch", u, Point{2, 3}, false},
		{"in arm", u, Point{0.5, 3}, true},
		{"ray through vertex", u, Point{-1, 1}, false},
		{"level with notch floor", u, Point{2, 1}, true},
		{"second part", two, Point{10.5, 10.5}, true},
		{"between parts", two, Point{5, 5}, false},
		{"clockwise ring", clockwise, Point{1, 1}, true},
		{"empty shape", nil, Point{0, 0}, false},
		{"NaN point", withHole, Point{math.NaN(), 2}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.m.Contains(tt.p); got != tt.want {
				t.Errorf("Contains(%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

// ellipsoidRectArea is the exact area of a lng/lat rectangle on the WGS-84
// ellipsoid, from the authalic-latitude integral, used as an independent
// reference for AreaM2.
func ellipsoidRectArea(minLng, minLat, maxLng, maxLat float64) float64 {
	const a, f = 6378137.0, 1 / 298.257223563
	e2 := f * (2 - f)
	e := math.Sqrt(e2)
	q := func(latDeg float64) float64 {
		s := math.Sin(latDeg * math.Pi / 180)
		return s/(1-e2*s*s) + math.Log((1+e*s)/(1-e*s))/(2*e)
	}
	return a * a * (1 - e2) / 2 * (maxLng - minLng) * math.Pi / 180 * (q(maxLat) - q(minLat))
}

func TestAreaM2(t *testing.T) {
	// A grid square of about 100 m × 100 m in Nanjing.
	const lng, lat, dLng, dLat = 118.78, 32.04, 0.00106, 0.0009
	tests := []struct {
		name string
		m    MultiPolygon
		want float64
	}{
		{"nanjing grid square", MultiPolygon{{rect(lng, lat, lng+dLng, lat+dLat)}}, ellipsoidRectArea(lng, lat, lng+dLng, lat+dLat)},
		{"one degree cell", MultiPolygon{{rect(118, 32, 119, 33)}}, ellipsoidRectArea(118, 32, 119, 33)},
		{"near the equator", MultiPolygon{{rect(109, 18, 110, 19)}}, ellipsoidRectArea(109, 18, 110, 19)},
		{"with hole", MultiPolygon{{rect(118, 32, 119, 33), rect(118.25, 32.25, 118.75, 32.75)}},
			ellipsoidRectArea(118, 32, 119, 33) - ellipsoidRectArea(118.25, 32.25, 118.75, 32.75)},
		{"two parts, one clockwise", MultiPolygon{{rect(118, 32, 118.1, 32.1)}, {Ring{{119, 32}, {119, 32.1}, {119.1, 32.1}, {119.1, 32}, {119, 32}}}},
			2 * ellipsoidRectArea(118, 32, 118.1, 32.1)},
		{"empty", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.m.AreaM2()
			if math.Abs(got-tt.want) > 0.01*tt.want {
				t.Errorf("AreaM2 = %.2f m², want %.2f m² ± 1%%", got, tt.want)
			}
		})
	}
}

func TestCentroid(t *testing.T) {
	tests := []struct {
		name string
		m    MultiPolygon
		want Point
	}{
		{"square", MultiPolygon{{rect(118, 32, 118.2, 32.2)}}, Point{118.1, 32.1}},
		// An L of three unit squares: (0,0)-(2,1) plus (0,1)-(1,2).
		{"L shape", MultiPolygon{{Ring{{0, 0}, {2, 0}, {2, 1}, {1, 1}, {1, 2}, {0, 2}, {0, 0}}}}, Point{5.0 / 6, 5.0 / 6}},
		{"largest part wins", MultiPolygon{{rect(0, 0, 1, 1)}, {rect(10, 10, 14, 14)}}, Point{12, 12}},
		{"degenerate falls back to vertex mean", MultiPolygon{{Ring{{0, 0}, {2, 0}, {4, 0}, {0, 0}}}}, Point{2, 0}},
		{"empty", nil, Point{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.m.Centroid()
			if math.Abs(got.Lng-tt.want.Lng) > 1e-9 || math.Abs(got.Lat-tt.want.Lat) > 1e-9 {
				t.Errorf("Centroid = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	square := rect(118.78, 32.04, 118.79, 32.05)
	tests := []struct {
		name string
		m    MultiPolygon
		want []string // substrings of the message; nil means valid
	}{
		{"grid square", MultiPolygon{{square}}, nil},
		{"square with hole", MultiPolygon{{rect(0, 0, 4, 4), rect(1, 1, 3, 3)}}, nil},
		{"hole touching shell", MultiPolygon{{rect(0, 0, 4, 4), Ring{{0, 1}, {2, 1}, {2, 2}, {0, 1}}}}, nil},
		{"repeated vertex is tolerated", MultiPolygon{{Ring{{0, 0}, {1, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}}, nil},
		{"triangle", MultiPolygon{{Ring{{0, 0}, {1, 0}, {0, 1}, {0, 0}}}}, nil},

		{"empty", MultiPolygon{}, []string{"geometry is empty"}},
		{"polygon without rings", MultiPolygon{{square}, {}}, []string{"polygon 1 has no rings"}},
		{"too few points", MultiPolygon{{Ring{{0, 0}, {1, 0}, {0, 0}}}}, []string{"polygon 0 outer ring", "3 points", "at least 4"}},
		{"unclosed", MultiPolygon{{Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}}, []string{"not closed", "(0, 0)", "(0, 1)"}},
		{"longitude out of range", MultiPolygon{{Ring{{0, 0}, {181, 0}, {1, 1}, {0, 0}}}}, []string{"point 1", "(181, 0)", "not a valid"}},
		{"NaN", MultiPolygon{{Ring{{0, 0}, {1, 0}, {math.NaN(), 1}, {0, 0}}}}, []string{"point 2", "not a valid"}},
		{"all one point", MultiPolygon{{Ring{{1, 1}, {1, 1}, {1, 1}, {1, 1}}}}, []string{"fewer than 3 distinct"}},
		{"bowtie", MultiPolygon{{Ring{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}}},
			[]string{"polygon 0 outer ring intersects itself", "segment 0 (0, 0)→(1, 1)", "segment 2 (1, 0)→(0, 1)"}},
		{"bowtie in a hole, after a duplicate", MultiPolygon{{rect(-1, -1, 2, 2), Ring{{0, 0}, {0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}}},
			[]string{"polygon 0 hole 1 intersects itself", "segment 1 ", "segment 3 "}},
		{"bowtie in second polygon", MultiPolygon{{square}, {Ring{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}}},
			[]string{"polygon 1 outer ring intersects itself"}},
		{"spike folding back", MultiPolygon{{Ring{{0, 0}, {2, 0}, {1, 0}, {1, 1}, {0, 0}}}}, []string{"intersects itself", "segment 0", "segment 1"}},
		{"pinched at a vertex", MultiPolygon{{Ring{{0, 0}, {2, 0}, {1, 1}, {2, 2}, {0, 2}, {1, 1}, {0, 0}}}},
			[]string{"intersects itself", "segment 1", "segment 4"}},
		{"collinear", MultiPolygon{{Ring{{0, 0}, {1, 0}, {2, 0}, {0, 0}}}}, []string{"intersects itself"}},
		{"hole outside shell", MultiPolygon{{rect(0, 0, 1, 1), rect(5, 5, 6, 6)}}, []string{"polygon 0 hole 1", "outside the outer ring"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.m.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errs.Is(err, errs.KindInvalid) {
				t.Fatalf("Validate() = %v, want KindInvalid", err)
			}
			for _, s := range tt.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Validate() = %q, want it to mention %q", err, s)
				}
			}
		})
	}
}

func TestValidateDetails(t *testing.T) {
	err := MultiPolygon{{Ring{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}}}.Validate()
	e, ok := errs.As(err)
	if !ok {
		t.Fatalf("Validate() = %v, want *errs.Error", err)
	}
	segs, _ := e.Details["segments"].([]int)
	if e.Details["polygon"] != 0 || e.Details["ring"] != 0 || len(segs) != 2 || segs[0] != 0 || segs[1] != 2 {
		t.Errorf("Details = %v, want polygon 0, ring 0, segments [0 2]", e.Details)
	}
}

// A long valid ring must not take quadratic time: a 20,000-point circle
// would need 2·10⁸ pair tests without the sweep.
func TestValidateLargeRing(t *testing.T) {
	const n = 20000
	ring := make(Ring, 0, n+1)
	for i := range n {
		a := 2 * math.Pi * float64(i) / n
		ring = append(ring, Point{118.78 + 0.1*math.Cos(a), 32.04 + 0.1*math.Sin(a)})
	}
	ring = append(ring, ring[0])
	if err := (MultiPolygon{{ring}}).Validate(); err != nil {
		t.Fatalf("Validate(circle) = %v", err)
	}
	// Swap two neighbouring vertices to make one small crossing.
	ring[500], ring[501] = ring[501], ring[500]
	if err := (MultiPolygon{{ring}}).Validate(); err == nil || !strings.Contains(err.Error(), "segment 499") {
		t.Fatalf("Validate(twisted circle) = %v, want a crossing at segment 499", err)
	}
}
