package app

import (
	"net/http"

	"cityloop/internal/geo/gisfile/gpkg"
)

// wireGeo lets the region import read GeoPackage files besides GeoJSON and
// zipped Shapefiles (package gpkg opens them with SQLite, which refdata may
// not import), and places points in gaps between grids in the nearest grid
// within --grid-gap-m.
func wireGeo(a *App, _ *http.ServeMux) error {
	a.World.ReadFile = gpkg.Read
	a.World.SetGapSnap(float64(a.Cfg.GridGapM))
	return nil
}
