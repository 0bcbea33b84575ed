package kpi

import (
	"math"

	"cityloop/internal/casework"
)

// Figure is one indicator's value for one unit and period, with what it
// was computed from. Numerator is a number of cases, except for a mean,
// where it is the measure's sum (hours) and NumCases is nil: no list of
// cases totals an hour count. Value and MeetsTarget are nil when the
// denominator is 0 (nothing to judge).
type Figure struct {
	Def         *Indicator
	Value       *float64
	Numerator   float64
	Denominator *int
	MeetsTarget *bool
	// NumCases and DenCases are the predicates whose case lists total the
	// numerator (not for a mean) and the denominator (not for a count)
	// exactly; the empty predicate is every case of the unit and period.
	NumCases, DenCases casework.Predicate
}

// round2 keeps two decimals: a bulletin prints 93.72 %, not a float's tail.
func round2(v float64) float64 { return math.Round(v*100) / 100 }

// Compute turns one unit's tally (counted for sets, as [Sets] made them
// for defs) into figures, in the order of defs. A nil row is a unit with
// no cases.
func Compute(defs []*Indicator, num, den []int, row *casework.TallyRow) []Figure {
	count := func(i int) int {
		if row == nil || i < 0 {
			return 0
		}
		return row.Counts[i]
	}
	out := make([]Figure, len(defs))
	for i, d := range defs {
		f := Figure{Def: d}
		switch d.Kind {
		case KindCount:
			n := count(num[i])
			v := float64(n)
			f.Value, f.Numerator, f.NumCases = &v, v, d.num
		case KindRate:
			n, m := count(num[i]), count(den[i])
			f.Numerator, f.Denominator, f.NumCases, f.DenCases = float64(n), &m, d.num, d.den
			if m > 0 {
				v := round2(100 * float64(n) / float64(m))
				f.Value = &v
			}
		case KindMean:
			m, hours := 0, 0.0
			if row != nil {
				m, hours = row.Dispatched, row.Response.Hours()
			}
			f.Numerator, f.Denominator, f.DenCases = round2(hours), &m, d.den
			if m > 0 {
				v := round2(hours / float64(m))
				f.Value = &v
			}
		}
		if f.Value != nil && d.Target != nil {
			ok := *f.Value >= *d.Target
			if d.Direction == Lower {
				ok = *f.Value <= *d.Target
			}
			f.MeetsTarget = &ok
		}
		out[i] = f
	}
	return out
}

// Score is a composite's points from the figures of its parts (by code),
// and whether every part had a value: a unit without the cases a part
// needs cannot be scored fairly, so its score is not stated.
func (c *Composite) Score(figures map[string]Figure) (float64, bool) {
	total := 0.0
	for _, p := range c.Parts {
		f, ok := figures[p.Indicator]
		if !ok || f.Value == nil {
			return 0, false
		}
		share := *f.Value / 100
		if p.Invert {
			share = 1 - share
		}
		total += p.Weight * share
	}
	return round2(total), true
}

// Needs lists the indicator codes a composite reads.
func (c *Composite) Needs() []string {
	out := make([]string, len(c.Parts))
	for i, p := range c.Parts {
		out[i] = p.Indicator
	}
	return out
}
