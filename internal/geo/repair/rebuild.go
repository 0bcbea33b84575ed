package repair

import (
	"math"
	"sort"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
)

// meeting says how two segments meet.
type meeting int

const (
	none    meeting = iota
	crosses         // they cross at one point interior to both
	touches         // an endpoint of one lies on the other
	overlap         // they are collinear and share more than a point
)

// intersect classifies how segments ab and cd meet; for a crossing it also
// returns the point. Exact predicates decide the kind; only the crossing
// point itself is rounded.
func intersect(a, b, c, d geo.Point) (geo.Point, bool, meeting) {
	d1, d2 := cross(c, d, a), cross(c, d, b)
	d3, d4 := cross(a, b, c), cross(a, b, d)
	if d1 == 0 && d2 == 0 {
		if onSegment(c, a, b) || onSegment(d, a, b) || onSegment(a, c, d) || onSegment(b, c, d) {
			return geo.Point{}, false, overlap
		}
		return geo.Point{}, false, none
	}
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		t := d1 / (d1 - d2)
		return geo.Point{Lng: a.Lng + t*(b.Lng-a.Lng), Lat: a.Lat + t*(b.Lat-a.Lat)}, true, crosses
	}
	if (d1 == 0 && onSegment(a, c, d)) || (d2 == 0 && onSegment(b, c, d)) ||
		(d3 == 0 && onSegment(c, a, b)) || (d4 == 0 && onSegment(d, a, b)) {
		return geo.Point{}, false, touches
	}
	return geo.Point{}, false, none
}

// onSegment reports whether p lies on the closed segment ab.
func onSegment(p, a, b geo.Point) bool {
	if (p.Lng < a.Lng && p.Lng < b.Lng) || (p.Lng > a.Lng && p.Lng > b.Lng) ||
		(p.Lat < a.Lat && p.Lat < b.Lat) || (p.Lat > a.Lat && p.Lat > b.Lat) {
		return false
	}
	return cross(a, b, p) == 0
}

// strictlyOn reports whether p lies on segment ab other than at its ends.
func strictlyOn(p, a, b geo.Point) bool { return p != a && p != b && onSegment(p, a, b) }

type segment struct {
	a, b   geo.Point
	ring   int
	splits []geo.Point
}

// snapTol is how close, in grid units, a rounded crossing may come to a
// vertex or an earlier crossing on the same segments before it is taken to
// be that point. Without it, three segments meeting near one point produce
// crossings a unit apart, and the slivers between them have no reliable
// inside or outside.
const snapTol = 1.5

func snap(p geo.Point, s, t *segment) geo.Point {
	near := func(q geo.Point) bool { return math.Abs(p.Lng-q.Lng) < snapTol && math.Abs(p.Lat-q.Lat) < snapTol }
	for _, q := range []geo.Point{s.a, s.b, t.a, t.b} {
		if near(q) {
			return q
		}
	}
	for _, q := range append(s.splits, t.splits...) {
		if near(q) {
			return q
		}
	}
	return p
}

// crossing is where two segments of the input cross, for the report.
type crossing struct {
	at         geo.Point
	ring, with int
}

// node splits every segment of rings wherever another segment crosses it,
// ends on it or runs along it, so that afterwards pieces meet only at their
// ends. Segments are swept by their west edge so only those whose boxes
// overlap are compared.
//
// A crossing point is rounded to the nearest float, which can leave a new
// piece crossing a neighbour it did not cross before; noding the pieces
// again until nothing crosses removes those, and in practice the second
// pass finds nothing.
func node(rings []geo.Ring) ([][2]geo.Point, []crossing) {
	var segs []segment
	for ri, r := range rings {
		for k := 0; k+1 < len(r); k++ {
			if r[k] != r[k+1] {
				segs = append(segs, segment{a: r[k], b: r[k+1], ring: ri})
			}
		}
	}
	pieces, xs := nodeOnce(segs)
	for range 8 {
		segs = segs[:0]
		for _, p := range pieces.all {
			segs = append(segs, segment{a: p[0], b: p[1]})
		}
		var more []crossing
		if pieces, more = nodeOnce(segs); len(more) == 0 && !pieces.split {
			break
		}
	}
	return pieces.all, xs
}

// noded is the result of one noding pass.
type noded struct {
	all   [][2]geo.Point
	split bool // some segment was split
}

