// Package geo owns CityLoop's spatial vocabulary: points and the three
// coordinate systems Chinese clients send (WGS-84 from GPS, GCJ-02 from
// AMap/Tencent, BD-09 from Baidu), polygons and their validation, GeoJSON
// parsing for grid imports, and the in-memory index that answers "which unit
// grid is this point in?" on every case intake.
//
// Everything is stored and compared in WGS-84; conversion happens once, at
// the edge, through ToWGS84 and FromWGS84.
//
// geo is a leaf of the dependency graph (DESIGN.md §3.2): it imports only the
// standard library and cityloop/internal/errs. It must never import net/http
// or database/sql, so that domain packages can use it in pure decisions and
// the stores can keep plain bounding-box columns instead of PostGIS.
package geo
