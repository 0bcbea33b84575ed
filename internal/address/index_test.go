package address

import (
	"strings"
	"testing"

	"cityloop/internal/geo"
)

// east runs 1 km eastwards from (118.78, 32.04); north 1 km northwards
// from its west end.
var (
	origin = geo.Point{Lng: 118.78, Lat: 32.04}
	kx     = mPerDeg * 0.8476 // cos(32.04°)
)

func at(eastM, northM float64) geo.Point {
	return geo.Point{Lng: origin.Lng + eastM/kx, Lat: origin.Lat + northM/mPerDeg}
}

func testIndex(places []Place) *Index {
	return New([]Road{
		{Name: "长江路", Line: []geo.Point{at(0, 0), at(500, 0), at(1000, 0)}},
		{Name: "中山北街", Line: []geo.Point{at(0, 0), at(0, 1000)}},
		{Name: "", Line: []geo.Point{at(0, 50), at(1000, 50)}}, // no name: skipped
		{Name: "断路", Line: []geo.Point{at(300, 300)}},          // one point: skipped
	}, places)
}

func TestLookup(t *testing.T) {
	ix := testIndex([]Place{{Road: "长江路", Number: "88-1", At: at(700, 10)}})
	for _, tc := range []struct {
		name   string
		p      geo.Point
		ok     bool
		road   string
		number string
		exact  bool
	}{
		{"north side is left of an eastward road: odd", at(105, 30), true, "长江路", "11", false},
		{"south side is right: even", at(105, -30), true, "长江路", "12", false},
		{"past the middle vertex numbers keep counting", at(610, 20), true, "长江路", "61", false},
		{"nearer the north–south road", at(20, 400), true, "中山北街", "42", false},
		{"an address point near wins", at(690, 20), true, "长江路", "88-1", true},
		{"beyond MaxDistanceM there is no road", at(600, 900), false, "", "", false},
		{"outside the indexed box but near a road end", at(1100, 5), true, "长江路", "101", false},
		{"far outside", at(5000, 5000), false, "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := ix.Lookup(tc.p)
			if ok != tc.ok || m.Road != tc.road || m.Number != tc.number || m.Exact != tc.exact {
				t.Errorf("Lookup = %+v, %v; want %s %s exact=%v, %v", m, ok, tc.road, tc.number, tc.exact, tc.ok)
			}
		})
	}
}

// TestLookupMatchesBruteForce: the bucket search finds the nearest road a
// scan of every segment finds, including across bucket edges.
func TestLookupMatchesBruteForce(t *testing.T) {
	ix := testIndex(nil)
	for e := -300.0; e <= 1300; e += 37 {
		for n := -300.0; n <= 1300; n += 41 {
			p := at(e, n)
			m, ok := ix.Lookup(p)
			x, y := ix.xy(p)
			bestD, road := 1e18, ""
			for i := range ix.segs {
				if d, _, _ := distSeg(x, y, &ix.segs[i]); d < bestD {
					bestD, road = d, ix.roads[ix.segs[i].road]
				}
			}
			if want := bestD <= MaxDistanceM; ok != want || (ok && m.Road != road && m.DistanceM-bestD > 0.1) {
				t.Fatalf("at (%g, %g): Lookup = %+v, %v; brute force %s at %.1f m", e, n, m, ok, road, bestD)
			}
		}
	}
}

func TestEmptyIndex(t *testing.T) {
	if _, ok := New(nil, nil).Lookup(origin); ok {
		t.Error("an empty index answered")
	}
}

func TestFormatAndMask(t *testing.T) {
	for _, tc := range []struct {
		district, street string
		m                Match
		ok               bool
		want, masked     string
	}{
		{"玄武区", "梅园新村街道", Match{Road: "长江路", Number: "123"}, true, "玄武区 梅园新村街道 长江路 123 号附近", "玄武区 梅园新村街道 长江路附近"},
		{"玄武区", "梅园新村街道", Match{}, false, "玄武区 梅园新村街道", "玄武区 梅园新村街道"},
		{"", "", Match{Road: "长江路", Number: "7"}, true, "长江路 7 号附近", "长江路附近"},
		{"", "", Match{Road: "长江路"}, true, "长江路附近", "长江路附近"},
	} {
		got := Format(tc.district, tc.street, tc.m, tc.ok)
		if got != tc.want {
			t.Errorf("Format = %q, want %q", got, tc.want)
		}
		if m := Mask(got); m != tc.masked {
			t.Errorf("Mask(%q) = %q, want %q", got, m, tc.masked)
		}
	}
	if m := Mask("鼓楼区中山路12号3单元"); strings.ContainsAny(m, "0123456789") {
		t.Errorf("Mask of free text kept digits: %q", m)
	}
}
