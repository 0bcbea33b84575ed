package catalog

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"cityloop/internal/errs"
)

// Rule is one line of the joint enforcement list (联合执法清单): cases of
// Category located in the subtree of RegionCode go to Department. Cities use
// these lists to settle "whose job is it" once, instead of case by case;
// for example, parking on the pavement goes to the traffic police city-wide
// but to the enforcement bureau inside one district.
type Rule struct {
	ID       string `json:"id"`
	Category Ref    `json:"category"`
	// RegionCode is "" for the whole city, otherwise a region (district,
	// street, community or grid) whose whole subtree the rule covers.
	RegionCode string `json:"region_code"`
	Department string `json:"department"`
	// Auto lets the case be dispatched without a dispatcher confirming the
	// suggestion, for categories where the owner is never in doubt.
	Auto bool `json:"auto"`
	// Priority breaks ties between rules at the same depth; higher wins.
	Priority int `json:"priority"`
}

// Validate checks the rule on its own; whether its category and department
// exist is checked by the dictionary.
func (r Rule) Validate() error {
	e := errs.Invalid("rule %q is not valid", r.ID)
	if !validID(r.ID) {
		e.WithField("id", fmt.Sprintf("id %q must be 1–64 characters of a-z, 0-9, '-', '_' or '.'", r.ID))
	}
	if err := r.Category.Validate(); err != nil {
		e.WithField("category", errMessage(err))
	}
	if r.RegionCode != "" && strings.Trim(r.RegionCode, "0123456789") != "" {
		e.WithField("region_code", fmt.Sprintf("region code %q must be digits, or empty for the whole city", r.RegionCode))
	}
	if r.Department == "" {
		e.WithField("department", "required")
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// Suggestion is where [Dictionary.Route] proposes to dispatch a case.
type Suggestion struct {
	Department string `json:"department"`     // may be [StreetOffice]; see there
	Rule       *Rule  `json:"rule,omitempty"` // nil when it fell back to the sub-class's default department
	Auto       bool   `json:"auto"`
}

// IsStreetOffice reports whether the caller still has to resolve the
// department to the located street's office.
func (s Suggestion) IsStreetOffice() bool { return s.Department == StreetOffice }

// Route proposes the responsible department for a case of category cat
// located at regionPath, the chain of region codes from the city down to the
// grid (e.g. ["3201", "320102", "320102001", "320102001001",
// "32010200100101"]).
//
// A rule applies when its category is cat and its RegionCode is "" or one of
// the codes in regionPath. Among applicable rules the most specific wins:
//
//  1. the deepest RegionCode in regionPath (a grid rule beats a community
//     rule beats a street rule …; a city-wide rule, "", is the shallowest);
//  2. then the higher Priority;
//  3. then the smaller ID, so the answer never depends on map order.
//
// With no applicable rule the sub-class's default department is suggested,
// with Rule nil and Auto false: a default is a guess a dispatcher confirms.
//
// Route returns false when cat has no version in force at `at`: a retired or
// not-yet-valid category must not be dispatched at all.
func (d *Dictionary) Route(cat Ref, regionPath []string, at time.Time) (Suggestion, bool) {
	sub, ok := d.Lookup(cat, at)
	if !ok {
		return Suggestion{}, false
	}
	var best *Rule
	bestDepth := -1
	for i := range d.rules {
		r := &d.rules[i]
		if r.Category != cat {
			continue
		}
		depth := 0
		if r.RegionCode != "" {
			depth = slices.Index(regionPath, r.RegionCode) + 1
			if depth == 0 {
				continue // outside the point's chain
			}
		}
		if best == nil || depth > bestDepth ||
			depth == bestDepth && (r.Priority > best.Priority || r.Priority == best.Priority && r.ID < best.ID) {
			best, bestDepth = r, depth
		}
	}
	if best == nil {
		return Suggestion{Department: sub.Department}, true
	}
	rule := *best
	return Suggestion{Department: rule.Department, Rule: &rule, Auto: rule.Auto}, true
}
