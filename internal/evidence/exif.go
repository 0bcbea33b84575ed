package evidence

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"time"
)

// Capture is when and where a photo says it was taken.
type Capture struct {
	At       *time.Time // UTC
	Lng, Lat *float64   // WGS-84, as GPS receivers report
}

// ReadEXIF reads the capture time and GPS position from a photo's EXIF
// block (JPEG APP1, PNG eXIf or WebP EXIF chunk), before the block is
// stripped. The time is DateTimeOriginal with its OffsetTimeOriginal, else
// the GPS date and time stamps (UTC), else DateTimeOriginal read in loc (a
// camera clock without a zone keeps local time). Every offset is checked
// against the data, so any input is safe; what cannot be read is left nil.
func ReadEXIF(data []byte, loc *time.Location) Capture {
	t := findTIFF(data)
	if t == nil {
		return Capture{}
	}
	var c Capture
	x := tiff{b: t}
	switch string(t[:min(4, len(t))]) {
	case "II*\x00":
		x.bo = binary.LittleEndian
	case "MM\x00*":
		x.bo = binary.BigEndian
	default:
		return Capture{}
	}
	ifd0 := x.ifd(x.u32(4))
	exif := x.ifd(x.ptr(ifd0, 0x8769))
	gps := x.ifd(x.ptr(ifd0, 0x8825))

	if lat, ok := x.degrees(gps, 2, 1, 'S'); ok {
		if lng, ok := x.degrees(gps, 4, 3, 'W'); ok && !(lat == 0 && lng == 0) {
			c.Lat, c.Lng = &lat, &lng
		}
	}
	original := x.ascii(exif, 0x9003)
	if original == "" {
		original = x.ascii(ifd0, 0x0132) // DateTime: last change, often the capture
	}
	if at, err := time.Parse("2006:01:02 15:04:05-07:00", original+x.ascii(exif, 0x9011)); err == nil && plausible(at) {
		c.At = utc(at)
	} else if at, ok := x.gpsTime(gps); ok && plausible(at) {
		c.At = utc(at)
	} else if loc != nil {
		if at, err := time.ParseInLocation("2006:01:02 15:04:05", original, loc); err == nil && plausible(at) {
			c.At = utc(at)
		}
	}
	return c
}

func utc(t time.Time) *time.Time {
	t = t.UTC().Truncate(time.Microsecond)
	return &t
}

func plausible(t time.Time) bool { return t.Year() >= 2000 && t.Year() <= 2200 }

// findTIFF returns the TIFF block of the first EXIF segment or chunk.
func findTIFF(d []byte) []byte {
	switch {
	case len(d) >= 4 && d[0] == 0xff && d[1] == 0xd8:
		for i := 2; i+4 <= len(d); {
			if d[i] != 0xff {
				return nil
			}
			m := d[i+1]
			if m == 0xff {
				i++
				continue
			}
			if m == 0xd8 || m == 0x01 || (m >= 0xd0 && m <= 0xd7) {
				i += 2
				continue
			}
			if m == 0xda || m == 0xd9 {
				return nil
			}
			n := int(binary.BigEndian.Uint16(d[i+2:]))
			if n < 2 || i+2+n > len(d) {
				return nil
			}
			if seg := d[i+4 : i+2+n]; m == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
				return seg[6:]
			}
			i += 2 + n
		}
	case bytes.HasPrefix(d, []byte("\x89PNG\r\n\x1a\n")):
		for i := 8; i+12 <= len(d); {
			n := int(binary.BigEndian.Uint32(d[i:]))
			if n < 0 || n > len(d)-i-12 {
				return nil
			}
			if string(d[i+4:i+8]) == "eXIf" {
				return d[i+8 : i+8+n]
			}
			i += 12 + n
		}
	case len(d) >= 12 && string(d[:4]) == "RIFF" && string(d[8:12]) == "WEBP":
		for i := 12; i+8 <= len(d); {
			n := int(binary.LittleEndian.Uint32(d[i+4:]))
			if n < 0 || n > len(d)-i-8 {
				return nil
			}
			if string(d[i:i+4]) == "EXIF" {
				c := d[i+8 : i+8+n]
				return bytes.TrimPrefix(c, []byte("Exif\x00\x00"))
			}
			i += 8 + n + n%2
		}
	}
	return nil
}

