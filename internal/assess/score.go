package assess

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/kpi"
	"cityloop/internal/org"
)

// Counter counts cases for the indicators inside an actor's jurisdiction
// (casework.Service.Tally).
type Counter interface {
	Tally(ctx context.Context, actor org.Actor, q casework.TallyQuery) ([]casework.TallyRow, error)
}

// Plan is a scheme bound to the indicator definitions in force on a day:
// the predicates the store must count, and where each item and deduction
// finds its counts.
type Plan struct {
	Scheme *Scheme
	Defs   []*kpi.Indicator // the items' indicators, in item order
	Sets   []casework.Predicate
	num    []int
	den    []int
	ded    []int // index into Sets of each deduction
}

// NewPlan binds s to the book's definitions in force on day. An item
// whose indicator is no longer a rate in force is Invalid: the city
// edited one book without the other.
func NewPlan(s *Scheme, book *kpi.Set, day time.Time) (*Plan, error) {
	byCode := map[string]*kpi.Indicator{}
	for _, d := range book.InForce(day) {
		byCode[d.Code] = d
	}
	p := &Plan{Scheme: s}
	for _, it := range s.Items {
		d := byCode[it.Indicator]
		if d == nil || d.Kind != kpi.KindRate {
			return nil, errInvalidItem(s, it, day)
		}
		p.Defs = append(p.Defs, d)
	}
	p.Sets, p.num, p.den = kpi.Sets(p.Defs)
	for i := range s.Deductions {
		p.ded = append(p.ded, len(p.Sets))
		p.Sets = append(p.Sets, s.Deductions[i].pred)
	}
	return p, nil
}

// Part is one item's figure and points.
type Part struct {
	Item   Item
	Figure kpi.Figure
	Points float64
}

// Deducted is one deduction's cases and points.
type Deducted struct {
	Deduction *Deduction
	Cases     int
	Points    float64
}

