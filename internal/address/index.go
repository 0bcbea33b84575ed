package address

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"cityloop/internal/geo"
)

// Road is one named centre-line; numbers run from its first point.
type Road struct {
	Name string      `json:"name"`
	Line []geo.Point `json:"line"`
}

// Place is an address point: a house number on a road, where it hangs.
type Place struct {
	Road   string    `json:"road"`
	Number string    `json:"number"`
	At     geo.Point `json:"at"`
}

// Match is the address of a point.
type Match struct {
	Road      string  `json:"road"`
	Number    string  `json:"number"` // "123"; "" when the road has no numbers here
	DistanceM float64 `json:"distance_m"`
	Exact     bool    `json:"exact"` // from an address point, not interpolated
}

const (
	// Spacing is the length of road, in metres, that one odd/even pair of
	// interpolated numbers covers.
	Spacing = 20.0
	// MaxDistanceM is how far from any road a point still gets one: beyond
	// it (a park, a lake) the address stops at the street.
	MaxDistanceM = 500.0
	// PointRadiusM is how near an address point must be to win.
	PointRadiusM = 40.0
)

// metres per degree of latitude on geo's sphere.
const mPerDeg = 6371008.8 * math.Pi / 180

type seg struct {
	ax, ay, bx, by float64
	from           float64 // metres along the road to a
	road           int32
}

// grid is a compressed bucket grid: items of cell c are
// items[start[c]:start[c+1]].
type grid struct {
	start []int32
	items []int32
}

// Index answers [Index.Lookup]. It is read-only once built and safe for
// concurrent use.
type Index struct {
	lng0, lat0, kx float64 // the local plane: x = (lng-lng0)*kx, y = (lat-lat0)*mPerDeg
	cell           float64
	nx, ny         int
	roads          []string
	lines          []Road
	segs           []seg
	segGrid        grid
	places         []Place
	px, py         []float64
	placeGrid      grid
}

// New indexes roads and address points. Roads without a name or with fewer
// than two valid points are skipped, as are invalid places.
func New(roads []Road, places []Place) *Index {
	ix := &Index{}
	b := geo.Bounds{MinLng: math.Inf(1), MinLat: math.Inf(1), MaxLng: math.Inf(-1), MaxLat: math.Inf(-1)}
	grow := func(p geo.Point) {
		b.MinLng, b.MaxLng = min(b.MinLng, p.Lng), max(b.MaxLng, p.Lng)
		b.MinLat, b.MaxLat = min(b.MinLat, p.Lat), max(b.MaxLat, p.Lat)
	}
	var keep []Road
	for _, r := range roads {
		r.Name = strings.TrimSpace(r.Name)
		var line []geo.Point
		for _, p := range r.Line {
			if p.Valid() {
				line = append(line, p)
			}
		}
		if r.Name == "" || len(line) < 2 {
			continue
		}
		for _, p := range line {
			grow(p)
		}
		keep = append(keep, Road{Name: r.Name, Line: line})
	}
	for _, p := range places {
		if p.At.Valid() && strings.TrimSpace(p.Road) != "" && strings.TrimSpace(p.Number) != "" {
			grow(p.At)
			ix.places = append(ix.places, Place{Road: strings.TrimSpace(p.Road), Number: strings.TrimSpace(p.Number), At: p.At})
		}
	}
	if len(keep) == 0 && len(ix.places) == 0 {
		return ix
	}
	ix.lng0, ix.lat0 = b.MinLng, b.MinLat
	ix.kx = mPerDeg * math.Cos((b.MinLat+b.MaxLat)/2*math.Pi/180)
	w, h := (b.MaxLng-b.MinLng)*ix.kx, (b.MaxLat-b.MinLat)*mPerDeg
	// 100 m buckets hold a few segments each in a dense city; a wide
	// import grows them so the grid stays under about four million cells.
	ix.cell = max(100, math.Sqrt(w*h/4e6))
	ix.nx, ix.ny = int(w/ix.cell)+1, int(h/ix.cell)+1

	var boxes [][4]int
	for ri, r := range keep {
		ix.roads = append(ix.roads, r.Name)
		ix.lines = append(ix.lines, r)
		along := 0.0
		for i := 1; i < len(r.Line); i++ {
			ax, ay := ix.xy(r.Line[i-1])
			bx, by := ix.xy(r.Line[i])
			ix.segs = append(ix.segs, seg{ax: ax, ay: ay, bx: bx, by: by, from: along, road: int32(ri)})
			boxes = append(boxes, ix.cells(min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)))
			along += math.Hypot(bx-ax, by-ay)
		}
	}
	ix.segGrid = ix.fill(boxes)
	boxes = boxes[:0]
	for _, p := range ix.places {
		x, y := ix.xy(p.At)
		ix.px, ix.py = append(ix.px, x), append(ix.py, y)
		boxes = append(boxes, ix.cells(x, y, x, y))
	}
	ix.placeGrid = ix.fill(boxes)
	return ix
}

