package gisfile

import (
	"encoding/binary"
	"math"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
)

// ParseGeoPackageBinary reads a GeoPackage geometry blob: the "GP" header
// (version, flags, srs id, optional envelope) followed by standard WKB.
func ParseGeoPackageBinary(b []byte) (geo.MultiPolygon, error) {
	if len(b) < 8 || b[0] != 'G' || b[1] != 'P' {
		return nil, errs.Invalid("the geometry is not GeoPackage binary (no \"GP\" header)")
	}
	flags := b[3]
	if flags&0x10 != 0 {
		return nil, errs.Invalid("the geometry uses an extended GeoPackage geometry type, which is not supported")
	}
	if flags&0x20 != 0 {
		return nil, errs.Invalid("the geometry is empty")
	}
	env := [...]int{0, 32, 48, 48, 64}
	ei := int(flags>>1) & 7
	if ei >= len(env) {
		return nil, errs.Invalid("the geometry header has an unknown envelope kind %d", ei)
	}
	start := 8 + env[ei]
	if start > len(b) {
		return nil, errs.Invalid("the geometry is cut short")
	}
	return ParseWKB(b[start:])
}

// ParseWKB reads a Polygon or MultiPolygon in well-known binary, in either
// byte order, with Z and M (ISO or extended WKB flags) dropped.
func ParseWKB(b []byte) (geo.MultiPolygon, error) {
	r := wkbReader{b: b}
	typ, dims := r.header()
	var m geo.MultiPolygon
	switch typ {
	case 3:
		m = geo.MultiPolygon{r.polygon(dims)}
	case 6:
		n := r.count(9) // the smallest polygon: header and a ring count
		for i := 0; i < n && r.err == nil; i++ {
			t, d := r.header()
			if t != 3 && r.err == nil {
				r.fail("part %d of the MultiPolygon is WKB type %d, not a Polygon", i, t)
			}
			m = append(m, r.polygon(d))
		}
	default:
		if r.err == nil {
			r.fail("WKB geometry type %d is not supported; use Polygon or MultiPolygon", typ)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(m) == 0 {
		return nil, errs.Invalid("the MultiPolygon has no polygons")
	}
	return m, nil
}

type wkbReader struct {
	b     []byte
	order binary.ByteOrder
	err   error
}

func (r *wkbReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = errs.Invalid("bad WKB geometry: "+format, args...)
	}
}

func (r *wkbReader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.b) {
		r.fail("cut short")
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *wkbReader) u32() uint32 {
	if b := r.take(4); b != nil {
		return r.order.Uint32(b)
	}
	return 0
}

// count reads a count and checks it against what is left, so a corrupt
// count cannot make us allocate gigabytes.
func (r *wkbReader) count(each int) int {
	n := int(r.u32())
	if r.err == nil && n > len(r.b)/each {
		r.fail("count %d is larger than the data", n)
		return 0
	}
	return n
}

// header reads byte order and type, returning the 2-D type and the number
// of coordinates per point.
func (r *wkbReader) header() (typ uint32, dims int) {
	o := r.take(1)
	if o == nil {
		return 0, 2
	}
	switch o[0] {
	case 0:
		r.order = binary.BigEndian
	case 1:
		r.order = binary.LittleEndian
	default:
		r.fail("byte order %d", o[0])
		return 0, 2
	}
	t := r.u32()
	dims = 2
	if t&0x80000000 != 0 { // EWKB Z
		dims++
	}
	if t&0x40000000 != 0 { // EWKB M
		dims++
	}
	t &= 0x0FFFFFFF
	switch t / 1000 {
	case 1, 2:
		dims++
	case 3:
		dims += 2
	}
	return t % 1000, dims
}

func (r *wkbReader) polygon(dims int) geo.Polygon {
	n := r.count(4)
	poly := make(geo.Polygon, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		k := r.count(8 * dims)
		ring := make(geo.Ring, 0, k)
		for j := 0; j < k && r.err == nil; j++ {
			b := r.take(8 * dims)
			if b == nil {
				break
			}
			ring = append(ring, geo.Point{Lng: math.Float64frombits(r.order.Uint64(b)), Lat: math.Float64frombits(r.order.Uint64(b[8:]))})
		}
		poly = append(poly, ring)
	}
	return poly
}
