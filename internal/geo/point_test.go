package geo

import (
	"math"
	"testing"
)

func TestPointValid(t *testing.T) {
	tests := []struct {
		p    Point
		want bool
	}{
		{Point{118.78, 32.04}, true},
		{Point{-180, -90}, true},
		{Point{180, 90}, true},
		{Point{180.0001, 0}, false},
		{Point{0, -90.5}, false},
		{Point{math.NaN(), 0}, false},
		{Point{0, math.Inf(1)}, false},
	}
	for _, tt := range tests {
		if got := tt.p.Valid(); got != tt.want {
			t.Errorf("%v.Valid() = %v, want %v", tt.p, got, tt.want)
		}
	}
}

func TestDistanceM(t *testing.T) {
	tests := []struct {
		name   string
		a, b   Point
		want   float64
		relTol float64
	}{
		{"same point", Point{118.78, 32.04}, Point{118.78, 32.04}, 0, 0},
		// One degree of latitude on the mean sphere is 2πR/360.
		{"one degree north", Point{118, 32}, Point{118, 33}, 2 * math.Pi * earthRadiusM / 360, 1e-9},
		{"equator to pole", Point{118, 0}, Point{-30, 90}, math.Pi * earthRadiusM / 2, 1e-9},
		{"antipodes", Point{118.78, 32.04}, Point{118.78 - 180, -32.04}, math.Pi * earthRadiusM, 1e-9},
		{"ten metres east", Point{118.78, 32.04}, Point{118.78 + 10/(111195*math.Cos(32.04*math.Pi/180)), 32.04}, 10, 1e-3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DistanceM(tt.a, tt.b)
			if math.Abs(got-tt.want) > tt.relTol*tt.want+1e-9 {
				t.Errorf("DistanceM = %.3f, want %.3f", got, tt.want)
			}
			if back := DistanceM(tt.b, tt.a); back != got {
				t.Errorf("DistanceM not symmetric: %v vs %v", got, back)
			}
		})
	}
}

func TestBounds(t *testing.T) {
	a := Bounds{MinLng: 118, MinLat: 32, MaxLng: 119, MaxLat: 33}
	b := Bounds{MinLng: 118.5, MinLat: 31, MaxLng: 120, MaxLat: 32.5}
	var zero Bounds

	if got, want := a.Extend(b), (Bounds{118, 31, 120, 33}); got != want {
		t.Errorf("Extend = %v, want %v", got, want)
	}
	if got := zero.Extend(a); got != a {
		t.Errorf("zero.Extend(a) = %v, want a: the zero Bounds must not drag in (0,0)", got)
	}
	if got := a.Extend(zero); got != a {
		t.Errorf("a.Extend(zero) = %v, want a", got)
	}
	if got, want := a.Center(), (Point{118.5, 32.5}); got != want {
		t.Errorf("Center = %v, want %v", got, want)
	}
	if !a.Intersects(b) || a.Intersects(Bounds{120, 40, 121, 41}) || zero.Intersects(a) {
		t.Error("Intersects gave a wrong answer")
	}

	contains := []struct {
		b    Bounds
		p    Point
		want bool
	}{
		{a, Point{118.5, 32.5}, true},
		{a, Point{118, 32}, true}, // corner
		{a, Point{119, 32.7}, true},
		{a, Point{119.0000001, 32.7}, false},
		{a, Point{math.NaN(), 32.5}, false},
		{zero, Point{0, 0}, false},
	}
	for _, tt := range contains {
		if got := tt.b.Contains(tt.p); got != tt.want {
			t.Errorf("%v.Contains(%v) = %v, want %v", tt.b, tt.p, got, tt.want)
		}
	}
}
