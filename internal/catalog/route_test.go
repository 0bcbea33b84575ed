package catalog

import (
	"testing"
	"time"
)

func TestDictionary_Route(t *testing.T) {
	path := []string{"3201", "320102", "320102001", "320102001001", "32010200100101"}
	parkingRef := Ref{Event, "0505"}
	rules := []Rule{
		{ID: "city", Category: parkingRef, Department: "traffic-police", Auto: true},
		{ID: "street-a", Category: parkingRef, RegionCode: "320102001", Department: "enforcement"},
		{ID: "street-b", Category: parkingRef, RegionCode: "320102001", Department: StreetOffice, Priority: 5},
		{ID: "grid", Category: parkingRef, RegionCode: "32010200100101", Department: "water", Auto: true},
		{ID: "other-district", Category: parkingRef, RegionCode: "320104", Department: "water"},
		{ID: "cover-street", Category: Ref{Component, "0101"}, RegionCode: "320102001", Department: "enforcement"},
		{ID: "tie-b", Category: Ref{Component, "0101"}, RegionCode: "320105", Department: "water"},
		{ID: "tie-a", Category: Ref{Component, "0101"}, RegionCode: "320105", Department: "enforcement"},
	}
	d := mustNew(t, []SubClass{validCover(), parking()}, rules)

	tests := []struct {
		name     string
		cat      Ref
		path     []string
		wantDept string
		wantRule string // "" means the sub-class default
		wantAuto bool
	}{
		{name: "grid rule beats street rules", cat: parkingRef, path: path,
			wantDept: "water", wantRule: "grid", wantAuto: true},
		{name: "street rule by priority", cat: parkingRef, path: path[:4],
			wantDept: StreetOffice, wantRule: "street-b"},
		{name: "city-wide rule outside the street", cat: parkingRef, path: []string{"3201", "320102", "320102002"},
			wantDept: "traffic-police", wantRule: "city", wantAuto: true},
		{name: "city-wide rule with no path", cat: parkingRef, path: nil,
			wantDept: "traffic-police", wantRule: "city", wantAuto: true},
		{name: "rule for another district ignored", cat: parkingRef, path: []string{"3201", "320104"},
			wantDept: "water", wantRule: "other-district"},
		{name: "street rule for covers", cat: Ref{Component, "0101"}, path: path,
			wantDept: "enforcement", wantRule: "cover-street"},
		{name: "default department elsewhere", cat: Ref{Component, "0101"}, path: []string{"3201", "320106"},
			wantDept: "water"},
		{name: "tie broken by ID", cat: Ref{Component, "0101"}, path: []string{"3201", "320105"},
			wantDept: "enforcement", wantRule: "tie-a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := d.Route(tt.cat, tt.path, t2024)
			if !ok {
				t.Fatal("Route found nothing")
			}
			rule := ""
			if got.Rule != nil {
				rule = got.Rule.ID
			}
			if got.Department != tt.wantDept || rule != tt.wantRule || got.Auto != tt.wantAuto {
				t.Fatalf("Route = %s via %q auto=%v, want %s via %q auto=%v",
					got.Department, rule, got.Auto, tt.wantDept, tt.wantRule, tt.wantAuto)
			}
			if got.IsStreetOffice() != (tt.wantDept == StreetOffice) {
				t.Fatalf("IsStreetOffice = %v", got.IsStreetOffice())
			}
		})
	}

	t.Run("category not in force", func(t *testing.T) {
		if _, ok := d.Route(parkingRef, path, t2024.Add(-time.Hour)); ok {
			t.Fatal("routed a category before its start")
		}
		if _, ok := d.Route(Ref{Event, "0909"}, path, t2024); ok {
			t.Fatal("routed an unknown category")
		}
	})
	t.Run("returned rule is a copy", func(t *testing.T) {
		got, _ := d.Route(parkingRef, path, t2024)
		got.Rule.Department = "changed"
		again, _ := d.Route(parkingRef, path, t2024)
		if again.Department != "water" {
			t.Fatal("mutating the suggestion changed the dictionary")
		}
	})
}
