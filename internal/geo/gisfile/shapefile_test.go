package gisfile

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"cityloop/internal/geo"
)

// shp writes a Polygon .shp with one record per shape, each shape a list
// of parts (rings) written as given.
func shp(shapes [][]geo.Ring) []byte {
	var recs bytes.Buffer
	le := binary.LittleEndian
	for i, parts := range shapes {
		var c bytes.Buffer
		n := 0
		for _, r := range parts {
			n += len(r)
		}
		binary.Write(&c, le, int32(5))
		binary.Write(&c, le, [4]float64{})
		binary.Write(&c, le, int32(len(parts)))
		binary.Write(&c, le, int32(n))
		at := 0
		for _, r := range parts {
			binary.Write(&c, le, int32(at))
			at += len(r)
		}
		for _, r := range parts {
			for _, p := range r {
				binary.Write(&c, le, [2]float64{p.Lng, p.Lat})
			}
		}
		binary.Write(&recs, binary.BigEndian, [2]int32{int32(i + 1), int32(c.Len() / 2)})
		recs.Write(c.Bytes())
	}
	h := make([]byte, 100)
	binary.BigEndian.PutUint32(h[0:], 9994)
	binary.BigEndian.PutUint32(h[24:], uint32((100+recs.Len())/2))
	le.PutUint32(h[28:], 1000)
	le.PutUint32(h[32:], 5)
	return append(h, recs.Bytes()...)
}

// dbf writes a dBASE III table of character fields, text already encoded.
func dbf(fields []string, rows [][]string, ldid byte) []byte {
	const size = 40
	var b bytes.Buffer
	h := make([]byte, 32)
	h[0] = 3
	binary.LittleEndian.PutUint32(h[4:], uint32(len(rows)))
	binary.LittleEndian.PutUint16(h[8:], uint16(32+32*len(fields)+1))
	binary.LittleEndian.PutUint16(h[10:], uint16(1+size*len(fields)))
	h[29] = ldid
	b.Write(h)
	for _, f := range fields {
		d := make([]byte, 32)
		copy(d, f)
		d[11] = 'C'
		d[16] = size
		b.Write(d)
	}
	b.WriteByte(0x0D)
	for _, r := range rows {
		b.WriteByte(' ')
		for _, v := range r {
			cell := make([]byte, size)
			for i := range cell {
				cell[i] = ' '
			}
			copy(cell, v)
			b.Write(cell)
		}
	}
	b.WriteByte(0x1A)
	return b.Bytes()
}

func zipOf(files map[string][]byte) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for name, data := range files {
		f, _ := w.Create(name)
		f.Write(data)
	}
	w.Close()
	return b.Bytes()
}

func gbk(s string) string {
	out, err := simplifiedchinese.GBK.NewEncoder().String(s)
	if err != nil {
		panic(err)
	}
	return out
}

// square is a closed ring around (x, y), clockwise as Shapefile outer rings are.
func square(x, y, d float64) geo.Ring {
	return geo.Ring{{Lng: x, Lat: y}, {Lng: x, Lat: y + d}, {Lng: x + d, Lat: y + d}, {Lng: x + d, Lat: y}, {Lng: x, Lat: y}}
}

const prjCGCS2000 = `GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]`

