// Package gpkg reads GeoPackage boundary files, which are SQLite
// databases, for the region import. It is the one part of file reading that
// needs database/sql, kept apart so the domain packages that import files
// (refdata) stay free of it; the parsing of the geometry blobs is in gisfile.
package gpkg

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/geo/gisfile"
)

// Read reads a regions file of any format gisfile.Read knows, and
// GeoPackage besides.
func Read(data []byte) ([]geo.Feature, error) {
	if gisfile.Detect(data) == gisfile.GeoPackage {
		return readGeoPackage(data)
	}
	return gisfile.Read(data)
}

// ReadGeoPackage reads the one feature table of a GeoPackage (OGC 12-128r18):
// gpkg_contents names it, gpkg_geometry_columns its geometry column, and
// gpkg_spatial_ref_sys the coordinate system. SQLite needs a file, so the
// data is written to a temporary one that is removed afterwards.
func readGeoPackage(data []byte) (feats []geo.Feature, err error) {
	f, err := os.CreateTemp("", "cityloop-import-*.gpkg")
	if err != nil {
		return nil, fmt.Errorf("geopackage: temporary file: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, fmt.Errorf("geopackage: write temporary file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("geopackage: write temporary file: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+f.Name()+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		return nil, fmt.Errorf("geopackage: open: %w", err)
	}
	defer db.Close()
	return readGPKG(context.Background(), db)
}

func readGPKG(ctx context.Context, db *sql.DB) ([]geo.Feature, error) {
	rows, err := db.QueryContext(ctx, `SELECT c.table_name, g.column_name, g.srs_id
		FROM gpkg_contents c JOIN gpkg_geometry_columns g ON g.table_name = c.table_name
		WHERE c.data_type = 'features'`)
	if err != nil {
		return nil, errs.Invalid("the file is an SQLite database but not a GeoPackage: %v", err)
	}
	type layer struct {
		table, column string
		srs           int64
	}
	var layers []layer
	for rows.Next() {
		var l layer
		if err := rows.Scan(&l.table, &l.column, &l.srs); err != nil {
			rows.Close()
			return nil, errs.Invalid("the GeoPackage's gpkg_geometry_columns cannot be read: %v", err)
		}
		layers = append(layers, l)
	}
	rows.Close()
	switch {
	case len(layers) == 0:
		return nil, errs.Invalid("the GeoPackage has no feature table")
	case len(layers) > 1:
		names := make([]string, len(layers))
		for i, l := range layers {
			names[i] = l.table
		}
		return nil, errs.Invalid("the GeoPackage has %d feature tables (%s); export the regions as one", len(layers), strings.Join(names, ", "))
	}
	l := layers[0]
	var org, def string
	var code int64
	err = db.QueryRowContext(ctx, `SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?`, l.srs).Scan(&org, &code, &def)
	if err != nil {
		return nil, errs.Invalid("the GeoPackage does not describe its coordinate system %d: %v", l.srs, err)
	}
	decl := def
	if strings.EqualFold(org, "EPSG") && (code == 4326 || code == 4490) {
		decl = fmt.Sprintf("EPSG:%d", code)
	}
	crs, err := gisfile.ParseDeclaration(decl)
	if err != nil {
		return nil, err
	}
	rows, err = db.QueryContext(ctx, `SELECT * FROM "`+strings.ReplaceAll(l.table, `"`, `""`)+`"`)
	if err != nil {
		return nil, errs.Invalid("the GeoPackage table %s cannot be read: %v", l.table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("geopackage columns: %w", err)
	}
	var feats []geo.Feature
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, errs.Invalid("row %d of %s cannot be read: %v", len(feats)+1, l.table, err)
		}
		f := geo.Feature{Index: len(feats), Properties: map[string]any{}}
		for i, c := range cols {
			if strings.EqualFold(c, l.column) {
				blob, _ := vals[i].([]byte)
				f.Geometry, f.GeometryErr = gisfile.ParseGeoPackageBinary(blob)
				continue
			}
			switch v := vals[i].(type) {
			case []byte:
				f.Properties[strings.ToLower(c)] = string(v)
			case nil:
			default:
				f.Properties[strings.ToLower(c)] = fmt.Sprint(v)
			}
		}
		feats = append(feats, f)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Invalid("the GeoPackage table %s cannot be read: %v", l.table, err)
	}
	return gisfile.ToWGS84(feats, crs), nil
}
