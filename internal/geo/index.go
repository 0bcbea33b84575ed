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
// The layout is a uniform bucket grid over the items' bounds. Grids in one
// city are of similar size, which is the case a uniform grid handles best;
// an R-tree would add code and pointer chasing for nothing.
//
// With 100,000 grids the index is far bigger than the CPU caches, so a lookup
// costs what its cache misses cost, not what its arithmetic costs. The layout
// therefore keeps the chain of dependent memory reads short:
//
//	bucketStart[b] → cands[...] (box and ring offsets, side by side)
//	               → pts[...]   (the ring, contiguous)
//	               → ids[k]     (only on a hit)
//
// Shapes that are not a single ring (holes, several parts) keep their
// MultiPolygon and take one more hop; unit grids are almost always one ring.
type Index struct {
	bounds Bounds
	ids    []string
	shapes []MultiPolygon // per item; consulted only for shapes that are not one ring
	pts    []Point        // the outer rings of single-ring items, back to back

	nx, ny               int     // buckets across and down
	originLng, originLat float64 // south-west corner of bucket (0, 0)
	invW, invH           float64 // buckets per degree
	bucketStart          []int32 // bucket b's candidates are cands[bucketStart[b]:bucketStart[b+1]]
	cands                []candidate
}

// candidate is one item filed under one bucket. The box is rounded outwards
// to float32: it only has to rule items out, the exact test decides, and
// halving its size keeps more of the index in cache.
type candidate struct {
	minLng, minLat, maxLng, maxLat float32
	item                           int32 // index into ids and shapes, in input order
	ptStart, ptEnd                 int32 // the item's ring in pts, or ptStart < 0 for a complex shape
}

// NewIndex builds an index over items. Items with an empty shape or
// non-finite coordinates are left out, since no point could ever be located
// in them; Len reports how many were kept. Shapes are not validated here:
// that belongs where they are imported.
func NewIndex(items []IndexItem) *Index {
	ix := &Index{ids: make([]string, 0, len(items)), shapes: make([]MultiPolygon, 0, len(items))}
	boxes := make([]Bounds, 0, len(items))
	for _, it := range items {
		b := it.Shape.Bounds()
		if b.IsEmpty() || math.IsInf(b.MinLng, 0) || math.IsInf(b.MaxLng, 0) ||
			math.IsInf(b.MinLat, 0) || math.IsInf(b.MaxLat, 0) {
			continue
		}
		ix.ids = append(ix.ids, it.ID)
		ix.shapes = append(ix.shapes, it.Shape)
		boxes = append(boxes, b)
		ix.bounds = ix.bounds.Extend(b)
	}
	if len(ix.ids) == 0 {
		return ix
	}
	ix.originLng, ix.originLat = ix.bounds.MinLng, ix.bounds.MinLat
	ix.chooseBuckets(boxes)
	ix.fill(boxes)
	return ix
}