func TestReadShapefile(t *testing.T) {
	outer := square(118.7, 32.0, 0.1)
	hole := geo.Ring{{Lng: 118.72, Lat: 32.02}, {Lng: 118.74, Lat: 32.02}, {Lng: 118.74, Lat: 32.04}, {Lng: 118.72, Lat: 32.04}, {Lng: 118.72, Lat: 32.02}}
	shapes := shp([][]geo.Ring{{outer, hole}, {square(118.9, 32.0, 0.1), square(119.1, 32.0, 0.1)}})
	fields := []string{"CODE", "NAME", "LEVEL", "PARENT"}
	rows := [][]string{{"320102", gbk("玄武区"), "district", "3201"}, {"320104", gbk("秦淮区"), "district", "3201"}}
	utfRows := [][]string{{"320102", "玄武区", "district", "3201"}, {"320104", "秦淮区", "district", "3201"}}
	gcj := geo.FromWGS84(geo.Point{Lng: 118.7, Lat: 32.0}, geo.GCJ02)
	tests := []struct {
		name      string
		files     map[string][]byte
		wantErr   string
		firstName string
		first     geo.Point // the first point of the first feature, in WGS-84
	}{
		{"GBK by .cpg", map[string][]byte{"q/区划.shp": shapes, "q/区划.dbf": dbf(fields, rows, 0), "q/区划.cpg": []byte("GBK"), "q/区划.prj": []byte(prjCGCS2000)},
			"", "玄武区", geo.Point{Lng: 118.7, Lat: 32.0}},
		{"GBK by language driver, no .prj", map[string][]byte{"a.shp": shapes, "a.dbf": dbf(fields, rows, 0x4D)}, "", "玄武区", geo.Point{Lng: 118.7, Lat: 32.0}},
		{"GBK guessed", map[string][]byte{"a.shp": shapes, "a.dbf": dbf(fields, rows, 0)}, "", "玄武区", geo.Point{Lng: 118.7, Lat: 32.0}},
		{"UTF-8 by .cpg", map[string][]byte{"a.shp": shapes, "a.dbf": dbf(fields, utfRows, 0), "a.cpg": []byte("UTF-8\n")}, "", "玄武区", geo.Point{Lng: 118.7, Lat: 32.0}},
		{"GCJ-02 declared", map[string][]byte{"a.shp": shp([][]geo.Ring{{square(gcj.Lng, gcj.Lat, 0.1)}, {square(118.9, 32.0, 0.1), square(119.1, 32.0, 0.1)}}), "a.dbf": dbf(fields, utfRows, 0), "a.prj": []byte(`GEOGCS["GCJ02",DATUM["D_WGS_1984"]]`)},
			"", "玄武区", geo.Point{Lng: 118.7, Lat: 32.0}},
		{"projected refused", map[string][]byte{"a.shp": shapes, "a.dbf": dbf(fields, rows, 0), "a.prj": []byte(`PROJCS["CGCS2000_3_Degree_GK_CM_120E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000"]]`)},
			"projected", "", geo.Point{}},
		{"Beijing 1954 refused", map[string][]byte{"a.shp": shapes, "a.dbf": dbf(fields, rows, 0), "a.prj": []byte(`GEOGCS["GCS_Beijing_1954",DATUM["D_Beijing_1954"]]`)},
			"cannot convert", "", geo.Point{}},
		{"no dbf", map[string][]byte{"a.shp": shapes}, "no a.dbf", "", geo.Point{}},
		{"no shp", map[string][]byte{"a.dbf": dbf(fields, rows, 0)}, "no .shp", "", geo.Point{}},
		{"two shapefiles", map[string][]byte{"a.shp": shapes, "b.shp": shapes, "a.dbf": dbf(fields, rows, 0)}, "more than one", "", geo.Point{}},
		{"records disagree", map[string][]byte{"a.shp": shapes, "a.dbf": dbf(fields, rows[:1], 0)}, "do not belong together", "", geo.Point{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := zipOf(tt.files)
			if Detect(data) != Shapefile {
				t.Fatalf("Detect = %s", Detect(data))
			}
			feats, err := Read(data)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v; want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(feats) != 2 {
				t.Fatalf("%d features; want 2", len(feats))
			}
			f := feats[0]
			if f.Properties["name"] != tt.firstName || f.Properties["code"] != "320102" || f.Properties["level"] != "district" {
				t.Errorf("properties %v", f.Properties)
			}
			if rings := 2 - strings.Count(tt.name, "GCJ"); len(f.Geometry) != 1 || len(f.Geometry[0]) != rings {
				t.Fatalf("first feature: %v; want one polygon of %d ring(s)", f.Geometry, rings)
			}
			if p := f.Geometry[0][0][0]; math.Abs(p.Lng-tt.first.Lng) > 1e-7 || math.Abs(p.Lat-tt.first.Lat) > 1e-7 {
				t.Errorf("first point %v; want %v", p, tt.first)
			}
			if len(feats[1].Geometry) != 2 {
				t.Errorf("second feature has %d polygons; want 2 (two clockwise parts)", len(feats[1].Geometry))
			}
		})
	}
}

func TestReadGeoJSONCRS(t *testing.T) {
	bd := geo.FromWGS84(geo.Point{Lng: 118.7, Lat: 32.0}, geo.BD09)
	doc := func(crs string, p geo.Point) []byte {
		c := ""
		if crs != "" {
			c = `"crs":{"type":"name","properties":{"name":"` + crs + `"}},`
		}
		return []byte(`{"type":"FeatureCollection",` + c + `"features":[{"type":"Feature","properties":{"code":"1"},"geometry":{"type":"Polygon","coordinates":[[[` +
			ftoa(p.Lng) + `,` + ftoa(p.Lat) + `],[119,32],[119,33]]]}}]}`)
	}
	tests := []struct {
		name, crs string
		in        geo.Point
		wantErr   string
	}{
		{"none", "", geo.Point{Lng: 118.7, Lat: 32.0}, ""},
		{"CGCS2000 URN", "urn:ogc:def:crs:EPSG::4490", geo.Point{Lng: 118.7, Lat: 32.0}, ""},
		{"CRS84", "urn:ogc:def:crs:OGC:1.3:CRS84", geo.Point{Lng: 118.7, Lat: 32.0}, ""},
		{"BD-09", "BD09", bd, ""},
		{"Xian 1980", "urn:ogc:def:crs:EPSG::4610", geo.Point{}, "EPSG::4610"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			feats, err := Read(doc(tt.crs, tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// The ring is unclosed and left so: Read does not validate.
			if got := feats[0].Geometry[0][0]; len(got) != 3 || math.Abs(got[0].Lng-118.7) > 1e-7 || math.Abs(got[0].Lat-32) > 1e-7 {
				t.Errorf("ring %v; want it to start at 118.7,32 in WGS-84", got)
			}
		})
	}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func FuzzParseSHP(f *testing.F) {
	f.Add(shp([][]geo.Ring{{square(118, 32, 0.1)}}))
	f.Add(shp([][]geo.Ring{{square(118, 32, 0.1), square(118.02, 32.02, 0.01)}, {}}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		shapes, err := ParseSHP(b)
		if err != nil {
			return
		}
		for _, s := range shapes {
			if (s.Err == nil) == (s.Geometry == nil) {
				t.Fatalf("shape has both or neither geometry and error: %+v", s)
			}
		}
	})
}

func FuzzParseDBF(f *testing.F) {
	f.Add(dbf([]string{"CODE", "NAME"}, [][]string{{"1", gbk("玄武区")}}, 0x4D), "")
	f.Add(dbf([]string{"CODE"}, [][]string{{"1"}, {"2"}}, 0), "UTF-8")
	f.Add([]byte{}, "GBK")
	f.Fuzz(func(t *testing.T, b []byte, cpg string) {
		rows, err := ParseDBF(b, cpg)
		if err != nil {
			return
		}
		for _, r := range rows {
			for k, v := range r {
				if s, ok := v.(string); !ok || !utf8.ValidString(k+s) {
					t.Fatalf("row value %q=%v is not valid UTF-8 text", k, v)
				}
			}
		}
	})
}
