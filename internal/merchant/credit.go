package merchant

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"

	"cityloop/internal/catalog"
)

// Grade is a credit grade, A (best) to D.
type Grade string

// Credit is a shop's standing in one calendar year: Score is Start minus
// Deducted (never below 0); Civilized marks the 文明商户 list.
type Credit struct {
	Year       int   `json:"year"`
	Score      int   `json:"score"`
	Deducted   int   `json:"deducted"`
	Violations int   `json:"violations"`
	Grade      Grade `json:"grade"`
	Civilized  bool  `json:"civilized"` // 文明商户
}

// Rules are the credit scale: the points a year starts with, the grades by
// minimum score (best first), the score the 文明商户 list needs and the
// deduction per loop category.
type Rules struct {
	Start  int `json:"start"`
	Grades []struct {
		Grade Grade  `json:"grade"`
		Min   int    `json:"min"`
		Zh    string `json:"zh"`
		En    string `json:"en"`
	} `json:"grades"`
	CivilizedMin int `json:"civilized_min"`
	Deductions   []struct {
		Category string `json:"category"`
		Duty     Duty   `json:"duty"`
		Points   int    `json:"points"`
	} `json:"deductions"`
}

//go:embed data/credit.json
var shippedRules []byte

// ShippedRules are the rules in data/credit.json.
func ShippedRules() *Rules {
	r, err := ParseRules(shippedRules)
	if err != nil {
		panic(err) // the shipped file is checked by the tests
	}
	return r
}

// ParseRules reads and checks a rules file: grades best first ending at 0,
// each category a loop category once, positive points.
func ParseRules(b []byte) (*Rules, error) {
	var r Rules
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("credit rules: %w", err)
	}
	if r.Start <= 0 || len(r.Grades) == 0 || r.Grades[len(r.Grades)-1].Min != 0 {
		return nil, fmt.Errorf("credit rules: a positive start and grades down to a minimum of 0")
	}
	if !sort.SliceIsSorted(r.Grades, func(i, j int) bool { return r.Grades[i].Min > r.Grades[j].Min }) {
		return nil, fmt.Errorf("credit rules: grades best first")
	}
	seen := map[string]bool{}
	for _, d := range r.Deductions {
		if _, err := catalog.ParseRef(d.Category); err != nil || seen[d.Category] || d.Points <= 0 {
			return nil, fmt.Errorf("credit rules: deduction %q: a loop category (event:0504) once, with positive points", d.Category)
		}
		if DutyName(d.Duty)[0] == string(d.Duty) {
			return nil, fmt.Errorf("credit rules: deduction %q: unknown duty %q", d.Category, d.Duty)
		}
		seen[d.Category] = true
	}
	return &r, nil
}

// Deduction is the duty and points a case of category costs (ok false:
// the category is not a frontage violation).
func (r *Rules) Deduction(category string) (Duty, int, bool) {
	for _, d := range r.Deductions {
		if d.Category == category {
			return d.Duty, d.Points, true
		}
	}
	return "", 0, false
}

// Categories are the loop categories that deduct points.
func (r *Rules) Categories() []string {
	out := make([]string, len(r.Deductions))
	for i, d := range r.Deductions {
		out[i] = d.Category
	}
	return out
}

// CreditOf is the standing of a shop that lost deducted points in year
// through n violations.
func (r *Rules) CreditOf(year, deducted, n int) Credit {
	c := Credit{Year: year, Score: max(r.Start-deducted, 0), Deducted: deducted, Violations: n}
	for _, g := range r.Grades {
		if c.Score >= g.Min {
			c.Grade = g.Grade
			break
		}
	}
	c.Civilized = c.Score >= r.CivilizedMin
	return c
}

// GradeName is a grade's {Chinese, English} name.
func (r *Rules) GradeName(g Grade) [2]string {
	for _, x := range r.Grades {
		if x.Grade == g {
			return [2]string{x.Zh, x.En}
		}
	}
	return [2]string{string(g), string(g)}
}

// DeductedRange is the range of deducted points that gives grade g (max
// nil: no upper bound), for filtering lists by grade in the store.
func (r *Rules) DeductedRange(g Grade) (lo int, hi *int, ok bool) {
	for i, x := range r.Grades {
		if x.Grade != g {
			continue
		}
		// Score ≥ Min ⇔ deducted ≤ Start − Min; and below the better grade.
		h := r.Start - x.Min
		if i == len(r.Grades)-1 {
			hp := (*int)(nil)
			lo = 0
			if i > 0 {
				lo = r.Start - r.Grades[i-1].Min + 1
			}
			return lo, hp, true
		}
		if i > 0 {
			lo = r.Start - r.Grades[i-1].Min + 1
		}
		return lo, &h, true
	}
	return 0, nil, false
}