// chooseBuckets sizes buckets at the median item width and height, so a
// typical item is filed under about four buckets and a bucket holds about
// four candidates. (Halving the bucket size halves the candidates but
// doubles the index, which measures slower once it outgrows the cache.) The
// median ignores the odd district-sized shape that would skew a mean. Two
// caps keep memory linear in the number of items: at most four buckets per
// item, and at most ~32 candidates per item, coarsening until that holds.
func (ix *Index) chooseBuckets(boxes []Bounds) {
	n := len(boxes)
	ws := make([]float64, n)
	hs := make([]float64, n)
	for i, b := range boxes {
		ws[i] = b.MaxLng - b.MinLng
		hs[i] = b.MaxLat - b.MinLat
	}
	sort.Float64s(ws)
	sort.Float64s(hs)
	W := ix.bounds.MaxLng - ix.bounds.MinLng
	H := ix.bounds.MaxLat - ix.bounds.MinLat
	nx := bucketsAlong(W, ws[n/2])
	ny := bucketsAlong(H, hs[n/2])

	maxBuckets := 4*n + 16
	if total := float64(nx) * float64(ny); total > float64(maxBuckets) {
		s := math.Sqrt(total / float64(maxBuckets))
		nx = max(1, int(float64(nx)/s))
		ny = max(1, int(float64(ny)/s))
	}
	maxCands := 32*n + 1024
	for {
		ix.setBuckets(nx, ny, W, H)
		if nx*ny == 1 || ix.countCands(boxes) <= maxCands {
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

func (ix *Index) countCands(boxes []Bounds) int {
	total := 0
	for _, b := range boxes {
		total += (ix.col(b.MaxLng) - ix.col(b.MinLng) + 1) * (ix.row(b.MaxLat) - ix.row(b.MinLat) + 1)
	}
	return total
}

// fill files every item under each bucket its box touches, as compressed
// rows: a counting pass, a prefix sum, then a placing pass in input order so
// each bucket's candidates come out in input order, which is what makes
// "first item wins" hold without sorting.
func (ix *Index) fill(boxes []Bounds) {
	type ringRef struct{ start, end int32 }
	rings := make([]ringRef, len(boxes))
	total := 0
	for _, shape := range ix.shapes {
		if len(shape) == 1 && len(shape[0]) == 1 {
			total += len(shape[0][0])
		}
	}
	ix.pts = make([]Point, 0, total)
	for k, shape := range ix.shapes {
		if len(shape) != 1 || len(shape[0]) != 1 {
			rings[k] = ringRef{-1, -1}
			continue
		}
		start := len(ix.pts)
		ix.pts = append(ix.pts, shape[0][0]...)
		rings[k] = ringRef{int32(start), int32(len(ix.pts))}
	}

	nb := ix.nx * ix.ny
	start := make([]int32, nb+1)
	for _, b := range boxes {
		c0, c1 := ix.col(b.MinLng), ix.col(b.MaxLng)
		for r := ix.row(b.MinLat); r <= ix.row(b.MaxLat); r++ {
			for c := c0; c <= c1; c++ {
				start[r*ix.nx+c+1]++
			}
		}
	}
	for i := range nb {
		start[i+1] += start[i]
	}
	cands := make([]candidate, start[nb])
	next := make([]int32, nb)
	copy(next, start[:nb])
	for k, b := range boxes {
		cand := candidate{
			minLng: roundDown32(b.MinLng), minLat: roundDown32(b.MinLat),
			maxLng: roundUp32(b.MaxLng), maxLat: roundUp32(b.MaxLat),
			item: int32(k), ptStart: rings[k].start, ptEnd: rings[k].end,
		}
		c0, c1 := ix.col(b.MinLng), ix.col(b.MaxLng)
		for r := ix.row(b.MinLat); r <= ix.row(b.MaxLat); r++ {
			for c := c0; c <= c1; c++ {
				bucket := r*ix.nx + c
				cands[next[bucket]] = cand
				next[bucket]++
			}
		}
	}
	ix.bucketStart, ix.cands = start, cands
}

func roundDown32(x float64) float32 {
	f := float32(x)
	if float64(f) > x {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

func roundUp32(x float64) float32 {
	f := float32(x)
	if float64(f) < x {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

// Locate returns the ID of the item containing p (edges count as inside).
// Where items overlap, the one earliest in NewIndex's input wins, so callers
// control precedence by ordering, e.g. newest grid version first.
func (ix *Index) Locate(p Point) (id string, ok bool) {
	b := ix.bounds
	// Written out rather than b.Contains(p) to keep the hot path lean; NaN
	// fails every comparison, so it is rejected here too.
	if len(ix.ids) == 0 || !(p.Lng >= b.MinLng && p.Lng <= b.MaxLng && p.Lat >= b.MinLat && p.Lat <= b.MaxLat) {
		return "", false
	}
	bucket := ix.row(p.Lat)*ix.nx + ix.col(p.Lng)
	// Comparing in float64 keeps the outward rounding of the boxes intact.
	cs := ix.cands[ix.bucketStart[bucket]:ix.bucketStart[bucket+1]]
	for i := range cs {
		c := &cs[i]
		if p.Lng < float64(c.minLng) || p.Lng > float64(c.maxLng) || p.Lat < float64(c.minLat) || p.Lat > float64(c.maxLat) {
			continue
		}
		var hit bool
		if c.ptStart >= 0 {
			in, on := Ring(ix.pts[c.ptStart:c.ptEnd]).locate(p)
			hit = in || on
		} else {
			hit = ix.shapes[c.item].Contains(p)
		}
		if hit {
			return ix.ids[c.item], true
		}
	}
	return "", false
}

// Len returns the number of items the index can locate.
func (ix *Index) Len() int { return len(ix.ids) }

// Bounds returns the box around every indexed item; empty for an empty index.
func (ix *Index) Bounds() Bounds { return ix.bounds }
