package basemap

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"cityloop/internal/address"
	"cityloop/internal/demo"
	"cityloop/internal/geo"
	"cityloop/internal/org"
)

// Roads is [LoadRoads] for casework.Service.Addresses.
func Roads(file, crs string, isDemo bool) (func() *address.Index, error) {
	ix, err := LoadRoads(file, crs, isDemo)
	if err != nil {
		return nil, err
	}
	return func() *address.Index { return ix }, nil
}

// LoadRoads reads a city's roads and address points from file (.csv, else
// GeoJSON) in crs; with no file the demo city's lattice roads when demo is
// set, else none (addresses stop at the street).
func LoadRoads(file, crs string, isDemo bool) (*address.Index, error) {
	if file == "" {
		if isDemo {
			return address.New(demo.Roads(), nil), nil
		}
		return address.New(nil, nil), nil
	}
	c, err := geo.ParseCRS(crs)
	if err != nil {
		return nil, fmt.Errorf("roads-crs: %w", err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading the roads file: %w", err)
	}
	var d address.Data
	if strings.EqualFold(filepath.Ext(file), ".csv") {
		d, err = address.ParseCSV(strings.NewReader(string(data)), c)
	} else {
		d, err = address.ParseGeoJSON(data, c)
	}
	if err != nil {
		return nil, fmt.Errorf("roads file %s: %w", filepath.Base(file), err)
	}
	return address.New(d.Roads, d.Places), nil
}

type feature struct {
	Type       string            `json:"type"`
	Properties map[string]string `json:"properties"`
	Geometry   any               `json:"geometry"`
}

type lineString struct {
	Type        string       `json:"type"`
	Coordinates [][2]float64 `json:"coordinates"`
}

// Layer is the city's vector base layer as a GeoJSON FeatureCollection:
// district and street outlines (kind "district", "street", with name) and
// the roads (kind "road", with name). Coordinates keep five decimals (about
// a metre) and straight runs of a road lose their inner vertices, so the
// demo city's layer is a few tens of kilobytes.
func Layer(atlas *org.Atlas, roads *address.Index) ([]byte, error) {
	fs := []feature{}
	for _, lv := range []org.Level{org.LevelDistrict, org.LevelStreet} {
		for _, r := range atlas.Regions(lv) {
			fs = append(fs, feature{Type: "Feature", Properties: map[string]string{"kind": lv.String(), "name": r.Name, "code": r.Code},
				Geometry: json.RawMessage(mustJSON(r.Shape))})
		}
	}
	if roads != nil {
		for _, rd := range roads.Lines() {
			ls := lineString{Type: "LineString"}
			for _, p := range simplify(rd.Line) {
				ls.Coordinates = append(ls.Coordinates, [2]float64{round5(p.Lng), round5(p.Lat)})
			}
			fs = append(fs, feature{Type: "Feature", Properties: map[string]string{"kind": "road", "name": rd.Name}, Geometry: ls})
		}
	}
	return json.Marshal(map[string]any{"type": "FeatureCollection", "features": fs})
}

func mustJSON(m geo.MultiPolygon) []byte {
	b, err := m.MarshalJSON()
	if err != nil {
		return []byte("null")
	}
	return b
}

func round5(x float64) float64 { return math.Round(x*1e5) / 1e5 }

// simplify drops vertices that lie on the straight line between their
// neighbours (within a centimetre-scale tolerance in degrees²).
func simplify(line []geo.Point) []geo.Point {
	if len(line) < 3 {
		return line
	}
	out := []geo.Point{line[0]}
	for i := 1; i < len(line)-1; i++ {
		a, b, c := out[len(out)-1], line[i], line[i+1]
		if math.Abs((b.Lng-a.Lng)*(c.Lat-a.Lat)-(b.Lat-a.Lat)*(c.Lng-a.Lng)) > 1e-12 {
			out = append(out, b)
		}
	}
	return append(out, line[len(line)-1])
}
