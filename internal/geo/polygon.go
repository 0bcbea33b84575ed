package geo

import (
	"fmt"
	"math"
	"sort"

	"cityloop/internal/errs"
)

// authalicRadiusM is the radius of the sphere with the same surface area as
// the WGS-84 ellipsoid; using it keeps areas within ~0.3 % of the ellipsoidal
// value at Chinese latitudes.
const authalicRadiusM = 6371007.2

// Ring is a closed sequence of positions: the first and last are equal.
type Ring []Point

// Polygon is an outer ring followed by zero or more holes, as in GeoJSON.
type Polygon []Ring

// MultiPolygon is the one shape type CityLoop stores. Regions and grids that
// arrive as a single Polygon become a MultiPolygon of length one, so callers
// never switch on geometry type.
type MultiPolygon []Polygon

// Bounds returns the box around every outer ring. Holes cannot reach outside
// a valid outer ring, so they are skipped. An empty shape has empty Bounds.
func (m MultiPolygon) Bounds() Bounds {
	first := true
	var b Bounds
	for _, poly := range m {
		if len(poly) == 0 {
			continue
		}
		for _, p := range poly[0] {
			if first {
				b = Bounds{MinLng: p.Lng, MinLat: p.Lat, MaxLng: p.Lng, MaxLat: p.Lat}
				first = false
				continue
			}
			b.MinLng = math.Min(b.MinLng, p.Lng)
			b.MinLat = math.Min(b.MinLat, p.Lat)
			b.MaxLng = math.Max(b.MaxLng, p.Lng)
			b.MaxLat = math.Max(b.MaxLat, p.Lat)
		}
	}
	return b
}

// Contains reports whether p lies inside m. A point on any edge, including a
// hole's edge, counts as inside: a report on the boundary line between two
// grids must land in one of them rather than in neither.
func (m MultiPolygon) Contains(p Point) bool {
	for _, poly := range m {
		if poly.contains(p) {
			return true
		}
	}
	return false
}

func (poly Polygon) contains(p Point) bool {
	if len(poly) == 0 {
		return false
	}
	in, on := poly[0].locate(p)
	if on {
		return true
	}
	if !in {
		return false
	}
	for _, hole := range poly[1:] {
		in, on := hole.locate(p)
		if on {
			return true
		}
		if in {
			return false
		}
	}
	return true
}

// locate runs the even-odd crossing test and notices when p lies exactly on
// an edge. The side of each straddling edge is read from the sign of a cross
// product rather than by computing where the edge meets p's latitude: no
// division, and "on the edge" (a zero cross product) and "left of the edge"
// come from the same number, so the two can never disagree. That exactness is
// what makes points on the axis-aligned edges of grid squares reliably "on".
// Iterating with j = i-1 also closes a ring whose last point was left off, so
// an unvalidated shape still gives a sensible answer.
func (r Ring) locate(p Point) (inside, onEdge bool) {
	n := len(r)
	if n == 0 || p.Lng != p.Lng || p.Lat != p.Lat { // NaN would flip the parity at random
		return false, false
	}
	for i, j := 0, n-1; i < n; j, i = i, i+1 {
		a, b := r[j], r[i]
		if (a.Lat > p.Lat) != (b.Lat > p.Lat) {
			c := cross(a, b, p)
			if c == 0 {
				return true, true
			}
			// p is left of an upward edge exactly when the edge crosses the
			// ray running east from p.
			if (c > 0) == (b.Lat > a.Lat) {
				inside = !inside
			}
			continue
		}
		// The edge does not straddle p's latitude, so p can only be on it as
		// an endpoint or along a horizontal edge at p's latitude.
		if p == a || p == b {
			return true, true
		}
		if a.Lat == p.Lat && b.Lat == p.Lat && (a.Lng <= p.Lng) != (b.Lng <= p.Lng) {
			return true, true
		}
	}
	return inside, false
}

// onSegment reports whether p lies on the closed segment ab.
func onSegment(p, a, b Point) bool {
	if (p.Lng < a.Lng && p.Lng < b.Lng) || (p.Lng > a.Lng && p.Lng > b.Lng) ||
		(p.Lat < a.Lat && p.Lat < b.Lat) || (p.Lat > a.Lat && p.Lat > b.Lat) {
		return false
	}
	return cross(a, b, p) == 0
}

// cross is the z component of (b-a)×(c-a): positive when c is left of ab.
func cross(a, b, c Point) float64 {
	return (b.Lng-a.Lng)*(c.Lat-a.Lat) - (b.Lat-a.Lat)*(c.Lng-a.Lng)
}

// AreaM2 returns the area in square metres. Each edge is treated as straight
// in the cylindrical equal-area projection, which gives the exact spherical
// area of lng/lat rectangles and is within ~0.5 % of the ellipsoid for city
// shapes (Chamberlain & Duquette, "Some algorithms for polygons on a sphere",
// 2007).
func (m MultiPolygon) AreaM2() float64 {
	var total float64
	for _, poly := range m {
		total += poly.areaM2()
	}
	return total
}

