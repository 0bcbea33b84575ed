package geo

import (
	"math"
	"sort"
)

// IndexItem is one shape to index, e.g. a unit grid and its code.
type IndexItem struct {
	ID    string
	Shape MultiPolygon
}

// Index answers "which item contains this point?" for a fixed set of shapes.
// It is immutable after NewIndex, so one Index can be shared by every
// goroutine; callers swap in a new Index when grids change.
//
// The layout is a uniform bucket grid over the items' bounds. Each bucket
// lists, in input order, the items whose bounding box touches it, so a lookup
// is one division, a handful of box checks and usually one point-in-polygon
// test. Grids in one city are of similar size, which is exactly the case a
// uniform grid handles best; an R-tree would buy nothing but code.
type Index struct {
	bounds  Bounds
	entries []indexEntry

	nx, ny               int     // buckets across and down
	invW, invH           float64 // buckets per degree
	bucketStart          []int32 // bucket b's entries are bucketItems[bucketStart[b]:bucketStart[b+1]]
	bucketItems          []int32 // indices into entries, ascending within each bucket
	originLng, originLat float64
}

type indexEntry struct {
	box   Bounds
	id    string
	shape MultiPolygon
}

// NewIndex builds an index over items. Items with an empty shape or
// non-finite coordinates are left out, since no point could ever be located
// in them; Len reports how many were kept. Shapes are not validated here:
// that belongs where they are imported.
func NewIndex(items []IndexItem) *Index {
	ix := &Index{entries: make([]indexEntry, 0, len(items))}
	for _, it := range items {
		b := it.Shape.Bounds()
		if b.IsEmpty() || math.IsInf(b.MinLng, 0) || math.IsInf(b.MaxLng, 0) ||
			math.IsInf(b.MinLat, 0) || math.IsInf(b.MaxLat, 0) {
			continue
		}
		ix.entries = append(ix.entries, indexEntry{box: b, id: it.ID, shape: it.Shape})
		ix.bounds = ix.bounds.Extend(b)
	}
	if len(ix.entries) == 0 {
		return ix
	}
	ix.originLng, ix.originLat = ix.bounds.MinLng, ix.bounds.MinLat
	ix.chooseBuckets()
	ix.fill()
	return ix
}

// chooseBuckets sizes buckets at half the median item width and height, so a
// typical item spans about 3×3 buckets and a bucket holds two or three
// candidates. The median ignores the odd district-sized shape that would
// skew a mean. Two caps keep memory linear in the number of items: at most
// four buckets per item, and at most ~32 bucket entries per item (the grid is
// coarsened until that holds).
func (ix *Index) chooseBuckets() {
	n := len(ix.entries)
	ws := make([]float64, n)
	hs := make([]float64, n)
	for i, e := range ix.entries {
		ws[i] = e.box.MaxLng - e.box.MinLng
		hs[i] = e.box.MaxLat - e.box.MinLat
	}
	sort.Float64s(ws)
	sort.Float64s(hs)
	W := ix.bounds.MaxLng - ix.bounds.MinLng
	H := ix.bounds.MaxLat - ix.bounds.MinLat
	nx := bucketsAlong(W, ws[n/2]/2)
	ny := bucketsAlong(H, hs[n/2]/2)

	maxBuckets := 4*n + 16
	if total := float64(nx) * float64(ny); total > float64(maxBuckets) {
		s := math.Sqrt(total / float64(maxBuckets))
		nx = max(1, int(float64(nx)/s))
		ny = max(1, int(float64(ny)/s))
	}
	maxEntries := 32*n + 1024
	for {
		ix.setBuckets(nx, ny, W, H)
		if nx*ny == 1 || ix.countEntries() <= maxEntries {
			return
		}
		nx, ny = (nx+1)/2, (ny+1)/2
	}
}

