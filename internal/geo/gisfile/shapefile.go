package gisfile

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"path"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
)

// maxMember bounds one file inside the zip, against zip bombs.
const maxMember = 512 << 20

// ReadShapefile reads a zip holding one Shapefile: .shp (geometry), .dbf
// (attributes), and optionally .prj (coordinate system, WGS-84 if absent)
// and .cpg (text encoding of the .dbf). The .shx index is not needed: the
// .shp is read from start to end.
func ReadShapefile(data []byte) ([]geo.Feature, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, errs.Invalid("the file is not a readable zip archive: %v", err)
	}
	parts := map[string][]byte{}
	var base string
	for _, f := range zr.File {
		name := path.Base(f.Name)
		if strings.HasPrefix(name, ".") || strings.HasPrefix(f.Name, "__MACOSX/") {
			continue // macOS resource forks
		}
		ext := strings.ToLower(path.Ext(name))
		switch ext {
		case ".shp", ".dbf", ".prj", ".cpg":
		default:
			continue
		}
		stem := strings.TrimSuffix(f.Name, path.Ext(name))
		if ext == ".shp" {
			if base != "" && base != stem {
				return nil, errs.Invalid("the zip holds more than one Shapefile (%s.shp and %s.shp); put one in each zip", base, stem)
			}
			base = stem
		}
		rc, err := f.Open()
		if err != nil {
			return nil, errs.Invalid("cannot open %s in the zip: %v", f.Name, err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, maxMember+1))
		rc.Close()
		if err != nil {
			return nil, errs.Invalid("cannot read %s in the zip: %v", f.Name, err)
		}
		if len(b) > maxMember {
			return nil, errs.Invalid("%s in the zip is larger than %d MiB", f.Name, maxMember>>20)
		}
		parts[stem+ext] = b
	}
	if base == "" {
		return nil, errs.Invalid("the zip holds no .shp file; a Shapefile needs at least its .shp and .dbf")
	}
	shp, dbf := parts[base+".shp"], parts[base+".dbf"]
	if dbf == nil {
		return nil, errs.Invalid("the zip has %s.shp but no %s.dbf; the attributes (code, name, level, parent) are in the .dbf", base, base)
	}
	crs, err := ParseDeclaration(string(parts[base+".prj"]))
	if err != nil {
		return nil, err
	}
	shapes, err := ParseSHP(shp)
	if err != nil {
		return nil, err
	}
	rows, err := ParseDBF(dbf, string(parts[base+".cpg"]))
	if err != nil {
		return nil, err
	}
	if len(rows) != len(shapes) {
		return nil, errs.Invalid("the .shp has %d shapes but the .dbf has %d records; the two files do not belong together", len(shapes), len(rows))
	}
	feats := make([]geo.Feature, len(shapes))
	for i, s := range shapes {
		feats[i] = geo.Feature{Index: i, Properties: rows[i], Geometry: s.Geometry, GeometryErr: s.Err}
	}
	return ToWGS84(feats, crs), nil
}

// Shape is one record of a .shp file.
type Shape struct {
	Geometry geo.MultiPolygon
	Err      error // why the record has no usable geometry
}

// Shape types of the .shp format (ESRI Shapefile Technical Description, 1998).
const (
	shpNull     = 0
	shpPolygon  = 5
	shpPolygonZ = 15
	shpPolygonM = 25
)

// ParseSHP reads the records of a .shp file. Polygon, PolygonZ and PolygonM
// are read (Z and M dropped); a null shape or another type is an error of
// its record. Rings are grouped as the format defines — a clockwise ring
// starts a new polygon, counter-clockwise ones are its holes — and left as
// written otherwise; repair sorts out files that break the rule.
func ParseSHP(b []byte) ([]Shape, error) {
	if len(b) < 100 || binary.BigEndian.Uint32(b[0:4]) != 9994 {
		return nil, errs.Invalid("the .shp file is not a Shapefile (bad header)")
	}
	var out []Shape
	for off := 100; off < len(b); {
		if off+8 > len(b) {
			return nil, errs.Invalid("the .shp file is cut short at byte %d", off)
		}
		n := int(binary.BigEndian.Uint32(b[off+4:off+8])) * 2
		off += 8
		if n < 4 || n > len(b)-off {
			return nil, errs.Invalid("record %d of the .shp file is cut short or has a bad length", len(out)+1)
		}
		out = append(out, parseShape(b[off:off+n]))
		off += n
	}
	return out, nil
}