func (ix *Index) xy(p geo.Point) (float64, float64) {
	return (p.Lng - ix.lng0) * ix.kx, (p.Lat - ix.lat0) * mPerDeg
}

func (ix *Index) clampX(v float64) int { return min(max(int(v/ix.cell), 0), ix.nx-1) }
func (ix *Index) clampY(v float64) int { return min(max(int(v/ix.cell), 0), ix.ny-1) }

// cells is the block of buckets a box covers: x0, y0, x1, y1 inclusive.
func (ix *Index) cells(x0, y0, x1, y1 float64) [4]int {
	return [4]int{ix.clampX(x0), ix.clampY(y0), ix.clampX(x1), ix.clampY(y1)}
}

// fill builds the compressed grid in two passes: count, then place.
func (ix *Index) fill(boxes [][4]int) grid {
	g := grid{start: make([]int32, ix.nx*ix.ny+1)}
	for _, c := range boxes {
		for y := c[1]; y <= c[3]; y++ {
			for x := c[0]; x <= c[2]; x++ {
				g.start[y*ix.nx+x+1]++
			}
		}
	}
	for i := 1; i < len(g.start); i++ {
		g.start[i] += g.start[i-1]
	}
	g.items = make([]int32, g.start[len(g.start)-1])
	next := append([]int32(nil), g.start[:len(g.start)-1]...)
	for i, c := range boxes {
		for y := c[1]; y <= c[3]; y++ {
			for x := c[0]; x <= c[2]; x++ {
				k := y*ix.nx + x
				g.items[next[k]] = int32(i)
				next[k]++
			}
		}
	}
	return g
}

// Len is the number of roads and of address points indexed.
func (ix *Index) Len() (roads, places int) { return len(ix.roads), len(ix.places) }

// ring calls f with the items of the buckets at Chebyshev distance r from
// bucket (cx, cy).
func (ix *Index) ring(g grid, cx, cy, r int, f func(int32)) {
	for y := cy - r; y <= cy+r; y++ {
		if y < 0 || y >= ix.ny {
			continue
		}
		step := 2 * r
		if y == cy-r || y == cy+r || r == 0 {
			step = 1
		}
		for x := cx - r; x <= cx+r; x += step {
			if x >= 0 && x < ix.nx {
				k := y*ix.nx + x
				for _, it := range g.items[g.start[k]:g.start[k+1]] {
					f(it)
				}
			}
		}
	}
}

// Lookup is the address of p: false when no road lies within
// [MaxDistanceM] (or nothing is indexed).
func (ix *Index) Lookup(p geo.Point) (Match, bool) {
	if ix.nx == 0 || !p.Valid() {
		return Match{}, false
	}
	x, y := ix.xy(p)
	cx, cy := int(math.Floor(x/ix.cell)), int(math.Floor(y/ix.cell))
	// A point outside the indexed box starts from the nearest bucket and
	// counts the rings it skipped as distance.
	ccx, ccy := min(max(cx, 0), ix.nx-1), min(max(cy, 0), ix.ny-1)
	skip := max(abs(cx-ccx), abs(cy-ccy))
	maxR := int(MaxDistanceM/ix.cell) + 1
	best, bestD, bestT := int32(-1), math.Inf(1), 0.0
	var bestSide float64
	for r := 0; r <= maxR; r++ {
		ix.ring(ix.segGrid, ccx, ccy, r, func(i int32) {
			s := &ix.segs[i]
			d, t, side := distSeg(x, y, s)
			if d < bestD || (d == bestD && i < best) {
				best, bestD, bestT, bestSide = i, d, t, side
			}
		})
		// Every segment not yet seen lies outside the rings searched, at
		// least (r+skip) buckets away.
		if best >= 0 && bestD <= float64(r+skip)*ix.cell {
			break
		}
	}
	if best < 0 || bestD > MaxDistanceM {
		return Match{}, false
	}
	s := &ix.segs[best]
	m := Match{Road: ix.roads[s.road], DistanceM: math.Round(bestD*10) / 10}
	along := s.from + bestT*math.Hypot(s.bx-s.ax, s.by-s.ay)
	n := 2*int(along/Spacing) + 1 // 左单右双
	if bestSide < 0 {
		n++
	}
	m.Number = strconv.Itoa(n)
	if pl, ok := ix.nearestPlace(x, y, ccx, ccy); ok {
		m.Road, m.Number, m.Exact = pl.Road, pl.Number, true
	}
	return m, true
}