// bucketsAlong returns how many buckets of size cell fit across span.
func bucketsAlong(span, cell float64) int {
	if !(span > 0) || !(cell > 0) {
		return 1
	}
	k := math.Ceil(span / cell)
	if k > 1<<16 {
		return 1 << 16
	}
	return max(1, int(k))
}

func (ix *Index) setBuckets(nx, ny int, W, H float64) {
	ix.nx, ix.ny = nx, ny
	ix.invW, ix.invH = 0, 0
	if W > 0 {
		ix.invW = float64(nx) / W
	}
	if H > 0 {
		ix.invH = float64(ny) / H
	}
}

// col and row map a coordinate to its bucket. Both are monotonic in their
// argument, which is what guarantees that a point inside an item's box falls
// in one of the buckets the item was filed under.
func (ix *Index) col(lng float64) int {
	c := int((lng - ix.originLng) * ix.invW)
	return min(max(c, 0), ix.nx-1)
}

func (ix *Index) row(lat float64) int {
	r := int((lat - ix.originLat) * ix.invH)
	return min(max(r, 0), ix.ny-1)
}

func (ix *Index) countEntries() int {
	total := 0
	for _, e := range ix.entries {
		total += (ix.col(e.box.MaxLng) - ix.col(e.box.MinLng) + 1) * (ix.row(e.box.MaxLat) - ix.row(e.box.MinLat) + 1)
	}
	return total
}

// fill files every entry under each bucket its box touches, as compressed
// rows: a counting pass, a prefix sum, then a placing pass in input order so
// each bucket's list comes out sorted.
func (ix *Index) fill() {
	nb := ix.nx * ix.ny
	start := make([]int32, nb+1)
	for _, e := range ix.entries {
		c0, c1 := ix.col(e.box.MinLng), ix.col(e.box.MaxLng)
		for r := ix.row(e.box.MinLat); r <= ix.row(e.box.MaxLat); r++ {
			for c := c0; c <= c1; c++ {
				start[r*ix.nx+c+1]++
			}
		}
	}
	for b := 0; b < nb; b++ {
		start[b+1] += start[b]
	}
	items := make([]int32, start[nb])
	next := make([]int32, nb)
	copy(next, start[:nb])
	for i, e := range ix.entries {
		c0, c1 := ix.col(e.box.MinLng), ix.col(e.box.MaxLng)
		for r := ix.row(e.box.MinLat); r <= ix.row(e.box.MaxLat); r++ {
			for c := c0; c <= c1; c++ {
				b := r*ix.nx + c
				items[next[b]] = int32(i)
				next[b]++
			}
		}
	}
	ix.bucketStart, ix.bucketItems = start, items
}

// Locate returns the ID of the item containing p (edges count as inside).
// Where items overlap, the one earliest in NewIndex's input wins, so callers
// control precedence by ordering, e.g. newest grid version first.
func (ix *Index) Locate(p Point) (id string, ok bool) {
	b := ix.bounds
	// Written out rather than b.Contains(p) to keep the hot path free of the
	// emptiness test; NaN fails every comparison, so it is rejected here too.
	if !(p.Lng >= b.MinLng && p.Lng <= b.MaxLng && p.Lat >= b.MinLat && p.Lat <= b.MaxLat) || len(ix.entries) == 0 {
		return "", false
	}
	bucket := ix.row(p.Lat)*ix.nx + ix.col(p.Lng)
	for _, k := range ix.bucketItems[ix.bucketStart[bucket]:ix.bucketStart[bucket+1]] {
		e := &ix.entries[k]
		if p.Lng < e.box.MinLng || p.Lng > e.box.MaxLng || p.Lat < e.box.MinLat || p.Lat > e.box.MaxLat {
			continue
		}
		if e.shape.Contains(p) {
			return e.id, true
		}
	}
	return "", false
}

// Len returns the number of items the index can locate.
func (ix *Index) Len() int { return len(ix.entries) }

// Bounds returns the box around every indexed item; empty for an empty index.
func (ix *Index) Bounds() Bounds { return ix.bounds }