func parseShape(c []byte) Shape {
	le := binary.LittleEndian
	switch t := le.Uint32(c[0:4]); t {
	case shpNull:
		return Shape{Err: errs.Invalid("the shape is empty (null shape)")}
	case shpPolygon, shpPolygonZ, shpPolygonM:
	default:
		return Shape{Err: errs.Invalid("shape type %d is not a polygon; only Polygon shapefiles hold regions", t)}
	}
	if len(c) < 44 {
		return Shape{Err: errs.Invalid("the polygon record is cut short")}
	}
	parts, points := int(le.Uint32(c[36:40])), int(le.Uint32(c[40:44]))
	pts := 44 + 4*parts
	if parts < 1 || points < 1 || parts > len(c)/4 || points > len(c)/16 || pts+16*points > len(c) {
		return Shape{Err: errs.Invalid("the polygon record is cut short or has bad counts (%d parts, %d points)", parts, points)}
	}
	var m geo.MultiPolygon
	for i := range parts {
		from := int(le.Uint32(c[44+4*i:]))
		to := points
		if i+1 < parts {
			to = int(le.Uint32(c[44+4*(i+1):]))
		}
		if from < 0 || to > points || from >= to {
			return Shape{Err: errs.Invalid("part %d of the polygon has bad point indexes", i)}
		}
		r := make(geo.Ring, 0, to-from)
		for k := from; k < to; k++ {
			o := pts + 16*k
			r = append(r, geo.Point{Lng: math.Float64frombits(le.Uint64(c[o:])), Lat: math.Float64frombits(le.Uint64(c[o+8:]))})
		}
		if r.PlanarArea() < 0 || len(m) == 0 { // clockwise: a new outer ring
			m = append(m, geo.Polygon{r})
		} else {
			m[len(m)-1] = append(m[len(m)-1], r)
		}
	}
	return Shape{Geometry: m}
}

// ParseDBF reads the attribute table of a Shapefile (dBASE III). Field names
// are lower-cased so CODE and code both work. cpg is the content of the
// .cpg file naming the text encoding; without one, text that is not valid
// UTF-8 is read as GBK, which is what Chinese GIS software writes by default.
func ParseDBF(b []byte, cpg string) ([]map[string]any, error) {
	le := binary.LittleEndian
	if len(b) < 33 {
		return nil, errs.Invalid("the .dbf file is too short to be a dBASE table")
	}
	nrec, hlen, rlen := int(le.Uint32(b[4:8])), int(le.Uint16(b[8:10])), int(le.Uint16(b[10:12]))
	if hlen < 33 || hlen > len(b) || rlen < 1 {
		return nil, errs.Invalid("the .dbf header is damaged")
	}
	if nrec > (len(b)-hlen)/rlen {
		return nil, errs.Invalid("the .dbf file says it has %d records but holds only %d", nrec, (len(b)-hlen)/rlen)
	}
	decode := textDecoder(cpg, b[29])
	type field struct {
		name      string
		off, size int
	}
	var fields []field
	off := 1 // the deletion flag
	for p := 32; p+32 <= hlen && b[p] != 0x0D; p += 32 {
		name := string(bytes.TrimRight(b[p:p+11], "\x00 "))
		size := int(b[p+16])
		if b[p+11] == 'C' {
			size += int(b[p+17]) << 8 // long character fields keep the high byte in the decimal count
		}
		fields = append(fields, field{name: strings.ToLower(decode(name)), off: off, size: size})
		off += size
	}
	if off > rlen {
		return nil, errs.Invalid("the .dbf fields (%d bytes) do not fit its records (%d bytes)", off, rlen)
	}
	rows := make([]map[string]any, 0, nrec)
	for i := range nrec {
		rec := b[hlen+i*rlen : hlen+(i+1)*rlen]
		row := make(map[string]any, len(fields))
		for _, f := range fields {
			v := strings.TrimSpace(decode(string(bytes.TrimRight(rec[f.off:f.off+f.size], "\x00"))))
			row[f.name] = v
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// textDecoder picks how to read the .dbf's text from the .cpg file, then
// from the dBASE language driver byte (0x4D, 0x7A: GBK), then by trying
// UTF-8 first.
func textDecoder(cpg string, ldid byte) func(string) string {
	gbk := func(s string) string {
		if out, err := simplifiedchinese.GB18030.NewDecoder().String(s); err == nil {
			return out
		}
		return s
	}
	utf := func(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
	c := strings.ToUpper(strings.TrimSpace(cpg))
	switch {
	case strings.Contains(c, "UTF") || c == "65001":
		return utf
	case strings.Contains(c, "GB") || c == "936" || c == "CP936" || c == "54936" || ldid == 0x4D || ldid == 0x7A:
		return gbk
	}
	return func(s string) string {
		if utf8.ValidString(s) {
			return s
		}
		return gbk(s)
	}
}