func nodeOnce(segs []segment) (noded, []crossing) {
	west := func(s *segment) float64 { return math.Min(s.a.Lng, s.b.Lng) }
	sort.SliceStable(segs, func(i, j int) bool { return west(&segs[i]) < west(&segs[j]) })
	var xs []crossing
	for i := range segs {
		s := &segs[i]
		east := math.Max(s.a.Lng, s.b.Lng)
		south, north := math.Min(s.a.Lat, s.b.Lat), math.Max(s.a.Lat, s.b.Lat)
		for j := i + 1; j < len(segs) && west(&segs[j]) <= east; j++ {
			t := &segs[j]
			if math.Max(t.a.Lat, t.b.Lat) < south || math.Min(t.a.Lat, t.b.Lat) > north {
				continue
			}
			p, ok, kind := intersect(s.a, s.b, t.a, t.b)
			switch {
			case ok:
				p = snap(geo.Point{Lng: math.Round(p.Lng), Lat: math.Round(p.Lat)}, s, t)
				s.splits = append(s.splits, p)
				t.splits = append(t.splits, p)
				xs = append(xs, crossing{at: p, ring: s.ring, with: t.ring})
			case kind == touches || kind == overlap:
				for _, q := range []geo.Point{t.a, t.b} {
					if strictlyOn(q, s.a, s.b) {
						s.splits = append(s.splits, q)
					}
				}
				for _, q := range []geo.Point{s.a, s.b} {
					if strictlyOn(q, t.a, t.b) {
						t.splits = append(t.splits, q)
					}
				}
			}
		}
	}
	var pieces noded
	for i := range segs {
		s := &segs[i]
		pieces.split = pieces.split || len(s.splits) > 0
		dx, dy := s.b.Lng-s.a.Lng, s.b.Lat-s.a.Lat
		along := func(p geo.Point) float64 { return (p.Lng-s.a.Lng)*dx + (p.Lat-s.a.Lat)*dy }
		sort.Slice(s.splits, func(x, y int) bool { return along(s.splits[x]) < along(s.splits[y]) })
		prev := s.a
		for _, p := range append(s.splits, s.b) {
			if p != prev {
				pieces.all = append(pieces.all, [2]geo.Point{prev, p})
				prev = p
			}
		}
	}
	return pieces, xs
}

// boundary keeps the pieces covered an odd number of times: crossing one of
// them changes the even-odd parity, crossing an even stack does not.
func boundary(pieces [][2]geo.Point) [][2]geo.Point {
	type key [2]geo.Point
	norm := func(e [2]geo.Point) key {
		if e[1].Lng < e[0].Lng || (e[1].Lng == e[0].Lng && e[1].Lat < e[0].Lat) {
			return key{e[1], e[0]}
		}
		return key(e)
	}
	count := make(map[key]int, len(pieces))
	var order []key
	for _, e := range pieces {
		k := norm(e)
		if count[k] == 0 {
			order = append(order, k)
		}
		count[k]++
	}
	out := make([][2]geo.Point, 0, len(order))
	for _, k := range order {
		if count[k]%2 == 1 {
			out = append(out, [2]geo.Point(k))
		}
	}
	return out
}

// orient turns every edge so the even-odd interior is on its left. The
// parity just beside an edge's midpoint is read from a ray cast from the
// midpoint away from the edge: east for a slanted or vertical edge, north
// for a horizontal one. No other edge passes through the midpoint (the
// edges are noded), so the ray's count differs from that of a point just
// beside the midpoint only by the edge itself. Only the edges in the
// midpoint's band of latitude (or longitude) are tested, which keeps a
// district outline of ten thousand points from costing a hundred million
// tests.
func orient(edges [][2]geo.Point) {
	east := newBands(edges, false)
	var north *bands // built only if there is a horizontal edge
	for i, e := range edges {
		a, b := e[0], e[1]
		m := geo.Point{Lng: a.Lng + (b.Lng-a.Lng)/2, Lat: a.Lat + (b.Lat-a.Lat)/2}
		var parity int
		if a.Lat != b.Lat {
			parity = rayCount(edges, east.at(m.Lat), i, m, false)
			if b.Lat > a.Lat { // left is west; that point's ray also crosses e
				parity++
			}
		} else {
			if north == nil {
				north = newBands(edges, true)
			}
			parity = rayCount(edges, north.at(m.Lng), i, m, true)
			if b.Lng < a.Lng { // left is south; that point's ray also crosses e
				parity++
			}
		}
		if parity%2 == 0 {
			edges[i] = [2]geo.Point{b, a}
		}
	}
}

