// Package repair turns the boundary geometry that GIS offices and public map
// services actually hand out into shapes geo.MultiPolygon.Validate accepts,
// the way PostGIS's ST_MakeValid or QGIS's "fix geometries" would, and says
// exactly what it changed.
//
// The meaning of an input is taken to be the even-odd interior of all its
// rings together: a point is inside when a ray from it crosses the rings an
// odd number of times. That is the one reading that needs no trust in ring
// order, winding or which polygon a ring was listed under, and it is the
// reading every renderer uses, so what the user saw on their map is what
// gets imported. Repair rebuilds the boundary of that interior: it nodes all
// segments at their crossings, keeps the pieces covered an odd number of
// times (a back-tracking spike covers its piece twice and vanishes), orients
// each piece with the interior on its left, and walks the pieces into rings
// that turn as far left as they can, so a ring that touches itself comes out
// as separate parts. Holes are then given to the smallest shell around them.
//
// The package is pure: no I/O, only geo and errs.
package repair

import (
	"fmt"
	"math"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
)

// Kind names one sort of repair.
type Kind string

// The repairs Repair makes. The names are stable: the console translates them.
const (
	ClosedRing     Kind = "closed_ring"          // first point appended at the end
	RepeatedPoints Kind = "dropped_repeated"     // consecutive duplicate points removed
	Degenerate     Kind = "dropped_degenerate"   // a ring with fewer than 3 distinct points or no area
	Spike          Kind = "dropped_spike"        // a path that goes out and comes back along itself
	SelfTouch      Kind = "split_self_touching"  // a ring passes twice through one vertex
	SelfCross      Kind = "split_self_crossing"  // a ring crosses itself
	RingsCross     Kind = "resolved_rings_cross" // two rings of the feature cross or overlap
	HoleAssigned   Kind = "assigned_hole"        // a hole moved to the shell that contains it
	Rewound        Kind = "rewound"              // ring turned round to RFC 7946 winding
)

// Repair is one change, placed so a person can find it on a map.
type Repair struct {
	Kind   Kind    `json:"kind"`
	Lng    float64 `json:"lng"`
	Lat    float64 `json:"lat"`
	Detail string  `json:"detail"`
}

// String is the repair as one line: "kind at lon,lat: detail".
func (r Repair) String() string {
	if r.Lng == 0 && r.Lat == 0 { // the "and N more" line has no place
		return fmt.Sprintf("%s: %s", r.Kind, r.Detail)
	}
	return fmt.Sprintf("%s at %s: %s", r.Kind, place(geo.Point{Lng: r.Lng, Lat: r.Lat}), r.Detail)
}

func place(p geo.Point) string { return fmt.Sprintf("%.7f,%.7f", p.Lng, p.Lat) }

func at(k Kind, p geo.Point, format string, args ...any) Repair {
	return Repair{Kind: k, Lng: p.Lng, Lat: p.Lat, Detail: fmt.Sprintf(format, args...)}
}

// MultiPolygon repairs m, whose rings may be unclosed, self-touching,
// self-crossing, wound either way or listed under the wrong shell. It returns
// a shape that passes Validate with exterior rings counter-clockwise and
// holes clockwise (RFC 7946 §3.1.6), and every repair made. It refuses, with
// a KindInvalid error naming the place, only what has no repair: positions
// that are not longitude/latitude, or rings that enclose no area at all.
func MultiPolygon(m geo.MultiPolygon) (geo.MultiPolygon, []Repair, error) {
	var reps []Repair
	var in []inputRing
	for pi, poly := range m {
		for ri, raw := range poly {
			r, rr, err := cleanRing(pi, ri, raw)
			if err != nil {
				return nil, nil, err
			}
			reps = append(reps, rr...)
			if r != nil {
				in = append(in, inputRing{Ring: r, name: ringName(pi, ri), poly: pi, outer: ri == 0})
			}
		}
	}
	if len(in) == 0 {
		return nil, nil, errs.Invalid("the geometry has no ring that encloses any area")
	}
	// Most shapes in a real file are already fine but for winding or a
	// missing closing point; they skip the rebuild and keep their vertices
	// exactly as given.
	if out, ok := asGiven(in); ok {
		out, rr := rewind(out)
		return out, capped(append(reps, rr...)), nil
	}
	rings := make([]geo.Ring, len(in))
	for i, r := range in {
		rings[i] = r.Ring
	}
	out, xs, err := rebuild(rings)
	if err != nil {
		return nil, nil, err
	}
	if len(out) == 0 {
		return nil, nil, errs.Invalid("nothing is left after the repair: the rings enclose no area once spikes and doubled edges are removed (first point %s)", place(rings[0][0]))
	}
	reps = append(reps, diagnose(in, xs)...)
	reps = append(reps, misplaced(in)...)
	if err := out.Validate(); err != nil {
		// The rebuild works in floating point; a crossing point rounded onto
		// the wrong side of a third segment can leave a defect. Say so
		// rather than import a shape that misbehaves.
		return nil, nil, errs.Invalid("could not repair the geometry: after rebuilding it, %s", errMessage(err))
	}
	return out, capped(reps), nil
}

