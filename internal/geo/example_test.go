package geo_test

import (
	"fmt"

	"cityloop/internal/geo"
)

func ExampleParseFeatureCollection() {
	data := []byte(`{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{"code":"320102001"},"geometry":{"type":"Polygon","coordinates":[[[118.78,32.04],[118.79,32.04],[118.79,32.05],[118.78,32.05],[118.78,32.04]]]}},
		{"type":"Feature","properties":{"code":"320102002"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}
	]}`)
	features, err := geo.ParseFeatureCollection(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	var items []geo.IndexItem
	for _, f := range features {
		if f.GeometryErr != nil {
			fmt.Printf("feature %d (%v): %v\n", f.Index, f.Properties["code"], f.GeometryErr)
			continue
		}
		items = append(items, geo.IndexItem{ID: fmt.Sprint(f.Properties["code"]), Shape: f.Geometry})
	}
	ix := geo.NewIndex(items)

	// A phone using AMap reports in GCJ-02; convert before locating.
	p := geo.ToWGS84(geo.FromWGS84(geo.Point{Lng: 118.785, Lat: 32.045}, geo.GCJ02), geo.GCJ02)
	id, ok := ix.Locate(p)
	fmt.Println(id, ok)
	// Output:
	// feature 1 (320102002): polygon 0 outer ring intersects itself: segment 0 (0, 0)→(1, 1) crosses segment 2 (1, 0)→(0, 1)
	// 320102001 true
}
