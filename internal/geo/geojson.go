package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"cityloop/internal/errs"
)

// ParseGeometry reads a GeoJSON geometry object (RFC 7946 §3.1) of type
// Polygon or MultiPolygon and validates it. A Polygon becomes a MultiPolygon
// of length one. Positions may carry an altitude, which is dropped.
// Every failure is KindInvalid.
func ParseGeometry(raw []byte) (MultiPolygon, error) {
	m, err := decodeGeometry(raw)
	if err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// decodeGeometry does the structural half of ParseGeometry.
func decodeGeometry(raw []byte) (MultiPolygon, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, errs.Invalid("geometry is missing")
	}
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, jsonError("geometry", raw, err)
	}
	coords := bytes.TrimSpace(g.Coordinates)
	switch g.Type {
	case "Polygon", "MultiPolygon":
		if len(coords) == 0 || string(coords) == "null" {
			return nil, errs.Invalid("%s geometry has no coordinates", g.Type)
		}
	case "":
		return nil, errs.Invalid("geometry has no \"type\"")
	default:
		return nil, errs.Invalid("geometry type %q is not supported; use Polygon or MultiPolygon", g.Type)
	}

	if g.Type == "Polygon" {
		var rings [][][]float64
		if err := json.Unmarshal(coords, &rings); err != nil {
			return nil, shapeError("Polygon coordinates must be an array of rings, each an array of [lng, lat] positions", err)
		}
		poly, err := toPolygon(0, rings)
		if err != nil {
			return nil, err
		}
		return MultiPolygon{poly}, nil
	}
	var polys [][][][]float64
	if err := json.Unmarshal(coords, &polys); err != nil {
		return nil, shapeError("MultiPolygon coordinates must be an array of polygons, each an array of rings of [lng, lat] positions", err)
	}
	m := make(MultiPolygon, 0, len(polys))
	for pi, rings := range polys {
		poly, err := toPolygon(pi, rings)
		if err != nil {
			return nil, err
		}
		m = append(m, poly)
	}
	return m, nil
}

func toPolygon(pi int, rings [][][]float64) (Polygon, error) {
	poly := make(Polygon, 0, len(rings))
	for ri, pos := range rings {
		ring := make(Ring, len(pos))
		for k, c := range pos {
			if len(c) < 2 {
				return nil, errs.Invalid("%s: point %d has %d coordinates; a position is [lng, lat]", ringName(pi, ri), k, len(c)).
					With("polygon", pi).With("ring", ri).With("point", k)
			}
			ring[k] = Point{Lng: c[0], Lat: c[1]}
		}
		poly = append(poly, ring)
	}
	return poly, nil
}

func shapeError(msg string, cause error) error {
	e := errs.Invalid("%s", msg)
	e.Err = cause
	return e
}

// jsonError turns an encoding/json failure into a KindInvalid error that
// says where in data it happened, since import files are large and often
// hand-edited. encoding/json reports how many bytes it had read, so the
// culprit is the last of them; it is given as a 1-based line and column too.
func jsonError(what string, data []byte, err error) *errs.Error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var e *errs.Error
	switch {
	case errors.As(err, &syn):
		e = errs.Invalid("%s is not valid JSON: %s at %s", what, syn.Error(), position(data, syn.Offset)).With("offset", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			e = errs.Invalid("%s must be a JSON object, found %s at %s", what, typ.Value, position(data, typ.Offset))
		} else {
			e = errs.Invalid("%s: %q has the wrong JSON type (%s) at %s", what, typ.Field, typ.Value, position(data, typ.Offset))
		}
		e = e.With("offset", typ.Offset)
	default:
		e = errs.Invalid("%s is not valid JSON: %s", what, err.Error())
	}
	e.Err = err
	return e
}

// position describes the byte at which encoding/json stopped after reading
// n bytes.
func position(data []byte, n int64) string {
	i := int(min(max(n-1, 0), int64(len(data))))
	line := 1 + bytes.Count(data[:i], []byte("\n"))
	col := i - bytes.LastIndexByte(data[:i], '\n')
	return fmt.Sprintf("byte %d (line %d, column %d)", i+1, line, col)
}

// MarshalJSON writes m as a GeoJSON geometry: a Polygon when m has one part,
// otherwise a MultiPolygon, so that json.Marshal of a struct holding a
// MultiPolygon produces standard GeoJSON. An empty m is written as null,
// mirroring UnmarshalJSON.
func (m MultiPolygon) MarshalJSON() ([]byte, error) {
	if len(m) == 0 {
		return []byte("null"), nil
	}
	var buf []byte
	var err error
	if len(m) == 1 {
		buf = append(buf, `{"type":"Polygon","coordinates":`...)
		buf, err = appendPolygon(buf, m[0])
	} else {
		buf = append(buf, `{"type":"MultiPolygon","coordinates":[`...)
		for i, poly := range m {
			if i > 0 {
				buf = append(buf, ',')
			}
			if buf, err = appendPolygon(buf, poly); err != nil {
				break
			}
		}
		buf = append(buf, ']')
	}
	if err != nil {
		return nil, err
	}
	return append(buf, '}'), nil
}