// tiff reads a TIFF block; every read is bounds-checked and yields zero
// values when out of range.
type tiff struct {
	b  []byte
	bo binary.ByteOrder
}

type ifdEntry struct {
	typ   uint16
	count uint32
	at    int // offset of the entry's 4-byte value field
}

func (x tiff) u16(off int) uint16 {
	if off < 0 || off+2 > len(x.b) {
		return 0
	}
	return x.bo.Uint16(x.b[off:])
}

func (x tiff) u32(off int) int {
	if off < 0 || off+4 > len(x.b) {
		return 0
	}
	return int(x.bo.Uint32(x.b[off:]))
}

// ifd reads the directory at off (0: none) into tag → entry.
func (x tiff) ifd(off int) map[uint16]ifdEntry {
	if off < 8 || off+2 > len(x.b) {
		return nil
	}
	n := int(x.u16(off))
	out := map[uint16]ifdEntry{}
	for k := 0; k < n && k < 512; k++ {
		e := off + 2 + 12*k
		if e+12 > len(x.b) {
			break
		}
		out[x.u16(e)] = ifdEntry{typ: x.u16(e + 2), count: x.bo.Uint32(x.b[e+4:]), at: e + 8}
	}
	return out
}

// value is the bytes of an entry of elem-byte elements.
func (x tiff) value(e ifdEntry, elem int) []byte {
	if e.count == 0 || e.count > 1<<16 {
		return nil
	}
	size := int(e.count) * elem
	off := e.at
	if size > 4 {
		off = x.u32(e.at)
	}
	if off < 0 || off+size > len(x.b) {
		return nil
	}
	return x.b[off : off+size]
}

// ptr is a LONG pointer tag's value (0 when absent).
func (x tiff) ptr(d map[uint16]ifdEntry, tag uint16) int {
	e, ok := d[tag]
	if !ok || (e.typ != 4 && e.typ != 13) || e.count != 1 {
		return 0
	}
	return x.u32(e.at)
}

func (x tiff) ascii(d map[uint16]ifdEntry, tag uint16) string {
	e, ok := d[tag]
	if !ok || e.typ != 2 {
		return ""
	}
	v := x.value(e, 1)
	if i := bytes.IndexByte(v, 0); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(string(v))
}

// rationals reads n unsigned RATIONALs.
func (x tiff) rationals(d map[uint16]ifdEntry, tag uint16, n int) ([]float64, bool) {
	e, ok := d[tag]
	if !ok || e.typ != 5 || int(e.count) != n {
		return nil, false
	}
	v := x.value(e, 8)
	if v == nil {
		return nil, false
	}
	out := make([]float64, n)
	for i := range out {
		num, den := x.bo.Uint32(v[8*i:]), x.bo.Uint32(v[8*i+4:])
		if den == 0 {
			return nil, false
		}
		out[i] = float64(num) / float64(den)
	}
	return out, true
}

// degrees reads a GPS coordinate (degrees, minutes, seconds) with its
// reference letter; neg is the letter that makes it negative (S or W).
func (x tiff) degrees(gps map[uint16]ifdEntry, tag, refTag uint16, neg byte) (float64, bool) {
	dms, ok := x.rationals(gps, tag, 3)
	if !ok {
		return 0, false
	}
	v := dms[0] + dms[1]/60 + dms[2]/3600
	ref := x.ascii(gps, refTag)
	if ref == "" {
		return 0, false
	}
	if ref[0] == neg {
		v = -v
	}
	limit := 90.0
	if neg == 'W' {
		limit = 180
	}
	if math.IsNaN(v) || math.Abs(v) > limit {
		return 0, false
	}
	return v, true
}

// gpsTime reads GPSDateStamp (29) and GPSTimeStamp (7), which are UTC.
func (x tiff) gpsTime(gps map[uint16]ifdEntry) (time.Time, bool) {
	day, err := time.Parse("2006:01:02", x.ascii(gps, 29))
	if err != nil {
		return time.Time{}, false
	}
	hms, ok := x.rationals(gps, 7, 3)
	if !ok || hms[0] >= 24 || hms[1] >= 60 || hms[2] >= 61 {
		return time.Time{}, false
	}
	d := time.Duration(hms[0]*float64(time.Hour) + hms[1]*float64(time.Minute) + hms[2]*float64(time.Second))
	return day.Add(d), true
}