// nearestPlace is the nearest address point within PointRadiusM.
func (ix *Index) nearestPlace(x, y float64, cx, cy int) (Place, bool) {
	if len(ix.places) == 0 {
		return Place{}, false
	}
	best, bestD := int32(-1), PointRadiusM
	for r := 0; r <= int(PointRadiusM/ix.cell)+1; r++ {
		ix.ring(ix.placeGrid, cx, cy, r, func(i int32) {
			if d := math.Hypot(ix.px[i]-x, ix.py[i]-y); d < bestD || (d == bestD && best >= 0 && i < best) {
				best, bestD = i, d
			}
		})
	}
	if best < 0 {
		return Place{}, false
	}
	return ix.places[best], true
}

// distSeg is the distance from (x, y) to s, where along s (0–1) the nearest
// point is, and the side: > 0 left of a→b, < 0 right.
func distSeg(x, y float64, s *seg) (d, t, side float64) {
	dx, dy := s.bx-s.ax, s.by-s.ay
	l2 := dx*dx + dy*dy
	if l2 > 0 {
		t = min(max(((x-s.ax)*dx+(y-s.ay)*dy)/l2, 0), 1)
	}
	px, py := s.ax+t*dx, s.ay+t*dy
	return math.Hypot(x-px, y-py), t, dx*(y-s.ay) - dy*(x-s.ax)
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// Format writes the address as people say it: district, street, road and
// number, "玄武区 梅园新村街道 长江路 123 号附近". Without a match it stops at
// the street (empty names are left out).
func Format(district, street string, m Match, ok bool) string {
	parts := make([]string, 0, 5)
	for _, s := range []string{district, street} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if ok {
		parts = append(parts, m.Road)
		if m.Number != "" {
			parts = append(parts, m.Number, "号附近")
		} else {
			parts[len(parts)-1] += "附近"
		}
	}
	return strings.Join(parts, " ")
}

// Mask drops the house number from an address written by [Format], for
// readers who may see the road but not the door: "玄武区 梅园新村街道
// 长江路附近". Text in any other shape keeps only its words before the
// first digit.
func Mask(addr string) string {
	f := strings.Fields(addr)
	if n := len(f); n >= 3 && f[n-1] == "号附近" && isNumber(f[n-2]) {
		return strings.Join(append(f[:n-3:n-3], f[n-3]+"附近"), " ")
	}
	if i := strings.IndexAny(addr, "0123456789０１２３４５６７８９"); i >= 0 {
		return strings.TrimSpace(addr[:i])
	}
	return addr
}

func isNumber(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			if r != '-' && r != '之' {
				return false
			}
		}
	}
	return s != ""
}

// Roads lists the indexed road names, sorted, for a legend or a check.
func (ix *Index) Roads() []string {
	out := append([]string(nil), ix.roads...)
	sort.Strings(out)
	return out
}

// Describe is [Format] of ix's match for p; a nil ix knows no roads.
func (ix *Index) Describe(p geo.Point, district, street string) string {
	if ix == nil {
		return Format(district, street, Match{}, false)
	}
	m, ok := ix.Lookup(p)
	return Format(district, street, m, ok)
}

// Lines are the indexed roads, for drawing; the caller must not change them.
func (ix *Index) Lines() []Road { return ix.lines }
