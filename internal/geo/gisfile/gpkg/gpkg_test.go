package gpkg

import (
	"bytes"
	"database/sql"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cityloop/internal/geo"
	"cityloop/internal/geo/gisfile"
)

// gpb encodes m as GeoPackage binary: the header with an xy envelope, then
// little- or big-endian WKB of a MultiPolygon (a Polygon when m has one part
// and poly is set).
func gpb(m geo.MultiPolygon, order binary.ByteOrder, poly bool) []byte {
	var b bytes.Buffer
	b.WriteString("GP")
	b.WriteByte(0)
	flags := byte(1 << 1) // envelope [minx, maxx, miny, maxy]
	if order == binary.LittleEndian {
		flags |= 1
	}
	b.WriteByte(flags)
	binary.Write(&b, order, int32(4326))
	binary.Write(&b, order, [4]float64{})
	bo := byte(0)
	if order == binary.LittleEndian {
		bo = 1
	}
	polygon := func(p geo.Polygon) {
		b.WriteByte(bo)
		binary.Write(&b, order, uint32(3))
		binary.Write(&b, order, uint32(len(p)))
		for _, r := range p {
			binary.Write(&b, order, uint32(len(r)))
			for _, pt := range r {
				binary.Write(&b, order, [2]float64{pt.Lng, pt.Lat})
			}
		}
	}
	if poly {
		polygon(m[0])
		return b.Bytes()
	}
	b.WriteByte(bo)
	binary.Write(&b, order, uint32(6))
	binary.Write(&b, order, uint32(len(m)))
	for _, p := range m {
		polygon(p)
	}
	return b.Bytes()
}

func square(x, y, d float64) geo.Ring {
	return geo.Ring{{Lng: x, Lat: y}, {Lng: x + d, Lat: y}, {Lng: x + d, Lat: y + d}, {Lng: x, Lat: y + d}, {Lng: x, Lat: y}}
}

// makeGPKG writes a GeoPackage with the tables Read looks at and returns its bytes.
func makeGPKG(t testing.TB, org string, code int, def string, rows [][]any) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "regions.gpkg")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY, organization TEXT, organization_coordsys_id INTEGER, definition TEXT, description TEXT)`,
		`CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT, identifier TEXT, srs_id INTEGER)`,
		`CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, geometry_type_name TEXT, srs_id INTEGER, z INTEGER, m INTEGER)`,
		`CREATE TABLE "区划" (fid INTEGER PRIMARY KEY, geom BLOB, code TEXT, "NAME" TEXT, level TEXT, parent TEXT, pop INTEGER)`,
		`INSERT INTO gpkg_contents VALUES ('区划', 'features', '区划', 99)`,
		`INSERT INTO gpkg_geometry_columns VALUES ('区划', 'geom', 'MULTIPOLYGON', 99, 0, 0)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := db.Exec(`INSERT INTO gpkg_spatial_ref_sys VALUES ('x', 99, ?, ?, ?, '')`, org, code, def); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if _, err := db.Exec(`INSERT INTO "区划" (geom, code, "NAME", level, parent, pop) VALUES (?, ?, ?, ?, ?, 1)`, r...); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestReadGeoPackage(t *testing.T) {
	xuanwu := geo.MultiPolygon{{square(118.7, 32.0, 0.1), square(118.72, 32.02, 0.02)}}
	qinhuai := geo.MultiPolygon{{square(118.9, 32.0, 0.1)}, {square(119.1, 32.0, 0.1)}}
	rows := [][]any{
		{gpb(xuanwu, binary.LittleEndian, true), "320102", "玄武区", "district", "3201"},
		{gpb(qinhuai, binary.BigEndian, false), "320104", "秦淮区", "district", "3201"},
		{[]byte("GP\x00\x21\x00\x00\x00\x00"), "320105", "空区", "district", "3201"}, // empty geometry flag
	}
	gcjShift := geo.FromWGS84(geo.Point{Lng: 118.7, Lat: 32.0}, geo.GCJ02)
	gcjRows := [][]any{{gpb(geo.MultiPolygon{{square(gcjShift.Lng, gcjShift.Lat, 0.1)}}, binary.LittleEndian, true), "320102", "玄武区", "district", "3201"}}
	tests := []struct {
		name      string
		data      []byte
		wantErr   string
		wantFeats int
	}{
		{"EPSG:4490", makeGPKG(t, "EPSG", 4490, "", rows), "", 3},
		{"EPSG:4326 in lower case", makeGPKG(t, "epsg", 4326, "undefined", rows), "", 3},
		{"GCJ-02 by definition", makeGPKG(t, "NONE", 990002, `GEOGCS["GCJ-02"]`, gcjRows), "", 1},
		{"projected", makeGPKG(t, "EPSG", 4527, `PROJCS["CGCS2000 / 3-degree Gauss-Kruger zone 39"]`, rows), "projected", 0},
		{"plain SQLite", func() []byte {
			p := filepath.Join(t.TempDir(), "x.db")
			db, _ := sql.Open("sqlite", "file:"+p)
			db.Exec(`CREATE TABLE t (x)`)
			db.Close()
			b, _ := os.ReadFile(p)
			return b
		}(), "not a GeoPackage", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if gisfile.Detect(tt.data) != gisfile.GeoPackage {
				t.Fatal("not detected as a GeoPackage")
			}
			feats, err := Read(tt.data)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(feats) != tt.wantFeats {
				t.Fatalf("%d features; want %d", len(feats), tt.wantFeats)
			}
			f := feats[0]
			if f.Properties["code"] != "320102" || f.Properties["name"] != "玄武区" || f.Properties["pop"] != "1" {
				t.Errorf("properties %v", f.Properties)
			}
			if p := f.Geometry[0][0][0]; math.Abs(p.Lng-118.7) > 1e-7 || math.Abs(p.Lat-32) > 1e-7 {
				t.Errorf("first point %v; want 118.7,32 in WGS-84", p)
			}
			if tt.wantFeats == 3 {
				if len(f.Geometry[0]) != 2 || len(feats[1].Geometry) != 2 {
					t.Errorf("shapes %v / %v; want a polygon with a hole and two parts", f.Geometry, feats[1].Geometry)
				}
				if feats[2].GeometryErr == nil || !strings.Contains(feats[2].GeometryErr.Error(), "empty") {
					t.Errorf("empty geometry: err %v", feats[2].GeometryErr)
				}
			}
		})
	}
}

func TestReadFallsBackToGisfile(t *testing.T) {
	feats, err := Read([]byte(`{"type":"FeatureCollection","features":[]}`))
	if err != nil || len(feats) != 0 {
		t.Fatalf("GeoJSON through gpkg.Read: %v, %v", feats, err)
	}
}
