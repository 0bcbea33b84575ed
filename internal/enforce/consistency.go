package enforce

import (
	"math"
	"sort"
	"time"
)

// ConsistencyOptions tune the 同案不同罚 report.
type ConsistencyOptions struct {
	// MinGroup is the fewest decisions a (violation, level, party) group needs
	// before outliers are named; fewer say nothing about a spread.
	MinGroup int `json:"min_group"`
	// Tolerance is how far, as a share of the group median, a fine or a
	// district's or officer's median may stray before it is an outlier.
	Tolerance float64 `json:"tolerance"`
}

// DefaultConsistency names outliers in groups of five or more that stray
// more than 50 % from the group median: the seed plan's example (one city
// fining street vending 200–500 yuan, a county 500–1,000) is a 100 % gap.
func DefaultConsistency() ConsistencyOptions { return ConsistencyOptions{MinGroup: 5, Tolerance: 0.5} }

// Spread summarises the fines of a set of decisions.
type Spread struct {
	N      int     `json:"n"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	Median float64 `json:"median"`
	Mean   float64 `json:"mean"`
}

// Outlier is a decision, district or officer that strays from its group.
type Outlier struct {
	By  string `json:"by"`  // "decision" | "district" | "officer"
	Key string `json:"key"` // the case id, the district code or the officer's account id
	// Label is what a person reads: the case number, the district code or
	// the officer's name.
	Label     string  `json:"label"`
	Value     float64 `json:"value"`     // its fine or median
	Deviation float64 `json:"deviation"` // (value − group median) ÷ group median
}

// Group is one violation at one level for one kind of party.
type Group struct {
	Violation string            `json:"violation"`
	Level     Level             `json:"level"`
	Party     PartyKind         `json:"party"`
	All       Spread            `json:"all"`
	Districts map[string]Spread `json:"districts"`
	Officers  map[string]Spread `json:"officers"`
	// OfficerNames are the names of the officers of Officers, by account id.
	OfficerNames map[string]string `json:"officer_names"`
	Outliers     []Outlier         `json:"outliers,omitempty"`
}

// Consistency groups decisions by violation, level and party and reports the
// spread of fines across districts and officers, naming outliers (同案不同罚).
// Exempted cases are left out: they carry no fine to compare. It is a pure
// function over records so a report job or a console page can call it.
func Consistency(rs []DecisionRecord, o ConsistencyOptions) []Group {
	type key struct {
		v string
		l Level
		p PartyKind
	}
	fines := map[key][]DecisionRecord{}
	for _, r := range rs {
		if r.Exempted != "" {
			continue
		}
		k := key{r.Violation, r.Level, r.Party}
		fines[k] = append(fines[k], r)
	}
	out := make([]Group, 0, len(fines))
	for k, group := range fines {
		g := Group{Violation: k.v, Level: k.l, Party: k.p, Districts: map[string]Spread{}, Officers: map[string]Spread{}, OfficerNames: map[string]string{}}
		all := make([]float64, len(group))
		byDistrict, byOfficer := map[string][]float64{}, map[string][]float64{}
		names := map[string]string{}
		for i, r := range group {
			names[r.Officer] = r.OfficerName
			g.OfficerNames[r.Officer] = firstNonEmpty(r.OfficerName, r.Officer)
			all[i] = r.Fine
			byDistrict[r.District] = append(byDistrict[r.District], r.Fine)
			byOfficer[r.Officer] = append(byOfficer[r.Officer], r.Fine)
		}
		g.All = spread(all)
		for d, xs := range byDistrict {
			g.Districts[d] = spread(xs)
		}
		for off, xs := range byOfficer {
			g.Officers[off] = spread(xs)
		}
		if g.All.N >= o.MinGroup && g.All.Median > 0 {
			med := g.All.Median
			dev := func(v float64) float64 { return (v - med) / med }
			for _, r := range group {
				if d := dev(r.Fine); math.Abs(d) > o.Tolerance {
					g.Outliers = append(g.Outliers, Outlier{By: "decision", Key: r.CaseID, Label: firstNonEmpty(r.Code, r.CaseID), Value: r.Fine, Deviation: d})
				}
			}
			for _, name := range sortedKeys(g.Districts) {
				if d := dev(g.Districts[name].Median); math.Abs(d) > o.Tolerance {
					g.Outliers = append(g.Outliers, Outlier{By: "district", Key: name, Label: name, Value: g.Districts[name].Median, Deviation: d})
				}
			}
			for _, name := range sortedKeys(g.Officers) {
				if d := dev(g.Officers[name].Median); math.Abs(d) > o.Tolerance {
					g.Outliers = append(g.Outliers, Outlier{By: "officer", Key: name, Label: firstNonEmpty(names[name], name), Value: g.Officers[name].Median, Deviation: d})
				}
			}
		}
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Violation != b.Violation {
			return a.Violation < b.Violation
		}
		if a.Level != b.Level {
			return a.Level < b.Level
		}
		return a.Party < b.Party
	})
	return out
}

// ConsistencyReport is the 同案不同罚 report of a period: the groups with
// their spreads and outliers, and how many decisions it read.
type ConsistencyReport struct {
	From      time.Time          `json:"from"`
	To        time.Time          `json:"to"`
	Violation string             `json:"violation,omitempty"`
	Decisions int                `json:"decisions"`
	Options   ConsistencyOptions `json:"options"`
	Groups    []Group            `json:"groups"`
	Outliers  int                `json:"outliers"`
}

// NewConsistencyReport groups the records of violation ("" for all) with
// [Consistency].
func NewConsistencyReport(rs []DecisionRecord, violation string, from, to time.Time, o ConsistencyOptions) ConsistencyReport {
	var keep []DecisionRecord
	for _, r := range rs {
		if violation == "" || r.Violation == violation {
			keep = append(keep, r)
		}
	}
	rep := ConsistencyReport{From: from, To: to, Violation: violation, Decisions: len(keep), Options: o, Groups: Consistency(keep, o)}
	for _, g := range rep.Groups {
		rep.Outliers += len(g.Outliers)
	}
	return rep
}

func spread(xs []float64) Spread {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	sp := Spread{N: len(s)}
	if len(s) == 0 {
		return sp
	}
	sp.Min, sp.Max = s[0], s[len(s)-1]
	var sum float64
	for _, x := range s {
		sum += x
	}
	sp.Mean = cents(sum / float64(len(s)))
	if n := len(s); n%2 == 1 {
		sp.Median = s[n/2]
	} else {
		sp.Median = cents((s[n/2-1] + s[n/2]) / 2)
	}
	return sp
}

func sortedKeys(m map[string]Spread) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
