package kpi

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
)

// Kind is how an indicator's value is made from its counts.
type Kind string

const (
	KindCount Kind = "count" // 数: the cases of the numerator
	KindRate  Kind = "rate"  // 率: numerator ÷ denominator, in per cent
	// KindMean is an average over the denominator's cases of a measure
	// (Measure); the numerator is the measure's sum, not a number of cases.
	KindMean Kind = "mean"
)

// Direction says which way is better.
type Direction string

const (
	Higher Direction = "higher" // 越高越好
	Lower  Direction = "lower"  // 越低越好
)

// MeasureResponseHours is the time from report to dispatch (响应时间) in
// hours: the only measure the store sums. Its denominator must be
// "dispatched", the cases it is summed over.
const MeasureResponseHours = "response_hours"

// Name is a Chinese and an English name.
type Name struct {
	Zh string `json:"zh"`
	En string `json:"en"`
}

// Indicator is one figure's definition. Numerator and Denominator are
// case predicates as the case list's "is" parameter spells them
// ("due_to_close,closed"; "" is every case reported in the period). A
// definition is in force from Effective; a later version of the same code
// replaces it from its own date, so a figure published for a past period
// is recomputed by the definition then in force.
type Indicator struct {
	Code        string    `json:"code"`
	Name        Name      `json:"name"`
	Kind        Kind      `json:"kind"`
	Numerator   string    `json:"numerator,omitempty"`
	Denominator string    `json:"denominator,omitempty"`
	Measure     string    `json:"measure,omitempty"`
	Formula     string    `json:"formula,omitempty"`
	Target      *float64  `json:"target,omitempty"`
	Direction   Direction `json:"direction"`
	Unit        string    `json:"unit"`
	Source      string    `json:"source,omitempty"` // where the definition or target comes from
	Version     int       `json:"version"`
	Effective   string    `json:"effective"` // YYYY-MM-DD

	num, den  casework.Predicate
	effective time.Time
}

// Num and Den are the parsed predicates.
func (d *Indicator) Num() casework.Predicate { return d.num }
func (d *Indicator) Den() casework.Predicate { return d.den }

// Part is one term of a composite: Weight points times the indicator's
// rate (as a share, 0–1), or times one minus it when Invert (返工率 scores
// as 1 − 返工率).
type Part struct {
	Indicator string  `json:"indicator"`
	Weight    float64 `json:"weight"`
	Invert    bool    `json:"invert,omitempty"`
}

// Composite is a weighted score of rates (综合得分), out of the sum of
// its weights, graded by Grades.
type Composite struct {
	Code      string `json:"code"`
	Name      Name   `json:"name"`
	Parts     []Part `json:"parts"`
	Source    string `json:"source,omitempty"`
	Version   int    `json:"version"`
	Effective string `json:"effective"`

	effective time.Time
}

// Grade is a letter from a lower bound of the score up.
type Grade struct {
	Letter string  `json:"letter"`
	Min    float64 `json:"min"`
}

// Set is a city's indicator book: every version of every definition.
type Set struct {
	Indicators []Indicator `json:"indicators"`
	Composites []Composite `json:"composites"`
	Grades     []Grade     `json:"grades"`
}

//go:embed defaults.json
var defaultsJSON []byte

// Default is the shipped indicator book (DOMAIN.md §5, the plan's §3.2
// targets); a city edits a copy of defaults.json and loads it with Parse.
func Default() *Set {
	s, err := Parse(defaultsJSON)
	if err != nil {
		panic("kpi: the embedded defaults.json is not valid: " + err.Error()) // a build defect, caught by the tests
	}
	return s
}

var codeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,47}$`)

// maxDefs bounds a book: a city has dozens of indicators, not thousands.
const maxDefs = 1000

// Parse reads and checks an indicator book: JSON of a [Set]. Every
// problem is Invalid and names the definition and field, so the person
// editing the file can mend it.
func Parse(data []byte) (*Set, error) {
	var s Set
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, errs.Invalid("指标定义不是有效的 JSON / the indicator book is not valid JSON: %s", err.Error())
	}
	if len(s.Indicators)+len(s.Composites) > maxDefs {
		return nil, errs.Invalid("指标定义过多 / too many definitions: at most %d", maxDefs)
	}
	bad := errs.Invalid("指标定义有误 / the indicator book has mistakes")
	seen := map[string]bool{}
	for i := range s.Indicators {
		d := &s.Indicators[i]
		where := fmt.Sprintf("indicators[%d] %s", i, d.Code)
		for _, m := range d.check() {
			bad.WithField(where, m)
		}
		key := fmt.Sprintf("%s@%s", d.Code, d.Effective)
		if seen[key] {
			bad.WithField(where, "同一代码同一生效日期重复 / a second definition of this code from the same date")
		}
		seen[key] = true
	}
	for i := range s.Composites {
		c := &s.Composites[i]
		where := fmt.Sprintf("composites[%d] %s", i, c.Code)
		if !codeRE.MatchString(c.Code) {
			bad.WithField(where, "code must be English snake case, e.g. jn_score")
		}
		if c.Name.Zh == "" || c.Name.En == "" {
			bad.WithField(where, "需要中英文名称 / name.zh and name.en are required")
		}
		eff, err := time.Parse(dateLayout, c.Effective)
		if err != nil {
			bad.WithField(where, "effective must be a date YYYY-MM-DD")
		}
		c.effective = eff
		if len(c.Parts) == 0 {
			bad.WithField(where, "a composite needs parts")
		}
		for _, p := range c.Parts {
			d := s.find(p.Indicator)
			if d == nil || d.Kind != KindRate {
				bad.WithField(where, fmt.Sprintf("part %q must name a rate indicator of this book", p.Indicator))
			}
			if !(p.Weight > 0 && p.Weight <= 1000) {
				bad.WithField(where, fmt.Sprintf("part %q: weight must be more than 0 and at most 1000", p.Indicator))
			}
		}
		if seen[c.Code+"@"+c.Effective] {
			bad.WithField(where, "a code is used twice from the same date")
		}
		seen[c.Code+"@"+c.Effective] = true
	}
	for i := 1; i < len(s.Grades); i++ {
		if s.Grades[i].Min >= s.Grades[i-1].Min {
			bad.WithField("grades", "grades go from the best down, each with a lower min")
		}
	}
	if len(bad.Fields) > 0 {
		return nil, bad
	}
	return &s, nil
}

// check lists what is wrong with one definition and parses its predicates.
func (d *Indicator) check() []string {
	var out []string
	if !codeRE.MatchString(d.Code) {
		out = append(out, "code must be English snake case, e.g. closure_rate")
	}
	if d.Name.Zh == "" || d.Name.En == "" {
		out = append(out, "需要中英文名称 / name.zh and name.en are required")
	}
	var err error
	if d.num, err = casework.ParsePredicate(d.Numerator); err != nil {
		out = append(out, "numerator: "+errMessage(err))
	}
	if d.den, err = casework.ParsePredicate(d.Denominator); err != nil {
		out = append(out, "denominator: "+errMessage(err))
	}
	switch d.Kind {
	case KindCount:
		if d.Denominator != "" || d.Measure != "" {
			out = append(out, "a count has a numerator only")
		}
	case KindRate:
		if d.Measure != "" {
			out = append(out, "a rate has no measure")
		}
	case KindMean:
		if d.Measure != MeasureResponseHours || d.Denominator != string(casework.FactDispatched) || d.Numerator != "" {
			out = append(out, `a mean is measure "response_hours" over denominator "dispatched", with no numerator`)
		}
	default:
		out = append(out, "kind must be count, rate or mean")
	}
	if d.Direction != Higher && d.Direction != Lower {
		out = append(out, "direction must be higher or lower")
	}
	if d.Unit == "" {
		out = append(out, "unit is required (%, 件, h)")
	}
	if d.Target != nil && (*d.Target < 0 || (d.Kind == KindRate && *d.Target > 100)) {
		out = append(out, "target must be 0 or more (a rate's at most 100)")
	}
	eff, err := time.Parse(dateLayout, d.Effective)
	if err != nil {
		out = append(out, "effective must be a date YYYY-MM-DD")
	}
	d.effective = eff
	if d.Version < 1 {
		out = append(out, "version must be 1 or more")
	}
	return out
}

func errMessage(err error) string {
	if e, ok := errs.As(err); ok {
		return e.Message
	}
	return err.Error()
}

// find returns the latest definition of code, whatever its date (for the
// composite check).
func (s *Set) find(code string) *Indicator {
	var best *Indicator
	for i := range s.Indicators {
		if d := &s.Indicators[i]; d.Code == code && (best == nil || d.effective.After(best.effective)) {
			best = d
		}
	}
	return best
}

// civilDate is the date of t as a UTC midnight, to compare with the
// effective dates whatever the city's zone.
func civilDate(t time.Time) time.Time {
	y, m, dd := t.Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
}

// InForce returns the definitions in force on day (the first day of the
// period asked for): for each code, the version with the latest effective
// date not after day, in the book's order. Codes not yet in force are left
// out.
func (s *Set) InForce(day time.Time) []*Indicator {
	on := civilDate(day)
	best := map[string]*Indicator{}
	var order []string
	for i := range s.Indicators {
		d := &s.Indicators[i]
		if d.effective.After(on) {
			continue
		}
		if b, ok := best[d.Code]; !ok || d.effective.After(b.effective) {
			if !ok {
				order = append(order, d.Code)
			}
			best[d.Code] = d
		}
	}
	out := make([]*Indicator, len(order))
	for i, c := range order {
		out[i] = best[c]
	}
	return out
}

// CompositesInForce is InForce for the composites.
func (s *Set) CompositesInForce(day time.Time) []*Composite {
	on := civilDate(day)
	best := map[string]*Composite{}
	for i := range s.Composites {
		c := &s.Composites[i]
		if c.effective.After(on) {
			continue
		}
		if b, ok := best[c.Code]; !ok || c.effective.After(b.effective) {
			best[c.Code] = c
		}
	}
	out := make([]*Composite, 0, len(best))
	for _, c := range best {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// Codes lists the codes in force on day, indicators then composites, for
// messages that say what may be asked for.
func (s *Set) Codes(day time.Time) []string {
	var out []string
	for _, d := range s.InForce(day) {
		out = append(out, d.Code)
	}
	for _, c := range s.CompositesInForce(day) {
		out = append(out, c.Code)
	}
	return out
}

// Grade is the letter of a score, "" when the book has no grades.
func (s *Set) Grade(score float64) string {
	for _, g := range s.Grades {
		if score >= g.Min {
			return g.Letter
		}
	}
	if n := len(s.Grades); n > 0 {
		return s.Grades[n-1].Letter
	}
	return ""
}

// FormulaText is the definition's formula for a reader: its own text, or
// one made from the facts' Chinese names.
func (d *Indicator) FormulaText() string {
	if d.Formula != "" {
		return d.Formula
	}
	name := func(p casework.Predicate) string {
		if len(p) == 0 {
			return "上报数"
		}
		parts := make([]string, len(p))
		for i, t := range p {
			parts[i] = casework.FactNames[t.Fact][0]
			if t.Not {
				parts[i] = "非" + parts[i]
			}
		}
		return strings.Join(parts, "且") + "数"
	}
	switch d.Kind {
	case KindCount:
		return name(d.num)
	case KindMean:
		return "Σ(派遣时间 − 上报时间) ÷ 派遣数"
	}
	return name(d.num) + " ÷ " + name(d.den) + " × 100%"
}

// Sets lists the predicates the store must count for defs, each once, and
// where each definition's numerator and denominator are in that list.
func Sets(defs []*Indicator) (sets []casework.Predicate, num, den []int) {
	index := map[string]int{}
	at := func(p casework.Predicate) int {
		k := p.String()
		if i, ok := index[k]; ok {
			return i
		}
		index[k] = len(sets)
		sets = append(sets, slices.Clone(p))
		return len(sets) - 1
	}
	num, den = make([]int, len(defs)), make([]int, len(defs))
	for i, d := range defs {
		num[i], den[i] = -1, -1
		if d.Kind != KindMean {
			num[i] = at(d.num)
		}
		if d.Kind != KindCount {
			den[i] = at(d.den)
		}
	}
	return sets, num, den
}

// Problems lists the field problems of an error of [Parse]
// ("indicators[3] closure_rate: target must be …; …"), for the command
// line, where no form shows the fields; "" when it has none.
func Problems(err error) string {
	e, ok := errs.As(err)
	if !ok {
		return ""
	}
	out := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		out[i] = f.Field + ": " + f.Message
	}
	return strings.Join(out, "; ")
}
