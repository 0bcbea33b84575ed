package geo

import (
	"math"
	"testing"
)

func TestIndexNearest(t *testing.T) {
	const deg = 1 / metresPerDegree // one metre of latitude in degrees
	sq := func(lng, lat, d float64) MultiPolygon {
		return MultiPolygon{{Ring{{lng, lat}, {lng + d, lat}, {lng + d, lat + d}, {lng, lat + d}, {lng, lat}}}}
	}
	// Two 200 m grids with a 10 m north–south sliver between them.
	kx := math.Cos(32 * math.Pi / 180)
	w := 200 * deg / kx
	gap := 10 * deg / kx
	ix := NewIndex([]IndexItem{
		{ID: "west", Shape: sq(118, 32, w)},
		{ID: "east", Shape: sq(118+w+gap, 32, w)},
	})
	mid := 32 + 100*deg
	tests := []struct {
		name   string
		p      Point
		maxM   float64
		want   string
		wantM  float64
		wantOK bool
	}{
		{"in the sliver, nearer west", Point{118 + w + 3*deg/kx, mid}, 30, "west", 3, true},
		{"in the sliver, nearer east", Point{118 + w + 8*deg/kx, mid}, 30, "east", 2, true},
		{"beyond the limit", Point{118 - 40*deg/kx, mid}, 30, "", 0, false},
		{"within a larger limit", Point{118 - 40*deg/kx, mid}, 50, "west", 40, true},
		{"south of both", Point{118 + w/2, 32 - 20*deg}, 30, "west", 20, true},
		{"no limit", Point{118 + w + 3*deg/kx, mid}, 0, "", 0, false},
		{"NaN", Point{math.NaN(), mid}, 30, "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, d, ok := ix.Nearest(tt.p, tt.maxM)
			if id != tt.want || ok != tt.wantOK || math.Abs(d-tt.wantM) > 0.05 {
				t.Errorf("Nearest = %q, %.3f m, %v; want %q, %.1f m, %v", id, d, ok, tt.want, tt.wantM, tt.wantOK)
			}
		})
	}
}