func (poly Polygon) areaM2() float64 {
	if len(poly) == 0 {
		return 0
	}
	a := math.Abs(poly[0].sphericalArea())
	for _, hole := range poly[1:] {
		a -= math.Abs(hole.sphericalArea())
	}
	return math.Max(a, 0)
}

// sphericalArea returns the signed area in m², positive for counter-clockwise
// rings. The "2 +" of the published formula sums to zero over a closed ring
// and is left out to keep small rings free of cancellation.
func (r Ring) sphericalArea() float64 {
	n := len(r)
	if n < 3 {
		return 0
	}
	const rad = math.Pi / 180
	var sum float64
	for i, j := 0, n-1; i < n; j, i = i, i+1 {
		a, b := r[j], r[i]
		sum += (b.Lng - a.Lng) * rad * (math.Sin(a.Lat*rad) + math.Sin(b.Lat*rad))
	}
	return sum * authalicRadiusM * authalicRadiusM / 2
}

// PlanarArea is planarArea for the packages that repair rings: its sign
// says which way r is wound (positive counter-clockwise).
func (r Ring) PlanarArea() float64 { return r.planarArea() }

// planarArea returns the signed shoelace area in square degrees, relative to
// the first point to keep precision at lng ≈ 118.
func (r Ring) planarArea() float64 {
	if len(r) < 3 {
		return 0
	}
	o := r[0]
	var sum float64
	for i := 1; i+1 < len(r); i++ {
		sum += cross(o, r[i], r[i+1])
	}
	return sum / 2
}

// Centroid returns the area centroid of the outer ring of the largest
// polygon. Holes and other parts are ignored because the point is only used
// to place a label or centre a map, and a concave ring may put it outside the
// shape. An empty shape gives the zero Point.
func (m MultiPolygon) Centroid() Point {
	best, bestArea := -1, -1.0
	for i, poly := range m {
		if a := poly.areaM2(); len(poly) > 0 && a > bestArea {
			best, bestArea = i, a
		}
	}
	if best < 0 {
		return Point{}
	}
	return m[best][0].centroid()
}

func (r Ring) centroid() Point {
	if len(r) == 0 {
		return Point{}
	}
	o := r[0]
	var sx, sy, sa float64
	for i := 1; i+1 < len(r); i++ {
		a := Point{r[i].Lng - o.Lng, r[i].Lat - o.Lat}
		b := Point{r[i+1].Lng - o.Lng, r[i+1].Lat - o.Lat}
		c := a.Lng*b.Lat - b.Lng*a.Lat // twice the signed area of triangle (o, a, b)
		sa += c
		sx += (a.Lng + b.Lng) * c
		sy += (a.Lat + b.Lat) * c
	}
	if sa == 0 {
		// Degenerate ring: fall back to the mean of its distinct vertices.
		var mx, my float64
		pts := r
		if len(pts) > 1 && pts[0] == pts[len(pts)-1] {
			pts = pts[:len(pts)-1]
		}
		for _, p := range pts {
			mx += p.Lng
			my += p.Lat
		}
		return Point{Lng: mx / float64(len(pts)), Lat: my / float64(len(pts))}
	}
	return Point{Lng: o.Lng + sx/(3*sa), Lat: o.Lat + sy/(3*sa)}
}

// Validate reports the first reason m cannot be used as a region or grid
// boundary, as a KindInvalid error whose message names the polygon, ring and
// (for crossings) the two segments, so a person can fix the source file.
// Details carry the same positions for a client that wants to highlight them.
// Segment k joins point k and point k+1 of its ring; all positions are
// zero-based.
func (m MultiPolygon) Validate() error {
	if len(m) == 0 {
		return errs.Invalid("geometry is empty")
	}
	for pi, poly := range m {
		if len(poly) == 0 {
			return errs.Invalid("polygon %d has no rings", pi).With("polygon", pi)
		}
		for ri, ring := range poly {
			if err := validateRing(pi, ri, ring); err != nil {
				return err
			}
		}
		for ri, hole := range poly[1:] {
			for k, p := range hole {
				if in, on := poly[0].locate(p); !in && !on {
					return errs.Invalid("%s: point %d %s lies outside the outer ring", ringName(pi, ri+1), k, fmtPoint(p)).
						With("polygon", pi).With("ring", ri+1).With("point", k)
				}
			}
		}
	}
	return nil
}

func ringName(pi, ri int) string {
	if ri == 0 {
		return fmt.Sprintf("polygon %d outer ring", pi)
	}
	return fmt.Sprintf("polygon %d hole %d", pi, ri)
}

func fmtPoint(p Point) string { return fmt.Sprintf("(%g, %g)", p.Lng, p.Lat) }