// inputRing is a cleaned ring with where it was listed.
type inputRing struct {
	geo.Ring
	name  string
	poly  int
	outer bool
}

// maxPerKind bounds the report of one feature: a file quantised to a coarse
// grid can have thousands of spikes, and the hundredth adds nothing.
const maxPerKind = 20

func capped(reps []Repair) []Repair {
	seen := map[Kind]int{}
	out := reps[:0:0]
	for _, r := range reps {
		seen[r.Kind]++
		if seen[r.Kind] <= maxPerKind {
			out = append(out, r)
		}
	}
	for _, r := range out[:len(out):len(out)] {
		if n := seen[r.Kind]; n > maxPerKind {
			out = append(out, Repair{Kind: r.Kind, Detail: fmt.Sprintf("and %d more of this kind", n-maxPerKind)})
			seen[r.Kind] = 0
		}
	}
	return out
}

// diagnose names what the rebuild undid, from the input rings and the
// crossings the noding found.
func diagnose(in []inputRing, xs []crossing) []Repair {
	var reps []Repair
	for _, r := range in {
		n := len(r.Ring) - 1
		seen := make(map[geo.Point]bool, n)
		base := map[geo.Point]bool{} // where a spike leaves the ring, which it then passes twice
		for k := 0; k < n; k++ {
			p, q, s := r.Ring[(k+n-1)%n], r.Ring[k], r.Ring[(k+1)%n]
			if cross(p, q, s) == 0 && (q.Lng-p.Lng)*(s.Lng-q.Lng)+(q.Lat-p.Lat)*(s.Lat-q.Lat) < 0 {
				reps = append(reps, at(Spike, q, "%s runs out to this point and back along itself; the spike was removed", r.name))
				if p == s {
					base[p] = true
				}
			}
		}
		for k := 0; k < n; k++ {
			q := r.Ring[k]
			if seen[q] && !base[q] {
				reps = append(reps, at(SelfTouch, q, "%s passes through this point twice; it was split here into separate rings", r.name))
			}
			seen[q] = true
		}
	}
	for _, x := range xs {
		if x.ring == x.with {
			reps = append(reps, at(SelfCross, x.at, "%s crosses itself here; it was split into parts, keeping what lies inside an odd number of times", in[x.ring].name))
		} else {
			reps = append(reps, at(RingsCross, x.at, "%s crosses %s here; the area inside both was taken out", in[x.ring].name, in[x.with].name))
		}
	}
	return reps
}

// misplaced reports holes listed under a shell that does not contain them
// (or before any shell) and outer rings that lie inside another outer ring,
// which the rebuild turned into holes of the shell around them.
func misplaced(in []inputRing) []Repair {
	var reps []Repair
	outerOf := map[int]geo.Ring{}
	for _, r := range in {
		if r.outer {
			outerOf[r.poly] = r.Ring
		}
	}
	inside := func(p geo.Point, shell geo.Ring) bool { return geo.MultiPolygon{{shell}}.Contains(p) }
	for _, r := range in {
		m := geo.Point{Lng: (r.Ring[0].Lng + r.Ring[1].Lng) / 2, Lat: (r.Ring[0].Lat + r.Ring[1].Lat) / 2}
		if !r.outer {
			if shell, ok := outerOf[r.poly]; !ok || !inside(m, shell) {
				reps = append(reps, at(HoleAssigned, r.Ring[0], "%s does not lie inside its polygon's outer ring; it was given to the ring that contains it", r.name))
			}
			continue
		}
		for _, o := range in {
			if o.outer && o.poly != r.poly && inside(m, o.Ring) && o.Ring.PlanarArea() != 0 && math.Abs(o.Ring.PlanarArea()) > math.Abs(r.Ring.PlanarArea()) {
				reps = append(reps, at(HoleAssigned, r.Ring[0], "%s lies inside %s; it was read as a hole there", r.name, o.name))
				break
			}
		}
	}
	return reps
}

func errMessage(err error) string {
	if e, ok := errs.As(err); ok {
		return e.Message
	}
	return err.Error()
}

