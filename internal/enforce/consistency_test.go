package enforce

import (
	"fmt"
	"testing"
)

// The seed plan's 同案不同罚: one district fines street vending 200–500
// yuan, another 500–1,000 for the same act at the same level.
func TestConsistency(t *testing.T) {
	var rs []DecisionRecord
	add := func(district, officer string, fines ...float64) {
		for _, f := range fines {
			rs = append(rs, DecisionRecord{CaseID: fmt.Sprintf("c%d", len(rs)+1), District: district, Officer: officer,
				Violation: "ROAD-01", Level: LevelGeneral, Party: Person, Fine: f, Kinds: []Kind{KindFine}})
		}
	}
	add("A", "a1", 200, 300, 300, 400)
	add("A", "a2", 300, 300, 500)
	add("B", "b1", 800, 900, 1000)
	// A small group says nothing about a spread; an exemption carries no fine to compare.
	rs = append(rs, DecisionRecord{CaseID: "s1", District: "A", Officer: "a1", Violation: "AIR-01", Level: LevelSevere, Party: Organisation, Fine: 45000},
		DecisionRecord{CaseID: "x1", District: "A", Officer: "a1", Violation: "ROAD-01", Level: LevelGeneral, Party: Person, Exempted: ExemptFirst})

	groups := Consistency(rs, DefaultConsistency())
	if len(groups) != 2 {
		t.Fatalf("%d groups, want 2", len(groups))
	}
	small, road := groups[0], groups[1]
	if small.Violation != "AIR-01" || len(small.Outliers) != 0 {
		t.Errorf("small group %+v", small)
	}
	if road.All.N != 10 || road.All.Min != 200 || road.All.Max != 1000 || road.All.Median != 350 {
		t.Errorf("spread %+v", road.All)
	}
	if road.Districts["A"].Median != 300 || road.Districts["B"].Median != 900 {
		t.Errorf("districts %+v", road.Districts)
	}
	want := map[string]bool{"decision:c8": true, "decision:c9": true, "decision:c10": true, "district:B": true, "officer:b1": true}
	got := map[string]bool{}
	for _, o := range road.Outliers {
		got[o.By+":"+o.Key] = true
	}
	for k := range want {
		if !got[k] {
			t.Errorf("outlier %s not named; got %v", k, road.Outliers)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("unexpected outlier %s", k)
		}
	}
}
