package geo

import "math"

// metresPerDegree is one degree of latitude on the sphere of earthRadiusM.
const metresPerDegree = earthRadiusM * math.Pi / 180

// Nearest returns the item whose boundary is closest to p, if that is within
// maxM metres. It is for a point that Locate places in no item because it
// fell in a sliver between neighbouring grids, as quantised boundary files
// leave: such a point belongs to the grid beside it, not outside the city.
// Distances are measured in a local equirectangular projection around p,
// exact to well under a percent over tens of metres.
func (ix *Index) Nearest(p Point, maxM float64) (id string, distM float64, ok bool) {
	if len(ix.ids) == 0 || !(maxM > 0) || !p.Valid() {
		return "", 0, false
	}
	kx := metresPerDegree * math.Cos(p.Lat*math.Pi/180) // metres per degree of longitude here
	ky := metresPerDegree
	dLng, dLat := maxM/kx, maxM/ky
	b := ix.bounds
	if p.Lng+dLng < b.MinLng || p.Lng-dLng > b.MaxLng || p.Lat+dLat < b.MinLat || p.Lat-dLat > b.MaxLat {
		return "", 0, false
	}
	best, bestD := -1, maxM
	seen := map[int32]bool{}
	for r := ix.row(p.Lat - dLat); r <= ix.row(p.Lat+dLat); r++ {
		for c := ix.col(p.Lng - dLng); c <= ix.col(p.Lng+dLng); c++ {
			bucket := r*ix.nx + c
			for _, cand := range ix.cands[ix.bucketStart[bucket]:ix.bucketStart[bucket+1]] {
				if seen[cand.item] || p.Lng+dLng < float64(cand.minLng) || p.Lng-dLng > float64(cand.maxLng) ||
					p.Lat+dLat < float64(cand.minLat) || p.Lat-dLat > float64(cand.maxLat) {
					continue
				}
				seen[cand.item] = true
				if d := distanceToShape(ix.shapes[cand.item], p, kx, ky); d <= bestD && (best < 0 || d < bestD || cand.item < int32(best)) {
					best, bestD = int(cand.item), d
				}
			}
		}
	}
	if best < 0 {
		return "", 0, false
	}
	return ix.ids[best], bestD, true
}

// distanceToShape is the distance in metres from p to the nearest edge of m,
// with kx and ky the metres per degree of longitude and latitude at p.
func distanceToShape(m MultiPolygon, p Point, kx, ky float64) float64 {
	d := math.Inf(1)
	for _, poly := range m {
		for _, r := range poly {
			for i := 0; i+1 < len(r); i++ {
				ax, ay := (r[i].Lng-p.Lng)*kx, (r[i].Lat-p.Lat)*ky
				bx, by := (r[i+1].Lng-p.Lng)*kx, (r[i+1].Lat-p.Lat)*ky
				d = math.Min(d, originToSegment(ax, ay, bx, by))
			}
		}
	}
	return d
}

// originToSegment is the distance from (0, 0) to the segment (ax, ay)–(bx, by).
func originToSegment(ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = math.Max(0, math.Min(1, -(ax*dx+ay*dy)/l))
	}
	return math.Hypot(ax+t*dx, ay+t*dy)
}
