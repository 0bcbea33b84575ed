package geo

import "math"

// earthRadiusM is the IUGG mean radius. Distances in a city are short enough
// that the sphere's error (≤ 0.5 %) is far below GPS noise.
const earthRadiusM = 6371008.8

// Point is a position in degrees. Unless a function says otherwise it is
// WGS-84; callers convert with ToWGS84 as soon as a point enters the system.
type Point struct {
	Lng float64 `json:"lng"`
	Lat float64 `json:"lat"`
}

// Valid reports whether p is a finite position on the globe.
// The comparisons are written so that NaN fails them.
func (p Point) Valid() bool {
	return p.Lng >= -180 && p.Lng <= 180 && p.Lat >= -90 && p.Lat <= 90
}

// DistanceM returns the great-circle distance between a and b in metres
// (haversine formula, which stays accurate for the few-metre distances used by
// duplicate detection, unlike the spherical law of cosines).
func DistanceM(a, b Point) float64 {
	φ1, φ2 := a.Lat*math.Pi/180, b.Lat*math.Pi/180
	dφ := φ2 - φ1
	dλ := (b.Lng - a.Lng) * math.Pi / 180
	s := math.Sin(dφ/2)*math.Sin(dφ/2) + math.Cos(φ1)*math.Cos(φ2)*math.Sin(dλ/2)*math.Sin(dλ/2)
	return 2 * earthRadiusM * math.Asin(math.Sqrt(math.Min(1, s)))
}

// Bounds is an axis-aligned box in degrees; edges belong to the box.
//
// The zero Bounds is empty, so `var b Bounds` can accumulate with Extend. The
// price is that a degenerate box at exactly (0, 0) cannot be represented,
// which is in the Gulf of Guinea and of no concern to a Chinese city.
type Bounds struct {
	MinLng, MinLat, MaxLng, MaxLat float64
}

// IsEmpty reports whether b contains no point: the zero value, an inverted
// box, or one with NaN edges.
func (b Bounds) IsEmpty() bool {
	if b == (Bounds{}) {
		return true
	}
	return !(b.MinLng <= b.MaxLng && b.MinLat <= b.MaxLat)
}

// Contains reports whether p lies inside b or on its edge.
func (b Bounds) Contains(p Point) bool {
	return !b.IsEmpty() &&
		p.Lng >= b.MinLng && p.Lng <= b.MaxLng && p.Lat >= b.MinLat && p.Lat <= b.MaxLat
}

// Intersects reports whether b and o share at least one point.
func (b Bounds) Intersects(o Bounds) bool {
	return !b.IsEmpty() && !o.IsEmpty() &&
		b.MinLng <= o.MaxLng && o.MinLng <= b.MaxLng && b.MinLat <= o.MaxLat && o.MinLat <= b.MaxLat
}

// Extend returns the smallest box holding both b and o. An empty side is
// ignored rather than dragging the result towards (0, 0).
func (b Bounds) Extend(o Bounds) Bounds {
	switch {
	case o.IsEmpty():
		return b
	case b.IsEmpty():
		return o
	}
	return Bounds{
		MinLng: math.Min(b.MinLng, o.MinLng),
		MinLat: math.Min(b.MinLat, o.MinLat),
		MaxLng: math.Max(b.MaxLng, o.MaxLng),
		MaxLat: math.Max(b.MaxLat, o.MaxLat),
	}
}

// Center returns the middle of b, or the zero Point when b is empty.
func (b Bounds) Center() Point {
	if b.IsEmpty() {
		return Point{}
	}
	return Point{Lng: (b.MinLng + b.MaxLng) / 2, Lat: (b.MinLat + b.MaxLat) / 2}
}
