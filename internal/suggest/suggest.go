package suggest

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Suggestion is one proposed sub-class.
type Suggestion struct {
	Ref string `json:"ref"`
	// Score is the sum of the weights that matched; Share is the score
	// over the scores of every sub-class that matched at all, so 1 means
	// no other sub-class was in the running.
	Score float64 `json:"score"`
	Share float64 `json:"share"`
	// Terms are the words that decided it, for the person who edits the
	// data to see why.
	Terms []string `json:"terms"`
}

// Suggester scores texts against the terms. It is immutable and safe for
// concurrent use.
type Suggester struct {
	refs     []string
	postings map[string][]posting // term → the sub-classes it speaks for
	maxLen   int                  // the longest term, in runes
	combos   []combo
	variants *strings.Replacer
	min      float64
}

type posting struct {
	ref    int
	weight float64
}

type combo struct {
	ref    int
	all    [][]string
	weight float64
}

func build(d Data) *Suggester {
	s := &Suggester{postings: map[string][]posting{}, min: d.MinScore}
	// Longest variants first, so 红路灯 is rewritten before a shorter
	// variant inside it could be (the replacer tries olds in order).
	keys := sortedKeys(d.Variants)
	sort.SliceStable(keys, func(i, j int) bool { return utf8.RuneCountInString(keys[i]) > utf8.RuneCountInString(keys[j]) })
	pairs := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		pairs = append(pairs, k, d.Variants[k])
	}
	s.variants = strings.NewReplacer(pairs...)
	for i, ref := range sortedKeys(d.SubClasses) {
		s.refs = append(s.refs, ref)
		e := d.SubClasses[ref]
		for t, w := range e.Terms {
			s.postings[t] = append(s.postings[t], posting{ref: i, weight: w})
			s.maxLen = max(s.maxLen, utf8.RuneCountInString(t))
		}
		for _, c := range e.Combos {
			s.combos = append(s.combos, combo{ref: i, all: c.All, weight: c.Weight})
		}
	}
	return s
}

// Refs lists the sub-classes the data knows, sorted.
func (s *Suggester) Refs() []string { return append([]string(nil), s.refs...) }

// fold makes the spellings people type comparable: lower case, full-width
// letters and digits as ASCII (手机输入法 often types ｌｅｄ), and no
// white space (a space inside 井 盖 is not a word break in Chinese).
func fold(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	for _, r := range text {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000 || unicode.IsSpace(r):
			continue
		case r == utf8.RuneError:
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Normalize returns the text as the terms are matched against it.
func (s *Suggester) Normalize(text string) string { return s.variants.Replace(fold(text)) }

type match struct {
	start, runes int // in runes
	term         string
	weight       float64 // the highest weight of the term, to settle overlaps
}

// Suggest returns up to n sub-classes for the text, best first. allow, when
// not nil, keeps only the sub-classes it accepts (those in force in the
// city's dictionary). The order is deterministic: ties go to the smaller ref.
func (s *Suggester) Suggest(text string, n int, allow func(ref string) bool) []Suggestion {
	t := s.Normalize(text)
	if t == "" || n <= 0 {
		return nil
	}
	// Rune starts as byte offsets, so candidate terms are substrings of t
	// (a map lookup with no allocation).
	offs := make([]int, 0, len(t)+1)
	for i := range t {
		offs = append(offs, i)
	}
	offs = append(offs, len(t))
	nr := len(offs) - 1
	var ms []match
	for i := 0; i < nr; i++ {
		for l := min(s.maxLen, nr-i); l >= 1; l-- {
			term := t[offs[i]:offs[i+l]]
			ps, ok := s.postings[term]
			if !ok {
				continue
			}
			w := 0.0
			for _, p := range ps {
				w = max(w, p.weight)
			}
			ms = append(ms, match{start: i, runes: l, term: term, weight: w})
		}
	}
	// Longest first, then heaviest, then leftmost: a specific phrase claims
	// its characters before the words inside it or overlapping it.
	sort.Slice(ms, func(i, j int) bool {
		a, b := ms[i], ms[j]
		if a.runes != b.runes {
			return a.runes > b.runes
		}
		if a.weight != b.weight {
			return a.weight > b.weight
		}
		return a.start < b.start
	})
	claimed := make([]bool, nr)
	used := map[string]bool{}
	score := make([]float64, len(s.refs))
	why := make([][]string, len(s.refs))
next:
	for _, m := range ms {
		for k := m.start; k < m.start+m.runes; k++ {
			if claimed[k] {
				continue next
			}
		}
		for k := m.start; k < m.start+m.runes; k++ {
			claimed[k] = true
		}
		if used[m.term] {
			continue // a word said twice is not twice the evidence
		}
		used[m.term] = true
		for _, p := range s.postings[m.term] {
			score[p.ref] += p.weight
			why[p.ref] = append(why[p.ref], m.term)
		}
	}
	for _, c := range s.combos {
		if c.holds(t) {
			score[c.ref] += c.weight
			why[c.ref] = append(why[c.ref], c.all[0][0]+"+…")
		}
	}
	var out []Suggestion
	total := 0.0
	for i, sc := range score {
		if sc <= 0 || (allow != nil && !allow(s.refs[i])) {
			continue
		}
		total += sc
		if sc >= s.min {
			out = append(out, Suggestion{Ref: s.refs[i], Score: sc, Terms: why[i]})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Ref < out[j].Ref
	})
	if len(out) > n {
		out = out[:n]
	}
	for i := range out {
		out[i].Share = out[i].Score / total
	}
	return out
}

func (c combo) holds(t string) bool {
	for _, g := range c.all {
		found := false
		for _, w := range g {
			if strings.Contains(t, w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
