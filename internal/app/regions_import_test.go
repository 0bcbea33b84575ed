package app

import (
	"testing"
)

// TestAPI_RegionImportPreviewAndGapSnap: ?dry_run=true answers the plan
// with its repairs and coverage and writes nothing; a point a few metres
// outside every grid goes to the nearest within --grid-gap-m (30 m by
// default) and says how far it was moved; farther out it is still a 422.
func TestAPI_RegionImportPreviewAndGapSnap(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	admin := login(t, base, "admin")
	before := a.World.Atlas().Len()
	// A new community over the west street, unclosed and wound clockwise.
	file := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"320101001009","name":"新社区","level":"community","parent":"320101001"},
		"geometry":{"type":"Polygon","coordinates":[[[118.70,32.00],[118.70,32.01],[118.71,32.01],[118.71,32.00]]]}}]}`
	var plan struct {
		DryRun  bool `json:"dry_run"`
		Added   int  `json:"added"`
		Repairs []struct {
			Code    string `json:"code"`
			Repairs []struct {
				Kind string  `json:"kind"`
				Lng  float64 `json:"lng"`
				Lat  float64 `json:"lat"`
			} `json:"repairs"`
		} `json:"repairs"`
		Coverage []struct {
			Parent string   `json:"parent"`
			Kind   string   `json:"kind"`
			Codes  []string `json:"codes"`
			AreaM2 float64  `json:"area_m2"`
		} `json:"coverage"`
	}
	if st := admin.do("POST", "/api/v1/regions/import?dry_run=true", []byte(file), &plan); st != 200 {
		t.Fatalf("dry run: status %d", st)
	}
	if !plan.DryRun || plan.Added != 1 || len(plan.Repairs) != 1 || plan.Repairs[0].Code != "320101001009" {
		t.Fatalf("plan %+v; want a dry run adding one region with its repairs", plan)
	}
	kinds := map[string]bool{}
	for _, r := range plan.Repairs[0].Repairs {
		kinds[r.Kind] = true
	}
	if !kinds["closed_ring"] || !kinds["rewound"] {
		t.Errorf("repairs %+v; want closed_ring and rewound", plan.Repairs[0].Repairs)
	}
	overlap := false
	for _, c := range plan.Coverage {
		overlap = overlap || (c.Parent == "320101001" && c.Kind == "overlap" && c.AreaM2 > 1e6)
	}
	if !overlap {
		t.Errorf("coverage %+v; want the new community's overlap with 西社区 (about 1 km²)", plan.Coverage)
	}
	if got := a.World.Atlas().Len(); got != before {
		t.Fatalf("a dry run changed the tree: %d regions, was %d", got, before)
	}

	// The fixture city ends at longitude 118.80; a metre there is about 1/94,400 of a degree.
	var loc struct {
		Grid     string  `json:"grid"`
		SnappedM float64 `json:"snapped_m"`
	}
	if st := admin.do("GET", "/api/v1/locate?lng=118.80011&lat=32.03", nil, &loc); st != 200 || loc.Grid == "" || loc.SnappedM < 9 || loc.SnappedM > 12 {
		t.Errorf("10 m outside: status %d, %+v; want the nearest grid, snapped about 10 m", st, loc)
	}
	if st := admin.do("GET", "/api/v1/locate?lng=118.8005&lat=32.03", nil, nil); st != 422 {
		t.Errorf("47 m outside: status %d; want 422", st)
	}
}
