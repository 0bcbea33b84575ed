package address

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
)

// MaxFeatures bounds an import: a large city has a few hundred thousand
// address points; more is a mistake or an attack.
const MaxFeatures = 2_000_000

// Data is what an import yields.
type Data struct {
	Roads  []Road
	Places []Place
}

// ParseCSV reads a header row and then one row per point. The columns
// (any order, case-insensitive; 路名/门牌号/经度/纬度 also accepted) are
// road, number, lng, lat and an optional line. A row with a number is an
// address point; a row without is the next vertex of the road's centre-line,
// and consecutive vertex rows with the same road (and line) form one line.
// Coordinates are in crs and converted to WGS-84.
func ParseCSV(r io.Reader, crs geo.CRS) (Data, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return Data{}, errs.Invalid("reading the CSV header: %v; the first row names the columns road, number, lng, lat", err)
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch h {
		case "路名", "道路", "name":
			h = "road"
		case "门牌号", "门牌", "housenumber":
			h = "number"
		case "经度", "lon", "x":
			h = "lng"
		case "纬度", "y":
			h = "lat"
		}
		col[h] = i
	}
	for _, need := range []string{"road", "lng", "lat"} {
		if _, ok := col[need]; !ok {
			return Data{}, errs.Invalid("the CSV header has no %q column; it needs road, lng, lat and optionally number and line", need)
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var d Data
	var cur *Road
	curLine := ""
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Data{}, errs.Invalid("CSV row %d: %v", row, err)
		}
		if len(d.Places)+len(d.Roads) >= MaxFeatures {
			return Data{}, errs.Invalid("more than %d features; split the file", MaxFeatures)
		}
		road, num, line := get(rec, "road"), get(rec, "number"), get(rec, "line")
		p, err := parsePoint(get(rec, "lng"), get(rec, "lat"), crs)
		if err != nil {
			return Data{}, errs.Invalid("CSV row %d: %v", row, err)
		}
		if road == "" {
			return Data{}, errs.Invalid("CSV row %d: the road name is empty", row)
		}
		if num != "" {
			d.Places = append(d.Places, Place{Road: road, Number: num, At: p})
			continue
		}
		if cur == nil || cur.Name != road || curLine != line {
			d.Roads = append(d.Roads, Road{Name: road})
			cur, curLine = &d.Roads[len(d.Roads)-1], line
		}
		cur.Line = append(cur.Line, p)
	}
	for _, rd := range d.Roads {
		if len(rd.Line) < 2 {
			return Data{}, errs.Invalid("road %q has a line of one point; a centre-line needs two or more rows", rd.Name)
		}
	}
	return d, nil
}

func parsePoint(lng, lat string, crs geo.CRS) (geo.Point, error) {
	x, err1 := strconv.ParseFloat(lng, 64)
	y, err2 := strconv.ParseFloat(lat, 64)
	p := geo.Point{Lng: x, Lat: y}
	if err1 != nil || err2 != nil || !p.Valid() {
		return geo.Point{}, fmt.Errorf("lng %q, lat %q is not a point in degrees", lng, lat)
	}
	return geo.ToWGS84(p, crs), nil
}

// ParseGeoJSON reads a FeatureCollection: LineString and MultiLineString
// features named by properties.name (or road) are centre-lines; Point
// features with road and number properties (or OpenStreetMap's
// addr:street and addr:housenumber) are address points. Other features
// are skipped. Coordinates are in crs and converted to WGS-84.
func ParseGeoJSON(data []byte, crs geo.CRS) (Data, error) {
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Geometry struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&fc); err != nil {
		return Data{}, errs.Invalid("the roads file is not GeoJSON: %v", err)
	}
	if fc.Type != "FeatureCollection" {
		return Data{}, errs.Invalid("the roads file is a %q; send a FeatureCollection", fc.Type)
	}
	if len(fc.Features) > MaxFeatures {
		return Data{}, errs.Invalid("%d features; at most %d, split the file", len(fc.Features), MaxFeatures)
	}
	var d Data
	for i, f := range fc.Features {
		prop := func(keys ...string) string {
			for _, k := range keys {
				switch v := f.Properties[k].(type) {
				case string:
					if s := strings.TrimSpace(v); s != "" {
						return s
					}
				case float64:
					return strconv.FormatFloat(v, 'f', -1, 64)
				}
			}
			return ""
		}
		bad := func(err error) error {
			return errs.Invalid("feature %d: %s coordinates: %v", i, f.Geometry.Type, err)
		}
		switch f.Geometry.Type {
		case "LineString", "MultiLineString":
			name := prop("name", "road", "路名")
			if name == "" {
				continue
			}
			var lines [][][]float64
			if f.Geometry.Type == "LineString" {
				var l [][]float64
				if err := json.Unmarshal(f.Geometry.Coordinates, &l); err != nil {
					return Data{}, bad(err)
				}
				lines = [][][]float64{l}
			} else if err := json.Unmarshal(f.Geometry.Coordinates, &lines); err != nil {
				return Data{}, bad(err)
			}
			for _, l := range lines {
				rd := Road{Name: name}
				for _, c := range l {
					p, err := position(c, crs)
					if err != nil {
						return Data{}, bad(err)
					}
					rd.Line = append(rd.Line, p)
				}
				if len(rd.Line) < 2 {
					return Data{}, bad(errors.New("a line needs two or more positions"))
				}
				d.Roads = append(d.Roads, rd)
			}
		case "Point":
			road, num := prop("road", "addr:street", "路名"), prop("number", "addr:housenumber", "门牌号")
			if road == "" || num == "" {
				continue
			}
			var c []float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &c); err != nil {
				return Data{}, bad(err)
			}
			p, err := position(c, crs)
			if err != nil {
				return Data{}, bad(err)
			}
			d.Places = append(d.Places, Place{Road: road, Number: num, At: p})
		}
	}
	return d, nil
}

func position(c []float64, crs geo.CRS) (geo.Point, error) {
	if len(c) < 2 {
		return geo.Point{}, errors.New("a position needs longitude and latitude")
	}
	p := geo.Point{Lng: c[0], Lat: c[1]}
	if !p.Valid() {
		return geo.Point{}, fmt.Errorf("(%g, %g) is not a point in degrees", c[0], c[1])
	}
	return geo.ToWGS84(p, crs), nil
}
