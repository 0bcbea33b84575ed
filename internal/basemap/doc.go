// Package basemap owns what lies under the data on every map: the base
// layer a city selects in its configuration ([Resolve]: 天地图, 高德/AMap,
// any XYZ template, or by default the city's own vector layer) and the
// roads its addresses come from ([LoadRoads]: an imported CSV or GeoJSON
// file, or the demo city's lattice roads).
//
// The vector layer ([Layer]) is GeoJSON drawn from the city's own data:
// district and street outlines and the named roads, so a demo or an
// offline deployment shows a readable map without any tile server.
package basemap
