package analysis

import (
	"sort"
	"time"
)

// CategoryChange is one sub-class in the period against the previous
// period of the same length. Change is (count − previous) / previous, nil
// when the previous period had none (a new problem has no percentage).
type CategoryChange struct {
	Category string   `json:"category"`
	Name     Names    `json:"name"`
	Count    int      `json:"count"`
	Previous int      `json:"previous"`
	Change   *float64 `json:"change"`
	Share    float64  `json:"share"`
	// Cases and PreviousCases are the /api/v1/cases queries behind the
	// two counts.
	Cases         string `json:"cases,omitempty"`
	PreviousCases string `json:"previous_cases,omitempty"`
}

// Names is a user-facing name in Chinese and English.
type Names struct {
	Zh string `json:"zh"`
	En string `json:"en"`
}

// TopCategories ranks the sub-classes of the period by count (ties by
// code) and keeps the first n, each with its change against prev.
// Unclassified cases (key "") are left out: they are not a sub-class.
func TopCategories(cur, prev []Count, n int) []CategoryChange {
	before := map[string]int{}
	for _, c := range prev {
		before[c.Key] = c.N
	}
	total := 0
	for _, c := range cur {
		total += c.N
	}
	list := make([]CategoryChange, 0, len(cur))
	for _, c := range cur {
		if c.Key == "" {
			continue
		}
		cc := CategoryChange{Category: c.Key, Count: c.N, Previous: before[c.Key], Change: change(c.N, before[c.Key])}
		if total > 0 {
			cc.Share = round(float64(c.N)/float64(total), 4)
		}
		list = append(list, cc)
	}
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].Count != list[j].Count {
			return list[i].Count > list[j].Count
		}
		return list[i].Category < list[j].Category
	})
	if n > 0 && len(list) > n {
		list = list[:n]
	}
	return list
}

func change(cur, prev int) *float64 {
	if prev == 0 {
		return nil
	}
	v := round(float64(cur-prev)/float64(prev), 4)
	return &v
}

// The plan's targets (§3.2): 突出问题发生率 down 50 % and 投诉量 down 30 %
// against the baseline year.
const (
	IncidenceTarget = -0.50
	ComplaintTarget = -0.30
)

// Window is a period [From, To).
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Days is the window's length in days (fractional).
func (w Window) Days() float64 { return w.To.Sub(w.From).Hours() / 24 }

// BaselineWindow is the same calendar dates as w in the baseline year: a
// month is compared with the same month of that year, so the season does
// not pass for progress. The shift is by whole years from w.From's year.
func BaselineWindow(w Window, year int, loc *time.Location) Window {
	from, to := w.From.In(loc), w.To.In(loc)
	dy := year - from.Year()
	return Window{From: from.AddDate(dy, 0, 0).UTC(), To: to.AddDate(dy, 0, 0).UTC()}
}

// TargetFigure is a count in the period against the baseline window.
// Change compares daily rates, so a leap day does not move it; it is nil
// when the baseline had no cases. MeetsTarget is Change ≤ Target.
type TargetFigure struct {
	Category    string   `json:"category,omitempty"`
	Name        Names    `json:"name"`
	Count       int      `json:"count"`
	Baseline    int      `json:"baseline"`
	Change      *float64 `json:"change"`
	Target      float64  `json:"target"`
	MeetsTarget bool     `json:"meets_target"`
	// Cases holds /api/v1/cases queries behind the counts, keyed
	// "current" and "baseline" (complaints: one per source, e.g.
	// "current_citizen").
	Cases map[string]string `json:"cases,omitempty"`
}

// Figure compares count over cur with baseline over base against target.
func Figure(count, baseline int, cur, base Window, target float64) TargetFigure {
	f := TargetFigure{Count: count, Baseline: baseline, Target: target}
	if baseline > 0 && cur.Days() > 0 && base.Days() > 0 {
		v := round((float64(count)/cur.Days())/(float64(baseline)/base.Days())-1, 4)
		f.Change = &v
		f.MeetsTarget = v <= target
	}
	return f
}

// IncidenceBySubClass is Figure per sub-class against the −50 % target,
// every sub-class seen in either window, largest baseline first (ties by
// current count, then code); unclassified cases are left out.
func IncidenceBySubClass(cur, base []Count, cw, bw Window) []TargetFigure {
	now, then := map[string]int{}, map[string]int{}
	keys := []string{}
	for _, c := range cur {
		if c.Key != "" {
			if _, ok := now[c.Key]; !ok {
				keys = append(keys, c.Key)
			}
			now[c.Key] += c.N
		}
	}
	for _, c := range base {
		if c.Key == "" {
			continue
		}
		if _, seen := now[c.Key]; !seen {
			if _, ok := then[c.Key]; !ok {
				keys = append(keys, c.Key)
			}
		}
		then[c.Key] += c.N
	}
	out := make([]TargetFigure, 0, len(keys))
	for _, k := range keys {
		f := Figure(now[k], then[k], cw, bw, IncidenceTarget)
		f.Category = k
		out = append(out, f)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Baseline != b.Baseline {
			return a.Baseline > b.Baseline
		}
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Category < b.Category
	})
	return out
}

// Sum adds the counts.
func Sum(cs []Count) int {
	t := 0
	for _, c := range cs {
		t += c.N
	}
	return t
}
