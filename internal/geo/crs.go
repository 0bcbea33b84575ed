package geo

import (
	"math"
	"strings"

	"cityloop/internal/errs"
)

// CRS names the coordinate system a client's point is expressed in.
type CRS string

const (
	WGS84 CRS = "wgs84" // GPS, OpenStreetMap, our storage
	GCJ02 CRS = "gcj02" // AMap (高德), Tencent, WeChat location
	BD09  CRS = "bd09"  // Baidu
)

// ParseCRS reads a client-supplied CRS name. The empty string means WGS-84
// because that is what GPS-only devices send when they send nothing.
func ParseCRS(s string) (CRS, error) {
	switch c := CRS(strings.ToLower(strings.TrimSpace(s))); c {
	case "":
		return WGS84, nil
	case WGS84, GCJ02, BD09:
		return c, nil
	}
	return "", errs.Invalid("unknown coordinate system %q; use %s, %s or %s", s, WGS84, GCJ02, BD09).
		WithField("crs", "must be one of wgs84, gcj02, bd09")
}

// ToWGS84 converts p from c to WGS-84. An unknown c is treated as WGS-84:
// validate with ParseCRS at the edge.
func ToWGS84(p Point, c CRS) Point {
	switch c {
	case GCJ02:
		return gcjToWGS(p)
	case BD09:
		return gcjToWGS(bdToGCJ(p))
	}
	return p
}

// FromWGS84 converts a WGS-84 point to c, e.g. to hand it to a map SDK.
func FromWGS84(p Point, c CRS) Point {
	switch c {
	case GCJ02:
		return wgsToGCJ(p)
	case BD09:
		return gcjToBD(wgsToGCJ(p))
	}
	return p
}

// GCJ-02 is a mandated obfuscation of WGS-84 computed on the Krasovsky 1940
// ellipsoid. The forward formula is publicly known and exact; it has no
// closed-form inverse, so gcjToWGS inverts it numerically.
const (
	krasovskyA  = 6378245.0
	krasovskyE2 = 0.00669342162296594323
)

// inChina is the coarse box every public implementation uses to decide
// whether the offset applies; outside it GCJ-02 equals WGS-84. Using the same
// box keeps us consistent with the map SDKs that produced the coordinates.
func inChina(p Point) bool {
	return p.Lng >= 72.004 && p.Lng <= 137.8347 && p.Lat >= 0.8293 && p.Lat <= 55.8271
}

func wgsToGCJ(p Point) Point {
	if !inChina(p) {
		return p
	}
	d := gcjOffset(p)
	return Point{Lng: p.Lng + d.Lng, Lat: p.Lat + d.Lat}
}

// gcjOffset returns the GCJ-02 displacement, in degrees, at WGS-84 point p.
func gcjOffset(p Point) Point {
	x, y := p.Lng-105, p.Lat-35
	// The polynomial-plus-sines below is the displacement in metres on the
	// Krasovsky ellipsoid; it is then turned into degrees by the local radii.
	wave := (20*math.Sin(6*x*math.Pi) + 20*math.Sin(2*x*math.Pi)) * 2 / 3
	dLat := -100 + 2*x + 3*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x)) + wave +
		(20*math.Sin(y*math.Pi)+40*math.Sin(y/3*math.Pi))*2/3 +
		(160*math.Sin(y/12*math.Pi)+320*math.Sin(y*math.Pi/30))*2/3
	dLng := 300 + x + 2*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x)) + wave +
		(20*math.Sin(x*math.Pi)+40*math.Sin(x/3*math.Pi))*2/3 +
		(150*math.Sin(x/12*math.Pi)+300*math.Sin(x/30*math.Pi))*2/3

	φ := p.Lat * math.Pi / 180
	s := math.Sin(φ)
	w := 1 - krasovskyE2*s*s
	sw := math.Sqrt(w)
	meridional := krasovskyA * (1 - krasovskyE2) / (w * sw) // radius of curvature along the meridian
	prime := krasovskyA / sw * math.Cos(φ)                  // radius of the parallel
	return Point{
		Lng: dLng * 180 / (prime * math.Pi),
		Lat: dLat * 180 / (meridional * math.Pi),
	}
}

// gcjToWGS inverts wgsToGCJ by fixed-point iteration. The offset changes by
// well under 1 % per degree, so each step shrinks the error about a
// hundredfold and 1e-9° (≈ 0.1 mm) is reached in three or four steps. The
// one-step shortcut many libraries use (w = g - offset(g)) is off by up to
// ~5 m in China, enough to put a report near a boundary in the wrong grid.
func gcjToWGS(g Point) Point {
	if !inChina(g) {
		return g
	}
	return invert(g, wgsToGCJ)
}

// invert finds w with f(w) ≈ target for an f that is the identity plus a
// slowly varying offset.
func invert(target Point, f func(Point) Point) Point {
	w := target
	for range 30 {
		got := f(w)
		dLng, dLat := got.Lng-target.Lng, got.Lat-target.Lat
		w.Lng -= dLng
		w.Lat -= dLat
		if math.Abs(dLng) < 1e-10 && math.Abs(dLat) < 1e-10 {
			break
		}
	}
	return w
}

// BD-09 is Baidu's second obfuscation layered on GCJ-02: a small rotation and
// scaling in polar form plus a constant shift.
const bdXPi = math.Pi * 3000 / 180

func gcjToBD(g Point) Point {
	x, y := g.Lng, g.Lat
	z := math.Sqrt(x*x+y*y) + 0.00002*math.Sin(y*bdXPi)
	θ := math.Atan2(y, x) + 0.000003*math.Cos(x*bdXPi)
	return Point{Lng: z*math.Cos(θ) + 0.0065, Lat: z*math.Sin(θ) + 0.006}
}

// bdToGCJ inverts gcjToBD. The textbook inverse swaps the signs of the
// perturbations, which is only first-order accurate (errors of a few
// centimetres to decimetres); iterating removes that so the whole
// BD-09 → WGS-84 chain stays well within the 0.5 m budget.
func bdToGCJ(b Point) Point {
	return invert(b, gcjToBD)
}
