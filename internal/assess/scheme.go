package assess

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/kpi"
)

// Item scores one rate indicator of the book. Without a Threshold it is
// worth Weight × the rate (as a share; 1 − the rate when Invert, as
// 返工率 scores). With a Threshold it is worth the full Weight when the
// rate reaches it (is at most it when Invert) and PerPoint less for each
// percentage point short, never below 0 (LOC-JH: 按期结案率 ≥ 70 % → 50
// points, −1 per point short).
type Item struct {
	Indicator string   `json:"indicator"`
	Weight    float64  `json:"weight"`
	Invert    bool     `json:"invert,omitempty"`
	Threshold *float64 `json:"threshold,omitempty"`
	PerPoint  float64  `json:"per_point,omitempty"`
}

// Deduction takes Points off the score for each case of the unit and
// period for which the predicate Is holds (as the case list's "is"
// spells it), at most Max points in all when Max is set.
type Deduction struct {
	Name   kpi.Name `json:"name"`
	Is     string   `json:"is"`
	Points float64  `json:"points"`
	Max    float64  `json:"max,omitempty"`

	pred casework.Predicate
}

// Pred is the parsed predicate.
func (d *Deduction) Pred() casework.Predicate { return d.pred }

// Scheme is one assessment table (考核方案).
type Scheme struct {
	Code       string      `json:"code"`
	Name       kpi.Name    `json:"name"`
	Items      []Item      `json:"items"`
	Deductions []Deduction `json:"deductions,omitempty"`
	// Double lists the channels whose cases count twice, in every
	// numerator, denominator and deduction (领导交办 and media cases
	// weigh double in LOC-JH).
	Double []casework.Source `json:"double,omitempty"`
	Grades []kpi.Grade       `json:"grades"`
	// Levels are the objects the scheme ranks (Levels lists them); empty
	// is the regional tables' district, street and department. A post's
	// composite (监督员) does not fit a district, nor the reverse.
	Levels    []string `json:"levels,omitempty"`
	Source    string   `json:"source,omitempty"`
	Version   int      `json:"version"`
	Effective string   `json:"effective"` // YYYY-MM-DD

	effective time.Time
}

// Book is a city's assessment schemes: every version of every scheme.
type Book struct {
	Schemes []Scheme `json:"schemes"`
}

//go:embed schemes.json
var schemesJSON []byte

// Default is the shipped book: the LOC-JN and LOC-JH regional tables.
func Default() *Book {
	b, err := Parse(schemesJSON, kpi.Default())
	if err != nil {
		panic("assess: the embedded schemes.json is not valid: " + err.Error()) // a build defect, caught by the tests
	}
	return b
}

// Load reads a city's schemes from path (--assessment-schemes), checked
// against the indicator book they score (nil: the shipped one); with no
// path it returns nil and the shipped schemes are used. A file with
// mistakes is refused with the list of them, so a city never ranks by a
// half-read table.
func Load(path string, book *kpi.Set) (*Book, error) {
	if path == "" {
		return nil, nil
	}
	if book == nil {
		book = kpi.Default()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the assessment schemes: %w", err)
	}
	b, err := Parse(data, book)
	if err != nil {
		return nil, fmt.Errorf("assessment schemes %s: %w: %s", path, err, kpi.Problems(err))
	}
	return b, nil
}

var codeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,47}$`)

// maxSchemes bounds a book; a city runs a handful of tables.
const maxSchemes = 200

// Parse reads and checks a book of schemes against the indicator book
// they score: every item must name a rate of kpi, every predicate must
// parse. Each problem is Invalid and names the scheme and field.
func Parse(data []byte, book *kpi.Set) (*Book, error) {
	var b Book
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, errs.Invalid("考核方案不是有效的 JSON / the assessment schemes are not valid JSON: %s", err.Error())
	}
	if len(b.Schemes) > maxSchemes {
		return nil, errs.Invalid("考核方案过多 / too many schemes: at most %d", maxSchemes)
	}
	bad := errs.Invalid("考核方案有误 / the assessment schemes have mistakes")
	seen := map[string]bool{}
	for i := range b.Schemes {
		s := &b.Schemes[i]
		where := fmt.Sprintf("schemes[%d] %s", i, s.Code)
		for _, m := range s.check(book) {
			bad.WithField(where, m)
		}
		key := s.Code + "@" + s.Effective
		if seen[key] {
			bad.WithField(where, "同一代码同一生效日期重复 / a second version of this code from the same date")
		}
		seen[key] = true
	}
	if len(bad.Fields) > 0 {
		return nil, bad
	}
	return &b, nil
}

func (s *Scheme) check(book *kpi.Set) []string {
	var out []string
	if !codeRE.MatchString(s.Code) {
		out = append(out, "code must be English snake case, e.g. jn_table")
	}
	if s.Name.Zh == "" || s.Name.En == "" {
		out = append(out, "需要中英文名称 / name.zh and name.en are required")
	}
	eff, err := time.Parse("2006-01-02", s.Effective)
	if err != nil {
		out = append(out, "effective must be a date YYYY-MM-DD")
	}
	s.effective = eff
	if s.Version < 1 {
		out = append(out, "version must be 1 or more")
	}
	if len(s.Items) == 0 {
		out = append(out, "a scheme needs items")
	}
	rates := map[string]bool{}
	for _, d := range book.InForce(eff) {
		if d.Kind == kpi.KindRate {
			rates[d.Code] = true
		}
	}
	for _, it := range s.Items {
		if !rates[it.Indicator] {
			out = append(out, fmt.Sprintf("item %q must name a rate indicator in force on %s", it.Indicator, s.Effective))
		}
		if !(it.Weight > 0 && it.Weight <= 1000) {
			out = append(out, fmt.Sprintf("item %q: weight must be more than 0 and at most 1000", it.Indicator))
		}
		if it.Threshold != nil && (*it.Threshold < 0 || *it.Threshold > 100 || it.PerPoint < 0) {
			out = append(out, fmt.Sprintf("item %q: threshold must be 0–100 and per_point 0 or more", it.Indicator))
		}
		if it.Threshold == nil && it.PerPoint != 0 {
			out = append(out, fmt.Sprintf("item %q: per_point needs a threshold", it.Indicator))
		}
	}
	for i := range s.Deductions {
		d := &s.Deductions[i]
		p, err := casework.ParsePredicate(d.Is)
		if err != nil || len(p) == 0 {
			out = append(out, fmt.Sprintf("deduction %q: is must be case conditions, e.g. reworked", d.Name.Zh))
		}
		d.pred = p
		if !(d.Points > 0 && d.Points <= 100) || d.Max < 0 {
			out = append(out, fmt.Sprintf("deduction %q: points must be more than 0 and at most 100, max 0 or more", d.Name.Zh))
		}
		if d.Name.Zh == "" || d.Name.En == "" {
			out = append(out, "deductions need name.zh and name.en")
		}
	}
	for _, lv := range s.Levels {
		if !slices.Contains(Levels, lv) {
			out = append(out, fmt.Sprintf("levels: unknown object %q; use %s", lv, strings.Join(Levels, ", ")))
		}
	}
	for _, src := range s.Double {
		if !src.Valid() {
			out = append(out, fmt.Sprintf("double: unknown source %q", src))
		}
	}
	if len(s.Grades) == 0 {
		out = append(out, "grades are required (A ≥ 90 … E)")
	}
	for i := 1; i < len(s.Grades); i++ {
		if s.Grades[i].Min >= s.Grades[i-1].Min {
			out = append(out, "grades go from the best down, each with a lower min")
		}
	}
	return out
}

// civil is t's date as a UTC midnight, to compare with effective dates.
func civil(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// InForce lists the scheme versions in force on day, one per code, by code.
func (b *Book) InForce(day time.Time) []*Scheme {
	on := civil(day)
	best := map[string]*Scheme{}
	for i := range b.Schemes {
		s := &b.Schemes[i]
		if s.effective.After(on) {
			continue
		}
		if o, ok := best[s.Code]; !ok || s.effective.After(o.effective) {
			best[s.Code] = s
		}
	}
	out := make([]*Scheme, 0, len(best))
	for _, s := range best {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// Find is the version of code in force on day; NotFound names the codes
// that are.
func (b *Book) Find(code string, day time.Time) (*Scheme, error) {
	var codes []string
	for _, s := range b.InForce(day) {
		if s.Code == code {
			return s, nil
		}
		codes = append(codes, s.Code)
	}
	return nil, errs.Invalid("没有代码为 %q 的考核方案 / no assessment scheme %q in force on %s", code, code, day.Format("2006-01-02")).
		WithField("scheme", fmt.Sprintf("one of %v", codes))
}

// Grade is the letter of score.
func (s *Scheme) Grade(score float64) string {
	for _, g := range s.Grades {
		if score >= g.Min {
			return g.Letter
		}
	}
	return s.Grades[len(s.Grades)-1].Letter
}

// Levels are the objects a scheme may rank: regions of three levels,
// handling departments (处置单位) and supervisors (监督员, by the cases
// each reported).
var Levels = []string{"district", "street", "community", "department", GroupBySupervisor}

// defaultLevels are what a scheme without Levels ranks.
var defaultLevels = []string{"district", "street", "department"}

// Ranks reports whether the scheme ranks objects of level.
func (s *Scheme) Ranks(level string) bool {
	if len(s.Levels) == 0 {
		return slices.Contains(defaultLevels, level)
	}
	return slices.Contains(s.Levels, level)
}

// ForLevel is the scheme in force on day that ranks level and comes first
// in the file, for a request that names no scheme: a city puts its main
// table first.
func (b *Book) ForLevel(level string, day time.Time) (*Scheme, error) {
	inForce := map[string]*Scheme{}
	for _, s := range b.InForce(day) {
		inForce[s.Code] = s
	}
	for i := range b.Schemes {
		if s := inForce[b.Schemes[i].Code]; s != nil && s.Ranks(level) {
			return s, nil
		}
	}
	return nil, errs.Invalid("没有可考核%s的方案 / no assessment scheme in force on %s ranks %s", level, day.Format("2006-01-02"), level).
		WithField("level", "add a scheme with \"levels\": [\""+level+"\"] to the schemes file")
}

// MaxPoints is the most a unit can score: the items' weights.
func (s *Scheme) MaxPoints() float64 {
	t := 0.0
	for _, it := range s.Items {
		t += it.Weight
	}
	return t
}