func validateRing(pi, ri int, r Ring) error {
	name := ringName(pi, ri)
	where := func(e *errs.Error) *errs.Error { return e.With("polygon", pi).With("ring", ri) }
	if len(r) < 4 {
		return where(errs.Invalid("%s has %d points; a closed ring needs at least 4 (the first repeated at the end)", name, len(r)))
	}
	for k, p := range r {
		if !p.Valid() {
			return where(errs.Invalid("%s: point %d %s is not a valid longitude/latitude", name, k, fmtPoint(p))).With("point", k)
		}
	}
	if r[0] != r[len(r)-1] {
		return where(errs.Invalid("%s is not closed: first point %s differs from last point %s", name, fmtPoint(r[0]), fmtPoint(r[len(r)-1])))
	}

	// Repeated consecutive points are common in exported data and harmless,
	// but they would make zero-length segments that confuse the crossing
	// test, so check the ring with them removed while remembering where each
	// kept segment started in the original.
	pts := make([]Point, 0, len(r))
	start := make([]int, 0, len(r))
	for k, p := range r {
		if len(pts) > 0 && pts[len(pts)-1] == p {
			start[len(start)-1] = k // the real segment leaves from the last copy
			continue
		}
		pts = append(pts, p)
		start = append(start, k)
	}
	if len(pts) < 4 {
		return where(errs.Invalid("%s has fewer than 3 distinct points", name))
	}
	if i, j, ok := selfIntersection(pts); ok {
		si, sj := start[i], start[j]
		return where(errs.Invalid("%s intersects itself: segment %d %s→%s crosses segment %d %s→%s",
			name, si, fmtPoint(pts[i]), fmtPoint(pts[i+1]), sj, fmtPoint(pts[j]), fmtPoint(pts[j+1]))).
			With("segments", []int{si, sj})
	}
	if Ring(pts).planarArea() == 0 {
		return where(errs.Invalid("%s encloses no area", name))
	}
	return nil
}

// selfIntersection looks for two segments of the closed ring pts that touch
// where they should not, returning their indices (i < j). Neighbouring
// segments may share their common vertex but must not fold back over each
// other; any other pair must not touch at all (a ring that pinches itself at
// a vertex is invalid in GeoJSON/OGC terms too).
//
// Segments are sorted by their west edge and each is compared only with those
// that start before it ends, which keeps the usual case near n log n without
// the bookkeeping of a full Bentley–Ottmann sweep.
func selfIntersection(pts []Point) (int, int, bool) {
	s := len(pts) - 1 // number of segments; pts[s] == pts[0]
	order := make([]int, s)
	for i := range order {
		order[i] = i
	}
	west := func(i int) float64 { return math.Min(pts[i].Lng, pts[i+1].Lng) }
	east := func(i int) float64 { return math.Max(pts[i].Lng, pts[i+1].Lng) }
	sort.Slice(order, func(a, b int) bool { return west(order[a]) < west(order[b]) })

	bestI, bestJ, found := 0, 0, false
	for a, i := range order {
		e := east(i)
		for _, j := range order[a+1:] {
			if west(j) > e {
				break
			}
			lo, hi := min(i, j), max(i, j)
			if !segmentsConflict(pts, s, lo, hi) {
				continue
			}
			// Report the earliest pair along the ring so the message is
			// stable whatever order the sweep visited them in.
			if !found || lo < bestI || (lo == bestI && hi < bestJ) {
				bestI, bestJ, found = lo, hi, true
			}
		}
	}
	return bestI, bestJ, found
}

// segmentsConflict decides one pair (i < j) of the s segments of pts.
func segmentsConflict(pts []Point, s, i, j int) bool {
	a, b := pts[i], pts[i+1]
	c, d := pts[j], pts[j+1]
	switch {
	case j == i+1: // b == c is their shared vertex
		return foldsBack(a, b, d)
	case i == 0 && j == s-1: // the closing pair: d == a
		return foldsBack(c, a, b)
	}
	return segmentsTouch(a, b, c, d)
}

// foldsBack reports whether the path p→q→r doubles back on itself along one
// line, i.e. the two segments overlap beyond their shared vertex q.
func foldsBack(p, q, r Point) bool {
	if cross(p, q, r) != 0 {
		return false
	}
	return (q.Lng-p.Lng)*(r.Lng-q.Lng)+(q.Lat-p.Lat)*(r.Lat-q.Lat) < 0
}

// segmentsTouch reports whether closed segments ab and cd share any point.
func segmentsTouch(a, b, c, d Point) bool {
	d1, d2 := cross(c, d, a), cross(c, d, b)
	d3, d4 := cross(a, b, c), cross(a, b, d)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return (d1 == 0 && onSegment(a, c, d)) || (d2 == 0 && onSegment(b, c, d)) ||
		(d3 == 0 && onSegment(c, a, b)) || (d4 == 0 && onSegment(d, a, b))
}
