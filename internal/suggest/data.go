package suggest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"unicode/utf8"

	"cityloop/internal/catalog"
	"cityloop/internal/errs"
)

// Data is the editable form of what the suggester knows, as stored in
// data/terms.json.
type Data struct {
	// Version is the format version; only 1 exists.
	Version int `json:"version"`
	// MinScore is the least score a sub-class needs to be suggested at all;
	// below it the words say too little (e.g. only "路边").
	MinScore float64 `json:"min_score"`
	// Variants rewrite misspellings, colloquial and traditional forms to
	// the spelling the terms use, before any term is matched.
	Variants map[string]string `json:"variants"`
	// SubClasses is keyed by the canonical ref, "component:0101".
	SubClasses map[string]Entry `json:"subclasses"`
}

// Entry is what one sub-class is recognised by.
type Entry struct {
	// Name is for the person editing the file; matching ignores it.
	Name string `json:"name,omitempty"`
	// Terms maps a word to its weight: about 4–6 for the object itself
	// (井盖, 路灯), 2–3 for a telling condition (不亮, 满溢), below 1 for
	// incidental words.
	Terms map[string]float64 `json:"terms"`
	// Combos add weight when every group has at least one word in the
	// text, e.g. a green space and litter for 绿地脏乱.
	Combos []Combo `json:"combos,omitempty"`
}

// Combo is a set of word groups that must all be present.
type Combo struct {
	All    [][]string `json:"all"`
	Weight float64    `json:"weight"`
}

// Limits on the data, so a typo cannot make matching slow.
const (
	maxTermRunes = 16
	maxWeight    = 100
	maxProblems  = 20
)

//go:embed data/terms.json
var defaultTerms []byte

// Default returns the suggester for the shipped terms.
func Default() *Suggester {
	s, err := Parse(defaultTerms)
	if err != nil {
		panic("suggest: the shipped terms are invalid: " + err.Error()) // caught by TestDefault
	}
	return s
}

// Load reads a city's terms from path; with no path it returns the shipped
// ones. A file with mistakes is refused with the list of them.
func Load(path string) (*Suggester, error) {
	if path == "" {
		return Default(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the suggestion terms: %w", err)
	}
	s, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("suggestion terms %s: %w", path, err)
	}
	return s, nil
}

// Parse checks the JSON form of [Data] and builds a suggester from it. The
// error lists every problem found (up to 20), each naming where it is.
func Parse(b []byte) (*Suggester, error) {
	var d Data
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, errs.Invalid("the terms are not valid JSON: %s", jsonProblem(b, err))
	}
	if dec.More() {
		return nil, errs.Invalid("the terms hold more than one JSON value; keep one object")
	}
	if probs := d.validate(); len(probs) > 0 {
		return nil, errs.Invalid("%d problem(s) in the terms: %s", len(probs), strings.Join(probs, "; "))
	}
	return build(d), nil
}

// jsonProblem says where a decoding error is, as line:column.
func jsonProblem(b []byte, err error) string {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 || off > int64(len(b)) {
		return err.Error()
	}
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	col := int(off) - bytes.LastIndexByte(b[:off], '\n')
	return fmt.Sprintf("line %d, column %d: %s", line, col, err.Error())
}

func (d *Data) validate() []string {
	var p []string
	add := func(format string, args ...any) {
		if len(p) < maxProblems {
			p = append(p, fmt.Sprintf(format, args...))
		}
	}
	if d.Version != 1 {
		add("version is %d; this release reads version 1", d.Version)
	}
	if !finite(d.MinScore) || d.MinScore < 0 || d.MinScore > maxWeight {
		add("min_score %v must be between 0 and %d", d.MinScore, maxWeight)
	}
	if len(d.SubClasses) == 0 {
		add("subclasses is empty: list at least one sub-class with its terms")
	}
	variants := sortedKeys(d.Variants)
	for _, k := range variants {
		v := d.Variants[k]
		where := fmt.Sprintf("variants[%q]", k)
		if msg := wordProblem(k); msg != "" {
			add("%s: %s", where, msg)
			continue
		}
		if msg := wordProblem(v); msg != "" {
			add("%s → %q: %s", where, v, msg)
			continue
		}
		if k == v {
			add("%s rewrites the word to itself; remove it", where)
		}
		if strings.Contains(v, k) {
			// 井盖 → 井盖子 would grow on every pass in a person's head and
			// hides what is meant; a variant names a different spelling.
			add("%s → %q contains the variant itself; a variant must be a different spelling", where, v)
		}
	}
	for _, ref := range sortedKeys(d.SubClasses) {
		e := d.SubClasses[ref]
		where := fmt.Sprintf("subclasses[%q]", ref)
		if r, err := catalog.ParseRef(ref); err != nil || r.String() != ref {
			add("%s: not a sub-class ref; write it as component:0101 or event:0101", where)
		}
		if len(e.Terms) == 0 && len(e.Combos) == 0 {
			add("%s has no terms: add the words a citizen would use for it", where)
		}
		for _, t := range sortedKeys(e.Terms) {
			tw := fmt.Sprintf("%s.terms[%q]", where, t)
			if msg := wordProblem(t); msg != "" {
				add("%s: %s", tw, msg)
				continue
			}
			if w := e.Terms[t]; !finite(w) || w <= 0 || w > maxWeight {
				add("%s: weight %v must be above 0 and at most %d", tw, w, maxWeight)
			}
			if k, ok := shadowedBy(t, variants); ok {
				add("%s contains %q, which is rewritten to %q before matching, so the term never matches; write %q",
					tw, k, d.Variants[k], strings.ReplaceAll(t, k, d.Variants[k]))
			}
		}
		for i, c := range e.Combos {
			cw := fmt.Sprintf("%s.combos[%d]", where, i)
			if len(c.All) < 2 {
				add("%s needs at least two groups of words (use terms for one)", cw)
			}
			if !finite(c.Weight) || c.Weight <= 0 || c.Weight > maxWeight {
				add("%s: weight %v must be above 0 and at most %d", cw, c.Weight, maxWeight)
			}
			for j, g := range c.All {
				if len(g) == 0 {
					add("%s.all[%d] is empty", cw, j)
				}
				for _, w := range g {
					if msg := wordProblem(w); msg != "" {
						add("%s.all[%d] %q: %s", cw, j, w, msg)
					} else if k, ok := shadowedBy(w, variants); ok {
						add("%s.all[%d] %q contains %q, which is rewritten to %q before matching; write %q",
							cw, j, w, k, d.Variants[k], strings.ReplaceAll(w, k, d.Variants[k]))
					}
				}
			}
		}
	}
	return p
}

// wordProblem says why a word could never match a folded text, or "".
func wordProblem(w string) string {
	switch {
	case w == "":
		return "the word is empty"
	case !utf8.ValidString(w):
		return "the word is not valid UTF-8"
	case utf8.RuneCountInString(w) > maxTermRunes:
		return fmt.Sprintf("the word is longer than %d characters", maxTermRunes)
	case fold(w) != w:
		return fmt.Sprintf("texts are matched lower-cased, half-width and without spaces, so the word never matches; write %q", fold(w))
	}
	return ""
}

func shadowedBy(w string, variants []string) (string, bool) {
	for _, k := range variants {
		if strings.Contains(w, k) {
			return k, true
		}
	}
	return "", false
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
