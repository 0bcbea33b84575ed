package sqlstore

import (
	"testing"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/org"
)

// TestPlanRollup: which tallies the rollups answer, and which go to the
// raw cases because the rows cannot answer them exactly.
func TestPlanRollup(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, cst), time.Date(2026, 4, 1, 0, 0, 0, 0, cst)
	noon := time.Date(2026, 3, 1, 12, 0, 0, 0, cst)
	utc := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	closed := casework.Predicate{{Fact: casework.FactClosed}}
	notClosed := casework.Predicate{{Fact: casework.FactClosed, Not: true}}
	district := &casework.Scope{Regions: []casework.RegionScope{{Level: org.LevelDistrict, Code: "3301"}}}
	street := &casework.Scope{Regions: []casework.RegionScope{{Level: org.LevelStreet, Code: "330101"}}}
	handler := &casework.Scope{Departments: []string{"water"}}
	streetHandler := &casework.Scope{Regions: []casework.RegionScope{{Level: org.LevelStreet, Code: "330101", Department: "water"}}}
	cat := catalog.Ref{Kind: catalog.Event, Code: "0501"}
	tests := []struct {
		name string
		q    casework.TallyQuery
		ok   bool
	}{
		{"the city over a month", casework.TallyQuery{Filter: casework.Filter{From: &from, To: &to}, Sets: []casework.Predicate{closed}}, true},
		{"the city over all time", casework.TallyQuery{Sets: []casework.Predicate{closed}}, true},
		{"a district", casework.TallyQuery{Filter: casework.Filter{From: &from, To: &to, Region: "3301", RegionLevel: org.LevelDistrict}}, true},
		{"a department", casework.TallyQuery{Filter: casework.Filter{From: &from, To: &to, Department: "water"}}, true},
		{"a sub-class", casework.TallyQuery{Filter: casework.Filter{Category: &cat}}, true},
		{"a channel of a district (double counting)", casework.TallyQuery{Filter: casework.Filter{Source: casework.SourceLeader, Region: "3301", RegionLevel: org.LevelDistrict}}, true},
		{"streets of a district", casework.TallyQuery{Filter: casework.Filter{Region: "3301", RegionLevel: org.LevelDistrict}, GroupBy: "street"}, true},
		{"departments", casework.TallyQuery{GroupBy: "department"}, true},
		{"a district head's own district", casework.TallyQuery{Filter: casework.Filter{Region: "3301", RegionLevel: org.LevelDistrict, Scope: district}}, true},
		{"a district head's streets", casework.TallyQuery{Filter: casework.Filter{Scope: district}, GroupBy: "street"}, true},
		{"a handler's department", casework.TallyQuery{Filter: casework.Filter{Department: "water", Scope: handler}}, true},
		{"a street office asking for its district", casework.TallyQuery{Filter: casework.Filter{Region: "3301", RegionLevel: org.LevelDistrict, Scope: street}}, false},
		{"a street handler", casework.TallyQuery{Filter: casework.Filter{Scope: streetHandler}, GroupBy: "grid"}, false},
		{"a handler ranking districts", casework.TallyQuery{Filter: casework.Filter{Scope: handler}, GroupBy: "district"}, false},
		{"a period from noon", casework.TallyQuery{Filter: casework.Filter{From: &noon, To: &to}}, false},
		{"a UTC day", casework.TallyQuery{Filter: casework.Filter{From: &utc}}, false},
		{"a predicate without a measure", casework.TallyQuery{Sets: []casework.Predicate{notClosed}}, false},
		{"a status filter", casework.TallyQuery{Filter: casework.Filter{Statuses: []casework.Status{casework.StatusClosed}}}, false},
		{"departments of a district", casework.TallyQuery{Filter: casework.Filter{Region: "3301", RegionLevel: org.LevelDistrict}, GroupBy: "department"}, false},
		{"districts of a street", casework.TallyQuery{Filter: casework.Filter{Region: "330101", RegionLevel: org.LevelStreet}, GroupBy: "district"}, false},
		{"a sub-class in a district", casework.TallyQuery{Filter: casework.Filter{Category: &cat, Region: "3301", RegionLevel: org.LevelDistrict}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := planRollup(tc.q); ok != tc.ok {
				t.Fatalf("planRollup answers from rollups: %v, want %v", ok, tc.ok)
			}
		})
	}
}
