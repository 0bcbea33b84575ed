package app

import (
	"net/http"

	"cityloop/internal/geo/gisfile/gpkg"
)

// wireGeo lets the region import read GeoPackage files besides GeoJSON and
// zipped Shapefiles (package gpkg opens them with SQLite, which refdata may
// not import).
func wireGeo(a *App, _ *http.ServeMux) error {
	a.World.ReadFile = gpkg.Read
	return nil
}