// cleanRing checks the positions of one ring, closes it and drops repeated
// points. It returns nil for a ring that cannot enclose anything.
func cleanRing(pi, ri int, in geo.Ring) (geo.Ring, []Repair, error) {
	var reps []Repair
	name := ringName(pi, ri)
	for k, p := range in {
		if !p.Valid() {
			return nil, nil, errs.Invalid("%s: point %d (%g, %g) is not a valid longitude/latitude; nothing can repair that", name, k, p.Lng, p.Lat).
				With("polygon", pi).With("ring", ri).With("point", k)
		}
	}
	r := make(geo.Ring, 0, len(in)+1)
	dropped := 0
	var firstDrop geo.Point
	for _, p := range in {
		if len(r) > 0 && r[len(r)-1] == p {
			if dropped == 0 {
				firstDrop = p
			}
			dropped++
			continue
		}
		r = append(r, p)
	}
	if len(r) > 0 && r[0] != r[len(r)-1] {
		reps = append(reps, at(ClosedRing, r[0], "%s was not closed; its first point was repeated at the end", name))
		r = append(r, r[0])
	}
	if dropped > 0 {
		reps = append(reps, at(RepeatedPoints, firstDrop, "%s: %d repeated point(s) removed", name, dropped))
	}
	if len(r) < 4 || r.PlanarArea() == 0 && !selfCrosses(r) {
		p := geo.Point{}
		if len(r) > 0 {
			p = r[0]
		}
		reps = append(reps, at(Degenerate, p, "%s has fewer than 3 distinct points or encloses no area; dropped", name))
		return nil, reps, nil
	}
	return r, reps, nil
}

// selfCrosses is a cheap screen used only to tell a flat ring (no area, to
// be dropped) from a figure-of-eight whose two loops cancel in the shoelace
// sum but each enclose area.
func selfCrosses(r geo.Ring) bool {
	return geo.MultiPolygon{{r}}.Validate() != nil && len(r) > 4
}

func ringName(pi, ri int) string {
	if ri == 0 {
		return fmt.Sprintf("polygon %d outer ring", pi)
	}
	return fmt.Sprintf("polygon %d hole %d", pi, ri)
}

// cross is the z component of (b-a)×(c-a): positive when c is left of ab.
func cross(a, b, c geo.Point) float64 {
	return (b.Lng-a.Lng)*(c.Lat-a.Lat) - (b.Lat-a.Lat)*(c.Lng-a.Lng)
}

// asGiven rebuilds the polygons in the order given when that is already
// valid, and reports false otherwise.
func asGiven(in []inputRing) (geo.MultiPolygon, bool) {
	var out geo.MultiPolygon
	for _, r := range in {
		if r.outer {
			out = append(out, geo.Polygon{r.Ring})
			continue
		}
		if len(out) == 0 {
			return nil, false // a hole before any shell
		}
		out[len(out)-1] = append(out[len(out)-1], r.Ring)
	}
	if out.Validate() != nil {
		return nil, false
	}
	// Validate checks each hole against its shell but not holes against
	// each other or parts against parts; those need the rebuild.
	for _, poly := range out {
		for i, h := range poly[1:] {
			for _, g := range poly[i+2:] {
				if ringsMeet(h, g) {
					return nil, false
				}
			}
		}
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if ringsMeet(out[i][0], out[j][0]) {
				return nil, false
			}
		}
	}
	return out, true
}

// ringsMeet reports whether two rings' boxes overlap and then whether either
// has a vertex inside or on the other or their edges cross: cheap enough for
// the few rings of a feature and conservative, since meeting only sends the
// shape to the rebuild.
func ringsMeet(a, b geo.Ring) bool {
	ba, bb := geo.MultiPolygon{{a}}.Bounds(), geo.MultiPolygon{{b}}.Bounds()
	if ba.MaxLng < bb.MinLng || bb.MaxLng < ba.MinLng || ba.MaxLat < bb.MinLat || bb.MaxLat < ba.MinLat {
		return false
	}
	if (geo.MultiPolygon{{a}}).Contains(b[0]) || (geo.MultiPolygon{{b}}).Contains(a[0]) {
		return true
	}
	for i := 0; i+1 < len(a); i++ {
		for j := 0; j+1 < len(b); j++ {
			if _, _, kind := intersect(a[i], a[i+1], b[j], b[j+1]); kind != none {
				return true
			}
		}
	}
	return false
}

// rewind makes exteriors counter-clockwise and holes clockwise, in place,
// noting each ring it turned.
func rewind(m geo.MultiPolygon) (geo.MultiPolygon, []Repair) {
	var reps []Repair
	for pi, poly := range m {
		for ri, r := range poly {
			if a := r.PlanarArea(); (ri == 0) != (a > 0) {
				reverse(r)
				dir := "counter-clockwise as an outer ring"
				if ri > 0 {
					dir = "clockwise as a hole"
				}
				reps = append(reps, at(Rewound, r[0], "%s was wound the other way; now %s", ringName(pi, ri), dir))
			}
		}
	}
	return m, reps
}

func reverse(r geo.Ring) {
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
}
