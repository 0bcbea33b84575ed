package address

import (
	"strings"
	"testing"

	"cityloop/internal/geo"
)

func TestParseCSV(t *testing.T) {
	for _, tc := range []struct {
		name          string
		in            string
		roads, places int
		errPart       string
	}{
		{"vertices and a door", "road,number,lng,lat\n长江路,,118.78,32.04\n长江路,,118.79,32.04\n长江路,12,118.785,32.0401\n", 1, 1, ""},
		{"Chinese headers, BOM, two lines by line id", "\ufeff路名,经度,纬度,line\n中山路,118.78,32.04,a\n中山路,118.79,32.04,a\n中山路,118.78,32.05,b\n中山路,118.79,32.05,b\n", 2, 0, ""},
		{"missing column", "road,lng\n", 0, 0, `no "lat" column`},
		{"bad number", "road,lng,lat\n长江路,east,32\n", 0, 0, "row 2"},
		{"out of range", "road,lng,lat\n长江路,200,32\n", 0, 0, "row 2"},
		{"one-point road", "road,lng,lat\n长江路,118.78,32.04\n", 0, 0, "one point"},
		{"empty road", "road,lng,lat\n,118.78,32.04\n", 0, 0, "empty"},
		{"empty file", "", 0, 0, "header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseCSV(strings.NewReader(tc.in), geo.WGS84)
			if tc.errPart != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errPart) {
					t.Fatalf("err = %v, want one containing %q", err, tc.errPart)
				}
				return
			}
			if err != nil || len(d.Roads) != tc.roads || len(d.Places) != tc.places {
				t.Fatalf("ParseCSV = %d roads, %d places, %v; want %d, %d", len(d.Roads), len(d.Places), err, tc.roads, tc.places)
			}
		})
	}
}

func TestParseGeoJSON(t *testing.T) {
	const fc = `{"type":"FeatureCollection","features":[
	 {"type":"Feature","properties":{"name":"长江路"},"geometry":{"type":"LineString","coordinates":[[118.78,32.04],[118.79,32.04]]}},
	 {"type":"Feature","properties":{"name":"中山路"},"geometry":{"type":"MultiLineString","coordinates":[[[118.78,32.05],[118.79,32.05]],[[118.80,32.05],[118.81,32.05]]]}},
	 {"type":"Feature","properties":{"addr:street":"长江路","addr:housenumber":"5"},"geometry":{"type":"Point","coordinates":[118.781,32.0401]}},
	 {"type":"Feature","properties":{"road":"长江路","number":7},"geometry":{"type":"Point","coordinates":[118.782,32.0401]}},
	 {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[118.78,32.04],[118.79,32.04]]}},
	 {"type":"Feature","properties":{"name":"湖"},"geometry":{"type":"Polygon","coordinates":[]}}]}`
	d, err := ParseGeoJSON([]byte(fc), geo.WGS84)
	if err != nil || len(d.Roads) != 3 || len(d.Places) != 2 || d.Places[1].Number != "7" {
		t.Fatalf("ParseGeoJSON = %+v, %v", d, err)
	}
	g, err := ParseGeoJSON([]byte(fc), geo.GCJ02)
	if err != nil || g.Roads[0].Line[0] == d.Roads[0].Line[0] {
		t.Errorf("GCJ-02 input was not shifted to WGS-84: %+v", g.Roads[0].Line[0])
	}
	for _, bad := range []string{`[]`, `{"type":"Feature"}`, `{"type":"FeatureCollection","features":[{"properties":{"name":"a"},"geometry":{"type":"LineString","coordinates":[[1,2]]}}]}`,
		`{"type":"FeatureCollection","features":[{"properties":{"name":"a"},"geometry":{"type":"LineString","coordinates":[[1],[2,3]]}}]}`,
		`{"type":"FeatureCollection","features":[{"properties":{"road":"a","number":"1"},"geometry":{"type":"Point","coordinates":[500,2]}}]}`} {
		if _, err := ParseGeoJSON([]byte(bad), geo.WGS84); err == nil {
			t.Errorf("ParseGeoJSON(%s) accepted it", bad)
		}
	}
}

// FuzzParseCSV: any input is parsed or refused, never a panic, and what
// is parsed indexes and answers.
func FuzzParseCSV(f *testing.F) {
	f.Add("road,number,lng,lat\n长江路,,118.78,32.04\n长江路,,118.79,32.04\n长江路,12,118.785,32.0401\n")
	f.Add("路名,经度,纬度\n\"a,b\",1,2\n")
	f.Fuzz(func(t *testing.T, in string) {
		d, err := ParseCSV(strings.NewReader(in), geo.GCJ02)
		if err != nil {
			return
		}
		New(d.Roads, d.Places).Lookup(geo.Point{Lng: 118.78, Lat: 32.04})
	})
}

func FuzzParseGeoJSON(f *testing.F) {
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"properties":{"name":"长江路"},"geometry":{"type":"LineString","coordinates":[[118.78,32.04],[118.79,32.04]]}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"properties":{"road":"a","number":1},"geometry":{"type":"Point","coordinates":[1,2]}}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := ParseGeoJSON(in, geo.WGS84)
		if err != nil {
			return
		}
		New(d.Roads, d.Places).Lookup(geo.Point{Lng: 118.78, Lat: 32.04})
	})
}