// Result is one unit's assessment. Score is nil when an item has no value
// (the unit lacks the cases it needs): such a unit is listed, not ranked.
type Result struct {
	Parts      []Part
	Deductions []Deducted
	Score      *float64
	Grade      string
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// Merge adds rows of the same sets into one (the unit's base row and its
// double-counted channels' rows); nil rows are skipped, and nil is
// returned when all are.
func Merge(rows ...*casework.TallyRow) *casework.TallyRow {
	var out *casework.TallyRow
	for _, r := range rows {
		if r == nil {
			continue
		}
		if out == nil {
			out = &casework.TallyRow{Key: r.Key, Counts: make([]int, len(r.Counts))}
		}
		for i, c := range r.Counts {
			out.Counts[i] += c
		}
		out.Response += r.Response
		out.Dispatched += r.Dispatched
	}
	return out
}

// Score assesses one unit from its (merged) row.
func (p *Plan) Score(row *casework.TallyRow) Result {
	figs := kpi.Compute(p.Defs, p.num, p.den, row)
	res := Result{}
	total, complete := 0.0, true
	for i, it := range p.Scheme.Items {
		f := figs[i]
		part := Part{Item: it, Figure: f}
		if f.Value == nil {
			complete = false
		} else {
			part.Points = round2(points(it, *f.Value))
			total += part.Points
		}
		res.Parts = append(res.Parts, part)
	}
	for i := range p.Scheme.Deductions {
		d := &p.Scheme.Deductions[i]
		n := 0
		if row != nil {
			n = row.Counts[p.ded[i]]
		}
		pts := float64(n) * d.Points
		if d.Max > 0 {
			pts = min(pts, d.Max)
		}
		pts = round2(pts)
		total -= pts
		res.Deductions = append(res.Deductions, Deducted{Deduction: d, Cases: n, Points: pts})
	}
	if complete {
		v := round2(max(total, 0))
		res.Score, res.Grade = &v, p.Scheme.Grade(v)
	}
	return res
}

// points is an item's points for a rate value (per cent).
func points(it Item, v float64) float64 {
	if it.Threshold == nil {
		share := v / 100
		if it.Invert {
			share = 1 - share
		}
		return it.Weight * share
	}
	short := *it.Threshold - v // percentage points below the threshold
	if it.Invert {
		short = v - *it.Threshold
	}
	if short <= 0 {
		return it.Weight
	}
	return max(it.Weight-short*it.PerPoint, 0)
}

// Unit is one ranked object: a region or a department.
type Unit struct {
	Level org.Level // 0 for a department
	Code  string
	Name  string
}

// Ranked is one unit's place.
type Ranked struct {
	Unit
	Rank   int // 1 is the best; 0 not ranked (no score)
	Result Result
}

// Rank orders units by score, best first, those without a score last and
// unranked; equal scores share a rank (1, 2, 2, 4).
func Rank(units []Unit, results []Result) []Ranked {
	out := make([]Ranked, len(units))
	for i := range units {
		out[i] = Ranked{Unit: units[i], Result: results[i]}
	}
	slices.SortStableFunc(out, func(a, b Ranked) int {
		as, bs := a.Result.Score, b.Result.Score
		switch {
		case as == nil && bs == nil:
			return cmp.Compare(a.Code, b.Code)
		case as == nil:
			return 1
		case bs == nil:
			return -1
		case *as != *bs:
			return cmp.Compare(*bs, *as)
		}
		return cmp.Compare(a.Code, b.Code)
	})
	for i := range out {
		switch {
		case out[i].Result.Score == nil:
			out[i].Rank = 0
		case i > 0 && out[i-1].Result.Score != nil && *out[i-1].Result.Score == *out[i].Result.Score:
			out[i].Rank = out[i-1].Rank
		default:
			out[i].Rank = i + 1
		}
	}
	return out
}

// RedBlack is the 红榜 (the n best ranked units) and the 黑榜 (the n worst,
// worst first). A unit is on at most one list: with fewer than 2n ranked
// units the lists share them out, the better half red.
func RedBlack(ranked []Ranked, n int) (red, black []Ranked) {
	var scored []Ranked
	for _, r := range ranked {
		if r.Rank > 0 {
			scored = append(scored, r)
		}
	}
	nr := min(n, (len(scored)+1)/2)
	nb := min(n, len(scored)-nr)
	red = slices.Clone(scored[:nr])
	for i := len(scored) - 1; i >= len(scored)-nb; i-- {
		black = append(black, scored[i])
	}
	return red, black
}

// Query is a ranking to compute: the units of a level (district, street
// or department) over a period, by a plan.
type Query struct {
	Plan    *Plan
	Period  kpi.Period
	GroupBy string // district, street, community, department or GroupBySupervisor
	Within  casework.Filter
	Units   []Unit
}

// GroupBySupervisor ranks supervisors (Unit.Code is the account id) by
// the cases each reported.
const GroupBySupervisor = "supervisor"

// Assess counts and ranks q's units inside actor's jurisdiction: one
// grouped tally for all cases and one per double-counted channel, merged.
func Assess(ctx context.Context, c Counter, actor org.Actor, q Query) ([]Ranked, error) {
	within, group := q.Within, q.GroupBy
	if group == GroupBySupervisor {
		// Supervisors are ranked by the cases each reported: one query
		// grouped by reporter, over the listed supervisors' reports only
		// (not every citizen's account).
		if len(q.Units) == 0 {
			return Rank(nil, nil), nil // no supervisor, nothing to count
		}
		within.ReporterIDs = make([]string, len(q.Units))
		for i, u := range q.Units {
			within.ReporterIDs[i] = u.Code
		}
		group = casework.TallyByReporter
	}
	rows, err := tally(ctx, c, actor, q.Plan, within, q.Period, group)
	if err != nil {
		return nil, err
	}
	results := make([]Result, len(q.Units))
	for i, u := range q.Units {
		results[i] = q.Plan.Score(rows[u.Code])
	}
	return Rank(q.Units, results), nil
}

// AssessOne assesses the cases matched by within (a unit's filter) over
// the period as one unit.
func AssessOne(ctx context.Context, c Counter, actor org.Actor, p *Plan, within casework.Filter, period kpi.Period) (Result, error) {
	rows, err := tally(ctx, c, actor, p, within, period, "")
	if err != nil {
		return Result{}, err
	}
	return p.Score(rows[""]), nil
}

func tally(ctx context.Context, c Counter, actor org.Actor, p *Plan, within casework.Filter, period kpi.Period, group string) (map[string]*casework.TallyRow, error) {
	sources := append([]casework.Source{""}, p.Scheme.Double...)
	merged := map[string]*casework.TallyRow{}
	for _, src := range sources {
		f := within
		f.From, f.To = &period.From, &period.To
		if src != "" {
			if f.Source != "" && f.Source != src {
				continue
			}
			f.Source = src
		}
		rows, err := c.Tally(ctx, actor, casework.TallyQuery{Filter: f, Sets: p.Sets, GroupBy: group})
		if err != nil {
			return nil, fmt.Errorf("assess %s: count cases: %w", p.Scheme.Code, err)
		}
		for i := range rows {
			k := rows[i].Key
			if group == "" {
				k = ""
			}
			merged[k] = Merge(merged[k], &rows[i])
		}
	}
	return merged, nil
}
