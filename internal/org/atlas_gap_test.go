package org

import (
	"math"
	"testing"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
)

func TestAtlasGapSnap(t *testing.T) {
	sq := func(lng, lat, d float64) geo.MultiPolygon {
		return geo.MultiPolygon{{geo.Ring{{Lng: lng, Lat: lat}, {Lng: lng + d, Lat: lat}, {Lng: lng + d, Lat: lat + d}, {Lng: lng, Lat: lat + d}, {Lng: lng, Lat: lat}}}}
	}
	const m = 1 / 111195.0 // about one metre of latitude, in degrees
	regions := []Region{
		{Code: "c", Name: "市", Level: LevelCity, Shape: sq(118, 32, 0.01)},
		{Code: "d", Name: "区", Level: LevelDistrict, Parent: "c", Shape: sq(118, 32, 0.01)},
		{Code: "s", Name: "街道", Level: LevelStreet, Parent: "d", Shape: sq(118, 32, 0.01)},
		{Code: "m", Name: "社区", Level: LevelCommunity, Parent: "s", Shape: sq(118, 32, 0.01)},
		// Two grids, the northern one 20 m above the southern: a sliver between.
		{Code: "g1", Name: "南网格", Level: LevelGrid, Parent: "m", Shape: sq(118, 32, 0.002)},
		{Code: "g2", Name: "北网格", Level: LevelGrid, Parent: "m", Shape: sq(118, 32.002+20*m, 0.002)},
	}
	base, err := NewAtlas(regions)
	if err != nil {
		t.Fatal(err)
	}
	inGap := geo.Point{Lng: 118.001, Lat: 32.002 + 15*m} // 15 m north of g1, 5 m south of g2
	tests := []struct {
		name     string
		snap     float64
		p        geo.Point
		grid     string
		snappedM float64
	}{
		{"off: the gap is refused", 0, inGap, "", 0},
		{"30 m: nearest grid", 30, inGap, "g2", 5},
		{"3 m: too far from both", 3, inGap, "", 0},
		{"inside a grid is never snapped", 30, geo.Point{Lng: 118.001, Lat: 32.001}, "g1", 0},
		{"far outside stays outside", 30, geo.Point{Lng: 117.9, Lat: 32.001}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc, err := base.WithGapSnap(tt.snap).Locate(tt.p)
			if tt.grid == "" {
				if !errs.Is(err, errs.KindUnprocessable) {
					t.Fatalf("Locate = %+v, %v; want Unprocessable", loc, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if loc.Grid != tt.grid || math.Abs(loc.SnappedM-tt.snappedM) > 0.2 || loc.District != "d" {
				t.Errorf("Locate = %+v; want grid %s snapped %.1f m", loc, tt.grid, tt.snappedM)
			}
		})
	}
	if _, err := base.Locate(inGap); err == nil {
		t.Error("WithGapSnap changed the atlas it was called on")
	}
}
