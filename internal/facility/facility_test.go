package facility

import (
	"context"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

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
	fs := []*Facility{{District: "A", Accessible: true}, {District: "A"}, {District: "B", Accessible: true}, {District: "D"}, {District: "D"}}
	districts := []District{{Code: "B", AreaM2: 2e6}, {Code: "A", AreaM2: 9e6}, {Code: "C", AreaM2: 1e6}, {Code: "D", AreaM2: 6e6}}
	f := func(v float64) *float64 { return &v }
	want := map[string]Coverage{
		// 4.5 km² each: better than the baseline of 5, short of the standard of 3.
		"A": {District: "A", Count: 2, AreaKm2: 9, Km2PerFacility: f(4.5), MeetsBaseline: true, Needed: 1,
			Accessible: 1, AccessibleShare: f(50), AccessibleNeeded: 1},
		"B": {District: "B", Count: 1, AreaKm2: 2, Km2PerFacility: f(2), MeetsStandard: true, MeetsBaseline: true,
			Accessible: 1, AccessibleShare: f(100), MeetsAccessibleGoal: true},
		"C": {District: "C", AreaKm2: 1, Needed: 1},
		// Exactly one per 3 km² meets the standard.
		"D": {District: "D", Count: 2, AreaKm2: 6, Km2PerFacility: f(3), MeetsStandard: true, MeetsBaseline: true,
			AccessibleShare: f(0), AccessibleNeeded: 2},
	}
	cov := CoverageOf(districts, fs)
	if len(cov) != len(want) || cov[0].District != "A" {
		t.Fatalf("%+v", cov)
	}
	for _, got := range cov {
		t.Run(got.District, func(t *testing.T) {
			if d := cmp.Diff(want[got.District], got); d != "" {
				t.Errorf("coverage (-want +got):\n%s", d)
			}
		})
	}
}
