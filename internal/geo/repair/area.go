package repair

import (
	"math"

	"cityloop/internal/geo"
)

// maxCompareEdges bounds the shapes Compare takes on, so that a city
// outline and its districts drawn to the metre cannot hold an import for
// minutes. Past it Compare reports ok false and the caller says the check
// was skipped.
const maxCompareEdges = 200000

// Compare measures how shape a and the shapes bs (valid, e.g. a parent and
// its children) cover each other, in m²: gap is the part of a that no b
// covers, outside the part of the bs beyond a, and overlap the part covered
// by two of the bs (counted once per extra cover, assuming no three meet).
// It uses the rebuild's even-odd rule on the combined rings, so all three
// come from the same rounding and cancel where shapes share an edge.
func Compare(a geo.MultiPolygon, bs []geo.MultiPolygon) (gap, outside, overlap float64, ok bool) {
	var all, children []geo.Ring
	sum := 0.0
	for _, b := range bs {
		for _, poly := range b {
			children = append(children, poly...)
		}
	}
	for _, poly := range a {
		all = append(all, poly...)
	}
	all = append(all, children...)
	edges := 0
	for _, r := range all {
		edges += len(r)
	}
	if edges > maxCompareEdges || len(children) == 0 {
		return 0, 0, 0, false
	}
	o := origin(all)
	area := func(rings []geo.Ring) float64 {
		m, _, err := rebuildAt(rings, o)
		if err != nil {
			return math.NaN()
		}
		return m.AreaM2()
	}
	pa := area(ringsOf(a))
	for _, b := range bs {
		sum += area(ringsOf(b))
	}
	evenOdd := area(children) // union minus twice the overlaps
	xor := area(all)          // a △ evenOdd: gaps plus what lies outside
	if math.IsNaN(pa + sum + evenOdd + xor) {
		return 0, 0, 0, false
	}
	overlap = math.Max(0, (sum-evenOdd)/2)
	gap = math.Max(0, (xor+pa-evenOdd)/2)
	outside = math.Max(0, (xor-pa+evenOdd)/2)
	// The even-odd reading counts an overlap inside a as a gap and one
	// outside as outside; take them back out.
	gap = math.Max(0, gap-overlap)
	return gap, outside, overlap, true
}

func ringsOf(m geo.MultiPolygon) []geo.Ring {
	var out []geo.Ring
	for _, p := range m {
		out = append(out, p...)
	}
	return out
}
