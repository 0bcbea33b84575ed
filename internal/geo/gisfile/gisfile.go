// Package gisfile reads the boundary files GIS offices deliver — GeoJSON,
// zipped ESRI Shapefile and the geometry of GeoPackage — into geo.Features
// whose geometry is as written (unvalidated, for internal/geo/repair) and in
// WGS-84. Opening a GeoPackage needs SQLite, so that part lives in the
// adapter package gpkg, and this one does no I/O.
//
// Coordinates are converted from the coordinate system the file declares:
// CGCS2000 (EPSG:4490) and WGS-84 (EPSG:4326) are taken as they are (they
// differ by centimetres, far below the precision of a grid boundary);
// GCJ-02 and BD-09, which have no EPSG code, are recognised by name in the
// declaration; anything else, such as a projected Gauss–Krüger system in
// metres, is refused with the name it declared, since guessing would put
// every grid in the wrong place.
package gisfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
)

// Format names a file format Read understands.
type Format string

const (
	GeoJSON    Format = "geojson"
	Shapefile  Format = "shapefile"
	GeoPackage Format = "geopackage"
)

// Detect tells the format from the first bytes: a zip archive is taken to
// hold a Shapefile, an SQLite database to be a GeoPackage, anything else
// to be GeoJSON.
func Detect(data []byte) Format {
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return Shapefile
	case bytes.HasPrefix(data, []byte("SQLite format 3\x00")):
		return GeoPackage
	}
	return GeoJSON
}

// Read reads a GeoJSON or zipped Shapefile boundary file. Only problems with
// the file as a whole are errors; a bad feature carries its own
// GeometryErr, as with geo.DecodeFeatureCollection.
func Read(data []byte) ([]geo.Feature, error) {
	switch Detect(data) {
	case Shapefile:
		return ReadShapefile(data)
	case GeoPackage:
		return nil, errs.Invalid("GeoPackage files are read by package gpkg; this reader was built without it")
	}
	feats, err := geo.DecodeFeatureCollection(data)
	if err != nil {
		return nil, err
	}
	crs, err := geoJSONCRS(data)
	if err != nil {
		return nil, err
	}
	return ToWGS84(feats, crs), nil
}

// geoJSONCRS reads the "crs" member of the 2008 GeoJSON draft, which many
// Chinese exporters still write; RFC 7946 dropped it and means WGS-84.
func geoJSONCRS(data []byte) (geo.CRS, error) {
	var top struct {
		CRS *struct {
			Properties struct {
				Name string `json:"name"`
			} `json:"properties"`
		} `json:"crs"`
	}
	if json.Unmarshal(data, &top) != nil || top.CRS == nil {
		return geo.WGS84, nil
	}
	return ParseDeclaration(top.CRS.Properties.Name)
}

var (
	gcjName = regexp.MustCompile(`(?i)gcj[-_ ]?0?2|火星`)
	bdName  = regexp.MustCompile(`(?i)bd[-_ ]?0?9|baidu|百度`)
	// wgsName matches the declarations of WGS-84 and CGCS2000 in EPSG URNs,
	// OGC CRS84 and the WKT of .prj files and GeoPackage srs tables.
	wgsName   = regexp.MustCompile(`(?i)epsg:{1,2}(4326|4490)\b|crs84|wgs[-_ ]?(19)?84|cgcs[-_ ]?2000|china[_ ]geodetic[_ ]coordinate[_ ]system[_ ]2000|^\s*$`)
	projected = regexp.MustCompile(`(?i)^\s*PROJCS|PROJCRS`)
)

// ParseDeclaration interprets a coordinate system declaration: a GeoJSON crs
// name, the WKT of a .prj file or of a GeoPackage's gpkg_spatial_ref_sys.
func ParseDeclaration(decl string) (geo.CRS, error) {
	switch {
	case gcjName.MatchString(decl):
		return geo.GCJ02, nil
	case bdName.MatchString(decl):
		return geo.BD09, nil
	case projected.MatchString(decl):
		return "", errs.Invalid("the file's coordinates are projected (%s); export them as longitude/latitude in CGCS2000 or WGS-84 (EPSG:4490 or 4326)", short(decl))
	case wgsName.MatchString(decl):
		return geo.WGS84, nil
	}
	return "", errs.Invalid("the file declares the coordinate system %s, which CityLoop cannot convert; export it in CGCS2000 or WGS-84 (EPSG:4490 or 4326), GCJ-02 or BD-09", short(decl))
}

func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return fmt.Sprintf("%q", s)
}

// ToWGS84 moves every position of feats from crs to WGS-84, in place.
func ToWGS84(feats []geo.Feature, crs geo.CRS) []geo.Feature {
	if crs == geo.WGS84 {
		return feats
	}
	for _, f := range feats {
		for _, poly := range f.Geometry {
			for _, r := range poly {
				for k, p := range r {
					r[k] = geo.ToWGS84(p, crs)
				}
			}
		}
	}
	return feats
}
