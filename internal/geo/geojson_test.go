package geo

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"cityloop/internal/errs"
)

const (
	squareJSON = `{"type":"Polygon","coordinates":[[[118.78,32.04],[118.79,32.04],[118.79,32.05],[118.78,32.05],[118.78,32.04]]]}`
	bowtieJSON = `{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}`
)

func TestParseGeometry(t *testing.T) {
	square := MultiPolygon{{rect(118.78, 32.04, 118.79, 32.05)}}
	tests := []struct {
		name    string
		in      string
		want    MultiPolygon
		wantErr []string // substrings; nil means success
	}{
		{"polygon", squareJSON, square, nil},
		{"altitude is dropped", `{"type":"Polygon","coordinates":[[[118.78,32.04,12],[118.79,32.04,12],[118.79,32.05,12],[118.78,32.05,12],[118.78,32.04,12]]]}`, square, nil},
		{"multipolygon", `{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[2,2],[3,2],[3,3],[2,2]]]]}`,
			MultiPolygon{{Ring{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}, {Ring{{2, 2}, {3, 2}, {3, 3}, {2, 2}}}}, nil},
		{"surrounding space", "\n " + squareJSON + " \n", square, nil},

		{"empty input", ``, nil, []string{"geometry is missing"}},
		{"null", ` null `, nil, []string{"geometry is missing"}},
		{"point", `{"type":"Point","coordinates":[118.78,32.04]}`, nil, []string{`"Point"`, "not supported", "Polygon or MultiPolygon"}},
		{"geometry collection", `{"type":"GeometryCollection","geometries":[]}`, nil, []string{`"GeometryCollection"`}},
		{"lower-case type", `{"type":"polygon","coordinates":[]}`, nil, []string{`"polygon"`, "not supported"}},
		{"no type", `{"coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`, nil, []string{`no "type"`}},
		{"no coordinates", `{"type":"Polygon"}`, nil, []string{"Polygon geometry has no coordinates"}},
		{"null coordinates", `{"type":"MultiPolygon","coordinates":null}`, nil, []string{"MultiPolygon geometry has no coordinates"}},
		{"polygon nested too shallow", `{"type":"Polygon","coordinates":[[0,0],[1,0],[1,1],[0,0]]}`, nil, []string{"array of rings"}},
		{"multipolygon given polygon nesting", `{"type":"MultiPolygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`, nil, []string{"array of polygons"}},
		{"short position", `{"type":"Polygon","coordinates":[[[0,0],[1],[1,1],[0,0]]]}`, nil, []string{"point 1 has 1 coordinates"}},
		{"string coordinate", `{"type":"Polygon","coordinates":[[[0,"0"],[1,0],[1,1],[0,0]]]}`, nil, []string{"array of rings"}},
		{"not an object", `[1,2]`, nil, []string{"must be a JSON object", "array"}},
		{"truncated", `{"type":"Polygon","coordinates":[[[0,0]`, nil, []string{"not valid JSON", "byte"}},
		{"bowtie fails validation", bowtieJSON, nil, []string{"intersects itself", "segment 0", "segment 2"}},
		{"unclosed fails validation", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`, nil, []string{"not closed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseGeometry([]byte(tt.in))
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("ParseGeometry: %v", err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("ParseGeometry = %v, want %v", got, tt.want)
				}
				return
			}
			if !errs.Is(err, errs.KindInvalid) || got != nil {
				t.Fatalf("ParseGeometry = %v, %v; want nil and KindInvalid", got, err)
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestGeometryJSON(t *testing.T) {
	type grid struct {
		Code  string       `json:"code"`
		Shape MultiPolygon `json:"shape"`
	}
	one := MultiPolygon{{rect(118.78, 32.04, 118.79, 32.05), rect(118.783, 32.043, 118.785, 32.045)}}
	two := MultiPolygon{{rect(0, 0, 1, 1)}, {rect(2, 2, 3, 3)}}
	tests := []struct {
		name     string
		in       MultiPolygon
		wantType string
	}{
		{"single polygon", one, `"type":"Polygon"`},
		{"two polygons", two, `"type":"MultiPolygon"`},
		{"empty", nil, `"shape":null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := json.Marshal(grid{Code: "g1", Shape: tt.in})
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if !strings.Contains(string(data), tt.wantType) {
				t.Errorf("Marshal = %s, want %s", data, tt.wantType)
			}
			var back grid
			if err := json.Unmarshal(data, &back); err != nil {
				t.Fatalf("Unmarshal(%s): %v", data, err)
			}
			if !reflect.DeepEqual(back.Shape, tt.in) {
				t.Errorf("round trip = %v, want %v", back.Shape, tt.in)
			}
		})
	}

	var g grid
	err := json.Unmarshal([]byte(`{"code":"g2","shape":`+bowtieJSON+`}`), &g)
	if !errs.Is(err, errs.KindInvalid) {
		t.Errorf("Unmarshal(bowtie) = %v, want KindInvalid", err)
	}
	if _, err := json.Marshal(MultiPolygon{{Ring{{math.NaN(), 0}, {1, 0}, {1, 1}, {0, 0}}}}); err == nil {
		t.Error("Marshal(NaN) succeeded; JSON cannot hold NaN")
	}
}

func TestParseFeatureCollectionErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"malformed", `{"type":"FeatureCollection","features":[}`, []string{"not valid JSON", "invalid character '}'", "byte 41 (line 1, column 41)"}},
		{"malformed on line 3", "{\"type\":\"FeatureCollection\",\n\"features\":[\n  {\"type\":\"Feature\",,}]}", []string{"line 3, column 21"}},
		{"empty input", ``, []string{"not valid JSON"}},
		{"top-level array", `[{"type":"Feature"}]`, []string{"must be a JSON object", "array"}},
		{"single feature", `{"type":"Feature","geometry":null}`, []string{"single Feature", "FeatureCollection"}},
		{"bare geometry", squareJSON, []string{"single Polygon"}},
		{"other type", `{"type":"Topology"}`, []string{`"Topology"`}},
		{"no type", `{"features":[]}`, []string{`"type" member is missing`}},
		{"no features", `{"type":"FeatureCollection"}`, []string{`no "features" array`}},
		{"features not an array", `{"type":"FeatureCollection","features":{}}`, []string{`"features"`, "object"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := ParseFeatureCollection([]byte(tt.in))
			if !errs.Is(err, errs.KindInvalid) || fs != nil {
				t.Fatalf("ParseFeatureCollection = %v, %v; want nil and KindInvalid", fs, err)
			}
			for _, s := range tt.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}

	_, err := ParseFeatureCollection([]byte(`{"type":"FeatureCollection","features":[}`))
	if e, _ := errs.As(err); e == nil || e.Details["offset"] != int64(41) {
		t.Errorf("error details = %v, want offset 41", e)
	}
}

func TestParseFeatureCollectionPerFeature(t *testing.T) {
	doc := `{"type":"FeatureCollection","features":[
		{"type":"Feature","id":"a","properties":{"code":320102001001001001,"name":"新街口"},"geometry":` + squareJSON + `},
		{"type":"Feature","properties":{"code":"b"},"geometry":null},
		{"type":"Feature","properties":null},
		{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}},
		{"type":"Feature","id":7,"properties":{"name":"twisted"},"geometry":` + bowtieJSON + `},
		42,
		{"type":"Place","geometry":` + squareJSON + `},
		{"type":"Feature","properties":[1],"geometry":` + squareJSON + `}
	]}`
	fs, err := ParseFeatureCollection([]byte(doc))
	if err != nil {
		t.Fatalf("ParseFeatureCollection: %v", err)
	}
	wantErr := []string{
		"",
		"geometry is missing",
		"geometry is missing",
		`"Point" is not supported`,
		"intersects itself",
		"feature must be a JSON object",
		`type "Place"`,
		`"properties" must be an object`,
	}
	if len(fs) != len(wantErr) {
		t.Fatalf("got %d features, want %d", len(fs), len(wantErr))
	}
	for i, f := range fs {
		if f.Index != i {
			t.Errorf("feature %d has Index %d", i, f.Index)
		}
		if wantErr[i] == "" {
			if f.GeometryErr != nil || len(f.Geometry) != 1 {
				t.Errorf("feature %d: Geometry %v, GeometryErr %v; want a polygon", i, f.Geometry, f.GeometryErr)
			}
			continue
		}
		if !errs.Is(f.GeometryErr, errs.KindInvalid) || !strings.Contains(f.GeometryErr.Error(), wantErr[i]) {
			t.Errorf("feature %d: GeometryErr = %v, want KindInvalid mentioning %q", i, f.GeometryErr, wantErr[i])
		}
		if f.Geometry != nil {
			t.Errorf("feature %d: Geometry = %v alongside an error", i, f.Geometry)
		}
	}

	// Long codes keep every digit, and properties survive a bad geometry.
	if got := fs[0].Properties["code"]; got != json.Number("320102001001001001") {
		t.Errorf("code = %#v, want json.Number 320102001001001001", got)
	}
	if fs[0].ID != "a" || fs[4].ID != json.Number("7") || fs[4].Properties["name"] != "twisted" {
		t.Errorf("ids/properties = %#v %#v %#v", fs[0].ID, fs[4].ID, fs[4].Properties)
	}
}

func FuzzParseFeatureCollection(f *testing.F) {
	seeds := []string{
		`{"type":"FeatureCollection","features":[]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":1},"geometry":` + squareJSON + `}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":` + bowtieJSON + `},null,1,"x"]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]],[[0.1,0.1],[0.2,0.1],[0.2,0.2],[0.1,0.1]]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1e309,0],[1,1],[0,0]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[],[1,1],[0,0]]]}}]}`,
		`{"type":"Feature"}`,
		`[`,
		``,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fs, err := ParseFeatureCollection(data)
		if err != nil {
			if !errs.Is(err, errs.KindInvalid) || fs != nil {
				t.Fatalf("ParseFeatureCollection = %v, %v; want nil and KindInvalid", fs, err)
			}
			return
		}
		for i, feat := range fs {
			if feat.Index != i {
				t.Fatalf("feature %d has Index %d", i, feat.Index)
			}
			if feat.GeometryErr != nil {
				if !errs.Is(feat.GeometryErr, errs.KindInvalid) || feat.Geometry != nil {
					t.Fatalf("feature %d: %v with geometry %v", i, feat.GeometryErr, feat.Geometry)
				}
				continue
			}
			if err := feat.Geometry.Validate(); err != nil {
				t.Fatalf("feature %d has no GeometryErr but its geometry fails Validate: %v", i, err)
			}
			// Whatever we accept we must be able to write and read back.
			out, err := json.Marshal(feat.Geometry)
			if err != nil {
				t.Fatalf("feature %d: Marshal: %v", i, err)
			}
			back, err := ParseGeometry(out)
			if err != nil || !reflect.DeepEqual(back, feat.Geometry) {
				t.Fatalf("feature %d: re-parse of %s = %v, %v", i, out, back, err)
			}
		}
	})
}
