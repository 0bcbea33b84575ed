package demo

import (
	"sort"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
)

// sources is the channel mix of the demo (share of all cases).
var sources = []struct {
	src   casework.Source
	share float64
}{
	{casework.SourcePatrol, 0.55},
	{casework.SourceCitizen, 0.20},
	{casework.SourceHotline, 0.12},
	{casework.SourceCamera, 0.07},
	{casework.SourceSensor, 0.03},
	{casework.SourcePartner, 0.02},
	{casework.SourceLeader, 0.01},
}

const (
	srcPatrol = iota
	srcCitizen
	srcHotline
	srcCamera
	srcSensor
	srcPartner
	srcLeader
	nSources
)

// baseWeights is how often a patrol meets each sub-class: street vending,
// parking disorder, exposed refuse, small ads and piled materials make up
// most of a city's caseload; covers and road collapses are rare. Sub-classes
// of the dictionary not listed get a small weight so every one appears.
var baseWeights = map[string]float64{
	"event:0501": 14, "event:0505": 12, "event:0102": 12, "event:0201": 11, "event:0507": 9,
	"event:0504": 8, "event:0506": 6, "event:0104": 5, "event:0103": 3, "event:0108": 2.5,
	"event:0106": 2, "event:0202": 2, "event:0101": 1.5, "event:0302": 1.5, "event:0304": 1,
	"event:0301": 0.8, "event:0601": 1.5, "event:0602": 0.8, "event:0107": 0.8, "event:0105": 0.5,
	"event:0404": 0.6, "event:0406": 0.5, "event:0402": 0.15, "event:0401": 0.05, "event:0403": 0.03,
	"event:0305": 0.15, "event:0409": 0.02,
	"component:0305": 3, "component:0118": 2.5, "component:0402": 1.5, "component:0405": 1,
	"component:0304": 0.8, "component:0301": 0.6, "component:0307": 0.6, "component:0211": 0.8,
	"component:0209": 0.6, "component:0203": 0.4, "component:0201": 0.2, "component:0126": 0.4,
	"component:0113": 0.3, "component:0115": 0.4, "component:0116": 0.2, "component:0210": 0.2,
	"component:0401": 0.05,
}

const otherWeight = 0.1

// isCover reports the manhole covers and gratings (component 0101–0114).
func isCover(ref string) bool {
	return len(ref) == len("component:0101") && ref[:12] == "component:01" && ref[12:] <= "14" && ref[12:] != "13" && ref[12:] != "12"
}

// sourceFactor adjusts the base weight for a channel: citizens complain
// about fumes, noise and barbecues; cameras see only what they are trained
// on; sensors watch covers, water and signals.
func sourceFactor(src int, ref string) float64 {
	switch src {
	case srcCitizen:
		return pick(ref, map[string]float64{"event:0601": 3, "event:0602": 5, "event:0301": 6, "event:0505": 1.5,
			"event:0201": 0.4, "event:0104": 0.5, "event:0406": 2, "component:0118": 2, "event:0507": 0.6})
	case srcHotline:
		return pick(ref, map[string]float64{"event:0602": 6, "event:0301": 8, "event:0101": 4, "event:0302": 2,
			"event:0505": 1.3, "component:0118": 2, "event:0201": 0.3, "event:0104": 0.4})
	case srcCamera:
		f := map[string]float64{"event:0501": 1, "event:0504": 1, "event:0505": 1, "event:0506": 1, "event:0507": 1,
			"event:0102": 1, "event:0108": 1, "event:0601": 1}
		return f[ref]
	case srcSensor:
		if isCover(ref) {
			return 60
		}
		f := map[string]float64{"event:0406": 20, "component:0210": 20, "component:0118": 4, "component:0116": 15,
			"component:0305": 2, "event:0402": 10}
		return f[ref]
	case srcPartner:
		if isCover(ref) {
			return 25
		}
		f := map[string]float64{"component:0116": 10, "component:0115": 10, "component:0113": 10, "event:0402": 10,
			"event:0404": 10, "event:0304": 5, "component:0210": 5}
		return f[ref]
	case srcLeader:
		return pick(ref, map[string]float64{"event:0101": 5, "event:0602": 4, "event:0302": 3, "event:0601": 2})
	}
	return 1
}

