package facility

import (
	"context"
	"math"
	"testing"

	"cityloop/internal/geo"
)

func TestBoxAroundHoldsTheCircle(t *testing.T) {
	p := geo.Point{Lng: 118.75, Lat: 32.05}
	for _, r := range []float64{500, 5000} {
		b := BoxAround(p, r)
		for deg := 0; deg < 360; deg += 15 {
			a := float64(deg) * math.Pi / 180
			// A point just inside r in direction a.
			q := geo.Point{Lng: p.Lng + math.Sin(a)*(b.MaxLng-p.Lng)*0.999, Lat: p.Lat + math.Cos(a)*(b.MaxLat-p.Lat)*0.999}
			if d := geo.DistanceM(p, q); d < r*0.99 && !b.Contains(q) {
				t.Fatalf("box %v misses %v at %.0f m", b, q, d)
			}
		}
		east := geo.Point{Lng: b.MaxLng, Lat: p.Lat}
		if d := geo.DistanceM(p, east); d < r || d > r*1.01 {
			t.Fatalf("east edge at %.0f m for r=%.0f", d, r)
		}
	}
}

type memFinder []*Facility

func (m memFinder) FindFacilities(_ context.Context, kind Kind, box *geo.Bounds, _ int) ([]*Facility, error) {
	var out []*Facility
	for _, f := range m {
		if f.Kind == kind && (box == nil || box.Contains(f.Point)) {
			out = append(out, f)
		}
	}
	return out, nil
}

func TestFindNearestWidensAndCaps(t *testing.T) {
	p := geo.Point{Lng: 118.75, Lat: 32.05}
	at := func(id string, dLat float64) *Facility {
		return &Facility{ID: id, Kind: KindToilet, Point: geo.Point{Lng: p.Lng, Lat: p.Lat + dLat}}
	}
	m := memFinder{at("d", 0.04), at("b", 0.003), at("far", 0.06), at("a", -0.001), at("c", 0.015),
		{ID: "p", Kind: KindParking, Point: p}}
	got, err := FindNearest(context.Background(), m, KindToilet, p, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID != "a" || got[1].ID != "b" || got[2].ID != "c" || got[0].DistanceM != 111 {
		t.Fatalf("nearest %+v", got)
	}
	got, _ = FindNearest(context.Background(), m, KindToilet, p, 10)
	if len(got) != 4 { // "far" is 6.7 km away, past the cap
		t.Fatalf("capped %+v", got)
	}
}

func TestCoverageOf(t *testing.T) {
	fs := []*Facility{{District: "A"}, {District: "A"}, {District: "B"}}
	cov := CoverageOf([]District{{Code: "B", AreaM2: 2e6}, {Code: "A", AreaM2: 9e6}, {Code: "C", AreaM2: 1e6}}, fs)
	if len(cov) != 3 || cov[0].District != "A" {
		t.Fatalf("%+v", cov)
	}
	a, b, c := cov[0], cov[1], cov[2]
	if a.Count != 2 || *a.Km2PerFacility != 4.5 || a.MeetsTarget || !a.MeetsStandard || a.Needed != 1 {
		t.Fatalf("A %+v", a)
	}
	if b.Count != 1 || *b.Km2PerFacility != 2 || !b.MeetsTarget || b.Needed != 0 {
		t.Fatalf("B %+v", b)
	}
	if c.Count != 0 || c.Km2PerFacility != nil || c.MeetsTarget || c.Needed != 1 {
		t.Fatalf("C %+v", c)
	}
}