// bands files edges by the stretch of latitude (or, byLng, longitude) they
// span, so a ray along one line meets only the edges of its band.
type bands struct {
	lo, inv float64
	byLng   bool
	of      [][]int32
}

func newBands(edges [][2]geo.Point, byLng bool) *bands {
	coord := func(p geo.Point) float64 {
		if byLng {
			return p.Lng
		}
		return p.Lat
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, e := range edges {
		lo = math.Min(lo, math.Min(coord(e[0]), coord(e[1])))
		hi = math.Max(hi, math.Max(coord(e[0]), coord(e[1])))
	}
	// About eight edges a band, fewer bands where long edges would be filed
	// under so many that the bands outgrow the edges thirty-two times.
	n := min(max(len(edges)/8, 1), 1<<14)
	bs := &bands{lo: lo, byLng: byLng}
	for {
		bs.of = make([][]int32, n)
		if hi > lo {
			bs.inv = float64(n) / (hi - lo)
		}
		total := 0
		for _, e := range edges {
			a, b := coord(e[0]), coord(e[1])
			total += bs.band(math.Max(a, b)) - bs.band(math.Min(a, b)) + 1
		}
		if total <= 32*len(edges) || n == 1 {
			break
		}
		n /= 2
	}
	for i, e := range edges {
		a, b := coord(e[0]), coord(e[1])
		for k := bs.band(math.Min(a, b)); k <= bs.band(math.Max(a, b)); k++ {
			bs.of[k] = append(bs.of[k], int32(i))
		}
	}
	return bs
}

func (bs *bands) band(v float64) int {
	return min(max(int((v-bs.lo)*bs.inv), 0), len(bs.of)-1)
}

func (bs *bands) at(v float64) []int32 { return bs.of[bs.band(v)] }

// rayCount counts the edges of cands other than skip crossed by the ray
// east from m (or north, by working with the axes swapped). An edge counts
// when it straddles the ray's line half-open (one end strictly above, the
// other on or below), which counts a ray through a vertex once.
func rayCount(edges [][2]geo.Point, cands []int32, skip int, m geo.Point, north bool) int {
	if north {
		m = swap(m)
	}
	n := 0
	for _, i := range cands {
		if int(i) == skip {
			continue
		}
		a, b := edges[i][0], edges[i][1]
		if north {
			a, b = swap(a), swap(b)
		}
		if (a.Lat > m.Lat) == (b.Lat > m.Lat) {
			continue
		}
		// m left of an upward edge means the edge is east of m.
		if c := cross(a, b, m); c != 0 && (c > 0) == (b.Lat > a.Lat) {
			n++
		}
	}
	return n
}

func swap(p geo.Point) geo.Point { return geo.Point{Lng: p.Lat, Lat: p.Lng} }

// trace walks the oriented edges into closed rings. At a vertex with several
// ways on it takes the sharpest left turn, which keeps each ring around the
// least interior; rings that still pass twice through a vertex are then cut
// there into separate rings.
func trace(edges [][2]geo.Point) ([]geo.Ring, error) {
	out := make(map[geo.Point][]int, len(edges))
	for i, e := range edges {
		out[e[0]] = append(out[e[0]], i)
	}
	used := make([]bool, len(edges))
	var rings []geo.Ring
	for start := range edges {
		if used[start] {
			continue
		}
		ring := geo.Ring{edges[start][0]}
		for cur := start; ; {
			used[cur] = true
			v := edges[cur][1]
			ring = append(ring, v)
			next := leftmost(edges, cur, out[v])
			if next == start {
				break
			}
			if next < 0 || used[next] {
				return nil, errs.Invalid("could not repair the geometry: its edges do not close into rings near %s", place(v))
			}
			cur = next
		}
		rings = append(rings, splitPinches(ring)...)
	}
	return rings, nil
}

// leftmost picks, of the edges leaving the end of edge cur, the first met
// turning clockwise from the way back along cur.
func leftmost(edges [][2]geo.Point, cur int, from []int) int {
	v := edges[cur][1]
	back := math.Atan2(edges[cur][0].Lat-v.Lat, edges[cur][0].Lng-v.Lng)
	best, bestTurn := -1, math.Inf(1)
	for _, i := range from {
		w := edges[i][1]
		turn := math.Mod(back-math.Atan2(w.Lat-v.Lat, w.Lng-v.Lng), 2*math.Pi)
		if turn <= 0 {
			turn += 2 * math.Pi
		}
		if turn < bestTurn {
			best, bestTurn = i, turn
		}
	}
	return best
}

// splitPinches cuts a closed ring at every vertex it passes through twice.
func splitPinches(r geo.Ring) []geo.Ring {
	var out []geo.Ring
	stack := make([]geo.Point, 0, len(r))
	pos := make(map[geo.Point]int, len(r))
	for _, p := range r {
		if i, ok := pos[p]; ok {
			loop := append(geo.Ring{}, stack[i:]...)
			loop = append(loop, p)
			if len(loop) >= 4 {
				out = append(out, loop)
			}
			for _, q := range stack[i+1:] {
				delete(pos, q)
			}
			stack = stack[:i+1]
			continue
		}
		pos[p] = len(stack)
		stack = append(stack, p)
	}
	return out
}

// assemble gives each hole (a clockwise ring) to the smallest shell
// (counter-clockwise ring) around it. No shells gives an empty shape.
func assemble(rings []geo.Ring) (geo.MultiPolygon, error) {
	var shells, holes []geo.Ring
	for _, r := range rings {
		switch a := r.PlanarArea(); {
		case a > 0:
			shells = append(shells, r)
		case a < 0:
			holes = append(holes, r)
		}
	}
	out := make(geo.MultiPolygon, len(shells))
	for i, s := range shells {
		out[i] = geo.Polygon{s}
	}
	for _, h := range holes {
		m := geo.Point{Lng: (h[0].Lng + h[1].Lng) / 2, Lat: (h[0].Lat + h[1].Lat) / 2}
		best, bestArea := -1, math.Inf(1)
		for i, s := range shells {
			if a := s.PlanarArea(); a < bestArea && (geo.MultiPolygon{{s}}).Contains(m) {
				best, bestArea = i, a
			}
		}
		if best < 0 {
			return nil, errs.Invalid("could not repair the geometry: the hole at %s lies outside every outer ring", place(h[0]))
		}
		out[best] = append(out[best], h)
	}
	return out, nil
}

// unit is the grid, in degrees (about 1 cm), that a rebuilt shape is
// drawn on. Working in whole units keeps collinearity and "this vertex lies
// on that edge" exact (products of differences up to 2^26 units, some 6°,
// stay exact in a float64), which decimal degrees do not: 118.009 has no
// exact binary form, so a spike along a diagonal would not be seen as one.
// Only shapes that need the rebuild are rounded; valid ones keep every digit.
const unit = 1e-7

// rebuild replaces rings by the boundary of their even-odd interior.
func rebuild(rings []geo.Ring) (geo.MultiPolygon, []crossing, error) {
	return rebuildAt(rings, origin(rings))
}

// origin is the south-west corner of rings' box, moved onto a 0.01° grid
// so that shapes measured against each other (Compare) round their
// vertices the same way.
func origin(rings []geo.Ring) geo.Point {
	o := rings[0][0]
	for _, r := range rings {
		for _, p := range r {
			o.Lng, o.Lat = math.Min(o.Lng, p.Lng), math.Min(o.Lat, p.Lat)
		}
	}
	return geo.Point{Lng: math.Floor(o.Lng*100) / 100, Lat: math.Floor(o.Lat*100) / 100}
}

func rebuildAt(rings []geo.Ring, o geo.Point) (geo.MultiPolygon, []crossing, error) {
	to := func(p geo.Point) geo.Point {
		return geo.Point{Lng: math.Round((p.Lng - o.Lng) / unit), Lat: math.Round((p.Lat - o.Lat) / unit)}
	}
	back := func(p geo.Point) geo.Point { return geo.Point{Lng: o.Lng + p.Lng*unit, Lat: o.Lat + p.Lat*unit} }
	grid := make([]geo.Ring, len(rings))
	for i, r := range rings {
		g := make(geo.Ring, 0, len(r))
		for _, p := range r {
			if q := to(p); len(g) == 0 || g[len(g)-1] != q {
				g = append(g, q)
			}
		}
		grid[i] = g
	}
	pieces, xs := node(grid)
	for i := range xs {
		xs[i].at = back(xs[i].at)
	}
	edges := boundary(pieces)
	orient(edges)
	traced, err := trace(edges)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range traced {
		for k, p := range r {
			r[k] = back(p)
		}
	}
	out, err := assemble(traced)
	return out, xs, err
}