func pick(ref string, f map[string]float64) float64 {
	if v, ok := f[ref]; ok {
		return v
	}
	return 1
}

// seasonal multiplies a weight by month (January first): barbecues in
// summer nights, waterlogging in the plum-rain season, fallen trees in
// typhoon weeks, dust in the dry spring.
var seasonal = map[string][12]float64{
	"event:0601":     {0.3, 0.3, 0.5, 0.8, 1.3, 2, 2.5, 2.5, 1.8, 1, 0.5, 0.3},
	"event:0406":     {0.2, 0.2, 0.5, 0.8, 1.2, 4, 5, 2.5, 1.5, 0.6, 0.3, 0.2},
	"component:0402": {0.7, 0.7, 0.9, 1, 1, 1.3, 2, 2, 1.5, 1, 0.8, 0.7},
	"event:0501":     {0.8, 0.7, 0.9, 1, 1.1, 1.2, 1.3, 1.3, 1.2, 1.1, 1, 0.9},
	"event:0504":     {0.8, 0.7, 0.9, 1, 1.1, 1.2, 1.3, 1.3, 1.2, 1.1, 1, 0.9},
	"event:0302":     {1.2, 1, 1.5, 1.5, 1.2, 1, 0.8, 0.8, 1, 1.2, 1.3, 1.2},
	"event:0106":     {0.8, 0.8, 1, 1.2, 1.2, 1, 1, 1, 1, 1.3, 1.3, 0.9},
}

// cumTable picks an index with probability proportional to its weight.
type cumTable struct{ cum []float64 }

func newCumTable(w []float64) cumTable {
	c := make([]float64, len(w))
	s := 0.0
	for i, x := range w {
		s += x
		c[i] = s
	}
	return cumTable{cum: c}
}

func (t cumTable) total() float64 {
	if len(t.cum) == 0 {
		return 0
	}
	return t.cum[len(t.cum)-1]
}

func (t cumTable) weight(k int) float64 {
	if k == 0 {
		return t.cum[0]
	}
	return t.cum[k] - t.cum[k-1]
}

// pick maps u in [0, 1) to an index.
func (t cumTable) pick(u float64) int {
	x := u * t.total()
	i := sort.SearchFloat64s(t.cum, x)
	for i < len(t.cum)-1 && t.weight(i) == 0 {
		i++
	}
	if i >= len(t.cum) {
		i = len(t.cum) - 1
	}
	return i
}

// categoryMix holds, per source and month, the weighted sub-classes.
type categoryMix struct {
	refs   []catalog.Ref
	tables [nSources][12]cumTable
}

func newCategoryMix(dict *catalog.Dictionary, at time.Time) *categoryMix {
	m := &categoryMix{}
	for _, s := range dict.SubClasses(at) {
		m.refs = append(m.refs, s.Ref)
	}
	w := make([]float64, len(m.refs))
	for src := range nSources {
		for month := range 12 {
			for k, r := range m.refs {
				key := r.String()
				b, ok := baseWeights[key]
				if !ok {
					b = otherWeight
				}
				f := 1.0
				if s, ok := seasonal[key]; ok {
					f = s[month]
				}
				w[k] = b * f * sourceFactor(src, key)
			}
			m.tables[src][month] = newCumTable(w)
		}
	}
	return m
}

// trivial sub-classes are the ones a supervisor fixes on the spot (自行处置).
var trivial = map[string]bool{
	"event:0201": true, "event:0506": true, "event:0504": true, "event:0507": true, "event:0104": true,
	"event:0501": true, "component:0305": true, "event:0106": true, "event:0108": true,
}

// alternative departments a case is wrongly sent to before it comes back (回退).
var confusedWith = map[string][]string{
	"enforcement": {"street", "market"}, "street": {"enforcement", "sanitation"}, "sanitation": {"street", "landscape"},
	"traffic-police": {"enforcement", "transport"}, "drainage": {"municipal", "water"}, "water": {"drainage"},
	"municipal": {"drainage", "transport"}, "landscape": {"sanitation", "street"}, "telecom": {"power"},
	"power": {"telecom", "municipal"}, "gas": {"municipal"}, "heating": {"municipal"}, "transport": {"municipal"},
	"housing": {"enforcement"}, "ecology": {"enforcement", "market"}, "market": {"enforcement"}, "police": {"street"},
}
