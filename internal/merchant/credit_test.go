package merchant

import (
	"testing"
)

func TestShippedRules(t *testing.T) {
	r := ShippedRules()
	for _, tc := range []struct {
		deducted  int
		grade     Grade
		score     int
		civilized bool
	}{
		{0, "A", 1000, true},
		{50, "A", 950, true},
		{60, "A", 940, false},
		{100, "A", 900, false},
		{101, "B", 899, false},
		{250, "B", 750, false},
		{251, "C", 749, false},
		{400, "C", 600, false},
		{401, "D", 599, false},
		{1200, "D", 0, false}, // never below zero
	} {
		c := r.CreditOf(2026, tc.deducted, 1)
		if c.Grade != tc.grade || c.Score != tc.score || c.Civilized != tc.civilized {
			t.Errorf("deducted %d: %+v, want grade %s score %d civilized %v", tc.deducted, c, tc.grade, tc.score, tc.civilized)
		}
		// The store filters a grade by its range of deducted points: the
		// range must hold exactly the deductions that give the grade.
		lo, hi, ok := r.DeductedRange(tc.grade)
		if !ok || tc.deducted < lo || (hi != nil && tc.deducted > *hi) {
			t.Errorf("deducted %d outside grade %s's range %d–%v", tc.deducted, tc.grade, lo, hi)
		}
	}
	if _, _, ok := r.DeductedRange("E"); ok {
		t.Error("grade E has a range")
	}
	if d, p, ok := r.Deduction("event:0504"); !ok || d != DutyOrder || p != 50 {
		t.Errorf("店外经营: %s %d %v", d, p, ok)
	}
	if _, _, ok := r.Deduction("event:0301"); ok {
		t.Error("施工扰民 is not a frontage violation")
	}
}

func TestParseRulesRefuses(t *testing.T) {
	for name, src := range map[string]string{
		"not json":         `{`,
		"grades not to 0":  `{"start":1000,"grades":[{"grade":"A","min":900}]}`,
		"grades unordered": `{"start":1000,"grades":[{"grade":"B","min":0},{"grade":"A","min":900}]}`,
		"bad category":     `{"start":1000,"grades":[{"grade":"A","min":0}],"deductions":[{"category":"0504","duty":"order","points":5}]}`,
		"twice":            `{"start":1000,"grades":[{"grade":"A","min":0}],"deductions":[{"category":"event:0504","duty":"order","points":5},{"category":"event:0504","duty":"order","points":5}]}`,
		"unknown duty":     `{"start":1000,"grades":[{"grade":"A","min":0}],"deductions":[{"category":"event:0504","duty":"peace","points":5}]}`,
		"no points":        `{"start":1000,"grades":[{"grade":"A","min":0}],"deductions":[{"category":"event:0504","duty":"order","points":0}]}`,
	} {
		if _, err := ParseRules([]byte(src)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
