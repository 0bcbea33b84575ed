package geo

import (
	"math"
	"strings"
	"testing"

	"cityloop/internal/errs"
)

func TestParseCRS(t *testing.T) {
	tests := []struct {
		in      string
		want    CRS
		wantErr bool
	}{
		{"", WGS84, false},
		{"wgs84", WGS84, false},
		{"WGS84", WGS84, false},
		{" GCJ02 ", GCJ02, false},
		{"Bd09", BD09, false},
		{"epsg:4326", "", true},
		{"gcj-02", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseCRS(tt.in)
			if tt.wantErr {
				if !errs.Is(err, errs.KindInvalid) {
					t.Fatalf("ParseCRS(%q) error = %v, want KindInvalid", tt.in, err)
				}
				for _, name := range []string{"wgs84", "gcj02", "bd09"} {
					if !strings.Contains(err.Error(), name) {
						t.Errorf("error %q does not name accepted value %s", err, name)
					}
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseCRS(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// The WGS-84/GCJ-02 pairs are the public test vectors of the eviltransform
// project (Shanghai, Shenzhen, Beijing) plus the Forbidden City; the BD-09
// pair is Beijing railway station as published for Baidu/AMap (5 decimals).
func TestCRSReferencePoints(t *testing.T) {
	tests := []struct {
		name       string
		wgs, other Point
		crs        CRS
		tolDeg     float64
	}{
		{"shanghai", Point{121.5272106, 31.1774276}, Point{121.531541859215, 31.17530398364597}, GCJ02, 1e-9},
		{"shenzhen", Point{113.912316, 22.543847}, Point{113.9171764808363, 22.540796131694766}, GCJ02, 1e-9},
		{"beijing", Point{116.377817, 39.911954}, Point{116.38404722455657, 39.91334545536069}, GCJ02, 1e-9},
		{"forbidden city", Point{116.397128, 39.916527}, Point{116.403372494025, 39.9179307492459}, GCJ02, 1e-9},
		{"outside china", Point{2.2945, 48.8584}, Point{2.2945, 48.8584}, GCJ02, 0},
		{"wgs84 is identity", Point{118.78, 32.04}, Point{118.78, 32.04}, WGS84, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FromWGS84(tt.wgs, tt.crs)
			if math.Abs(got.Lng-tt.other.Lng) > tt.tolDeg || math.Abs(got.Lat-tt.other.Lat) > tt.tolDeg {
				t.Errorf("FromWGS84(%v, %s) = %.12f, %.12f; want %v", tt.wgs, tt.crs, got.Lng, got.Lat, tt.other)
			}
			back := ToWGS84(tt.other, tt.crs)
			if d := DistanceM(back, tt.wgs); d > 0.01 {
				t.Errorf("ToWGS84(%v, %s) = %v, %.4f m from %v", tt.other, tt.crs, back, d, tt.wgs)
			}
		})
	}

	gcj := Point{116.42703, 39.90245}
	bd := Point{116.43351, 39.90851}
	if got := gcjToBD(gcj); math.Abs(got.Lng-bd.Lng) > 1e-5 || math.Abs(got.Lat-bd.Lat) > 1e-5 {
		t.Errorf("gcjToBD(%v) = %v, want %v", gcj, got, bd)
	}
	if got := bdToGCJ(bd); DistanceM(got, gcj) > 1.5 { // the reference is rounded to ~1 m
		t.Errorf("bdToGCJ(%v) = %v, %.2f m from %v", bd, got, DistanceM(got, gcj), gcj)
	}
	if got, want := ToWGS84(bd, BD09), ToWGS84(bdToGCJ(bd), GCJ02); got != want {
		t.Errorf("ToWGS84(BD09) = %v, want the GCJ-02 chain %v", got, want)
	}
}

func TestCRSRoundTripAcrossChina(t *testing.T) {
	for _, c := range []CRS{GCJ02, BD09} {
		worst := 0.0
		for lng := 73.5; lng <= 135; lng += 0.37 {
			for lat := 18.0; lat <= 53.5; lat += 0.29 {
				w := Point{lng, lat}
				other := FromWGS84(w, c)
				if other == w {
					t.Fatalf("%s left %v unchanged; the transform is not applied", c, w)
				}
				worst = max(worst, DistanceM(ToWGS84(other, c), w))
			}
		}
		if worst > 0.01 {
			t.Errorf("%s round trip: worst error %.4f m, want < 0.01 m", c, worst)
		}
	}
}

// chinaInterior keeps fuzzed points far enough from the edge of the GCJ-02
// box that neither the point nor its offset image crosses it; across that
// edge the mapping is discontinuous by design and cannot round-trip.
func chinaInterior(p Point) bool {
	const margin = 0.05
	return p.Lng >= 72.004+margin && p.Lng <= 137.8347-margin && p.Lat >= 0.8293+margin && p.Lat <= 55.8271-margin
}

func FuzzCRSRoundTrip(f *testing.F) {
	f.Add(116.397128, 39.916527, uint8(1))
	f.Add(118.78, 32.04, uint8(2))
	f.Add(2.2945, 48.8584, uint8(1))
	f.Add(72.06, 0.9, uint8(2))
	f.Add(math.NaN(), 1.0, uint8(1))
	f.Add(-180.0, 90.0, uint8(0))
	f.Fuzz(func(t *testing.T, lng, lat float64, sel uint8) {
		c := []CRS{WGS84, GCJ02, BD09}[int(sel)%3]
		p := Point{lng, lat}
		other := FromWGS84(p, c) // must not panic, whatever p is
		back := ToWGS84(other, c)
		if !p.Valid() {
			return
		}
		if !other.Valid() && math.Abs(p.Lat) < 89 && math.Abs(p.Lng) < 179 {
			t.Fatalf("FromWGS84(%v, %s) = %v, not a valid point", p, c, other)
		}
		if chinaInterior(p) {
			if d := DistanceM(back, p); d > 0.5 {
				t.Fatalf("%s round trip of %v came back as %v, %.3f m off", c, p, back, d)
			}
		}
		if c == GCJ02 && !inChina(p) && other != p {
			t.Fatalf("GCJ-02 changed %v outside China to %v", p, other)
		}
	})
}