func appendPolygon(buf []byte, poly Polygon) ([]byte, error) {
	buf = append(buf, '[')
	for i, ring := range poly {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '[')
		for k, p := range ring {
			// JSON has no NaN or Infinity; refusing here beats writing a
			// file nobody can read back.
			if math.IsNaN(p.Lng) || math.IsNaN(p.Lat) || math.IsInf(p.Lng, 0) || math.IsInf(p.Lat, 0) {
				return nil, fmt.Errorf("geo: cannot encode non-finite position %s as GeoJSON", fmtPoint(p))
			}
			if k > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '[')
			buf = strconv.AppendFloat(buf, p.Lng, 'f', -1, 64)
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, p.Lat, 'f', -1, 64)
			buf = append(buf, ']')
		}
		buf = append(buf, ']')
	}
	return append(buf, ']'), nil
}

// UnmarshalJSON accepts what ParseGeometry accepts, including validation.
// JSON null leaves m unchanged, as encoding/json expects of Unmarshalers, so
// an optional geometry field can be null; callers that require a shape check
// len(m) or call Validate.
func (m *MultiPolygon) UnmarshalJSON(data []byte) error {
	if string(bytes.TrimSpace(data)) == "null" {
		return nil
	}
	v, err := ParseGeometry(data)
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// Feature is one entry of an imported FeatureCollection.
type Feature struct {
	Index      int            // position in the "features" array, from 0
	ID         any            // the Feature's "id" member if present: string or json.Number
	Properties map[string]any // numbers are json.Number so long grid codes keep every digit
	Geometry   MultiPolygon   // nil whenever GeometryErr is set
	// GeometryErr says why this feature cannot be used: usually its geometry
	// (missing, wrong type, failed Validate), occasionally a feature that is
	// not an object or has non-object properties. Always KindInvalid; the
	// message does not repeat Index.
	GeometryErr error
}

// ParseFeatureCollection reads a GeoJSON FeatureCollection such as a grid
// import. Only problems with the document as a whole are returned as an
// error (malformed JSON, with its byte offset; not a FeatureCollection; no
// "features" array). A bad feature is reported in its own GeometryErr so
// that an import screen can list every bad feature at once instead of making
// the user fix them one upload at a time.
func ParseFeatureCollection(data []byte) ([]Feature, error) {
	return parseCollection(data, ParseGeometry)
}

func parseCollection(data []byte, geometry func([]byte) (MultiPolygon, error)) ([]Feature, error) {
	var top struct {
		Type     string             `json:"type"`
		Features *[]json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, jsonError("FeatureCollection", data, err)
	}
	switch top.Type {
	case "FeatureCollection":
	case "":
		return nil, errs.Invalid("not a GeoJSON FeatureCollection: the top-level \"type\" member is missing")
	case "Feature", "Polygon", "MultiPolygon":
		return nil, errs.Invalid("expected a GeoJSON FeatureCollection, got a single %s; wrap it in {\"type\":\"FeatureCollection\",\"features\":[...]}", top.Type)
	default:
		return nil, errs.Invalid("expected a GeoJSON FeatureCollection, got type %q", top.Type)
	}
	if top.Features == nil {
		return nil, errs.Invalid("FeatureCollection has no \"features\" array")
	}
	out := make([]Feature, len(*top.Features))
	for i, raw := range *top.Features {
		out[i] = parseFeature(i, raw, geometry)
	}
	return out, nil
}

// DecodeFeatureCollection is ParseFeatureCollection without Validate: each
// Geometry is the rings as written, for a caller that repairs them
// (internal/geo/repair). GeometryErr then reports only structural problems.
func DecodeFeatureCollection(data []byte) ([]Feature, error) {
	return parseCollection(data, decodeGeometry)
}

func parseFeature(i int, raw json.RawMessage, geometry func([]byte) (MultiPolygon, error)) Feature {
	f := Feature{Index: i}
	var fj struct {
		Type       string          `json:"type"`
		ID         json.RawMessage `json:"id"`
		Properties json.RawMessage `json:"properties"`
		Geometry   json.RawMessage `json:"geometry"`
	}
	if err := json.Unmarshal(raw, &fj); err != nil {
		f.GeometryErr = jsonError("feature", raw, err)
		return f
	}
	if fj.Type != "Feature" {
		f.GeometryErr = errs.Invalid("feature has type %q; want \"Feature\"", fj.Type)
		return f
	}
	// Properties and id are decoded even when the geometry is bad, so the
	// error list can show the grid's name or code next to the reason.
	if err := decodeNumbers(fj.ID, &f.ID); err != nil {
		f.GeometryErr = errs.Invalid("feature \"id\" is not valid JSON")
		return f
	}
	if err := decodeNumbers(fj.Properties, &f.Properties); err != nil {
		f.GeometryErr = errs.Invalid("feature \"properties\" must be an object or null")
		return f
	}
	f.Geometry, f.GeometryErr = geometry(fj.Geometry)
	return f
}

// decodeNumbers decodes raw into v keeping numbers as json.Number, because a
// float64 silently rounds 16-digit codes. Empty raw leaves v untouched.
func decodeNumbers(raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}
