package demo

import (
	"cityloop/internal/address"
	"cityloop/internal/geo"
)

// roadEvery is the spacing, in lattice cells, of the demo city's roads: a
// road on every fourth lattice line, so no point is more than 200 m from
// one, as in an old city centre's blocks.
const roadEvery = 4

// Roads are the demo city's named road centre-lines, drawn on the lattice
// without randomness so that every run (and the server, which does not keep
// them) gets the same ones: east–west roads cut into 西/中/东 thirds and
// north–south ones into 北/南 halves, as long Chinese roads are named.
// Numbers run from the west and from the north.
func Roads() []address.Road {
	var roads []address.Road
	line := func(name string, pts ...geo.Point) {
		roads = append(roads, address.Road{Name: name, Line: pts})
	}
	thirds := []string{"西", "中", "东"}
	for i, y := 0, roadEvery; y < cityRows; i, y = i+1, y+roadEvery {
		base := roadNames[i%len(roadNames)]
		for k, part := range thirds {
			x0, x1 := k*cityCols/3, (k+1)*cityCols/3
			var pts []geo.Point
			for x := x0; x <= x1; x += 2 {
				pts = append(pts, geo.Point{Lng: lngAt(x), Lat: latAt(y)})
			}
			line(base+part+"路", pts...)
		}
	}
	halves := []string{"北", "南"}
	for i, x := 0, roadEvery; x < cityCols; i, x = i+1, x+roadEvery {
		base := roadNames[(len(roadNames) - 1 - i%len(roadNames))]
		for k, part := range halves {
			y0, y1 := k*cityRows/2, (k+1)*cityRows/2
			var pts []geo.Point
			for y := y0; y <= y1; y += 2 {
				pts = append(pts, geo.Point{Lng: lngAt(x), Lat: latAt(y)})
			}
			line(base+part+"街", pts...)
		}
	}
	return roads
}
