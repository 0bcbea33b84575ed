package enforcestore

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The search index of published decisions is a table of terms that the
// store writes with each publication, so that a search reads postings by
// index on SQLite and PostgreSQL alike instead of scanning every row with
// LIKE (Chinese has no spaces, and neither database's full-text search
// splits it well without an extension). A text splits into runs of word
// characters; an ASCII run (a case code, a year, a violation code) is one
// term, lower-cased; a run of other letters (Chinese) gives its bigrams and
// its last character, so that every character starts some term and a
// single-character query is a prefix range.

// maxTermBytes bounds one ASCII term (a longer run is cut, on both sides).
const maxTermBytes = 40

// maxUnits bounds the parts of one query; the rest narrow nothing useful.
const maxUnits = 12

type runKind int

const (
	runNone runKind = iota
	runASCII
	runWide
)

func kindOf(r rune) runKind {
	switch {
	case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
		return runASCII
	case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
		return runWide
	}
	return runNone
}

// runs splits s into runs of one kind of word character.
func runs(s string, fn func(kind runKind, run []rune)) {
	var cur []rune
	k := runNone
	flush := func() {
		if len(cur) > 0 {
			fn(k, cur)
		}
		cur = cur[:0]
	}
	for _, r := range s {
		rk := kindOf(r)
		if rk != k {
			flush()
			k = rk
		}
		if rk != runNone {
			cur = append(cur, unicode.ToLower(r))
		}
	}
	flush()
}

func asciiTerm(run []rune) string {
	t := string(run)
	if len(t) > maxTermBytes {
		t = t[:maxTermBytes]
	}
	return t
}

// Terms are the distinct index terms of the texts of one publication.
func Terms(texts ...string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for _, s := range texts {
		runs(s, func(k runKind, run []rune) {
			if k == runASCII {
				add(asciiTerm(run))
				return
			}
			for i := 0; i+1 < len(run); i++ {
				add(string(run[i : i+2]))
			}
			add(string(run[len(run)-1:]))
		})
	}
	return out
}

// unit is one condition of a query: one of a set of terms, or any term
// with a prefix.
type unit struct {
	terms  []string
	prefix string
}

func (u unit) key() string { return u.prefix + "\x00" + strings.Join(u.terms, "\x00") }

// violationTerm is the term of a decision's violation. A violation's name
// is long (擅自占用城市道路（占道经营、占道堆放）) and shared by many
// decisions, so its words are matched against the few dozen names once per
// query instead of being indexed on every decision; ":" is never part of
// a text term.
func violationTerm(code string) string { return "v:" + strings.ToLower(code) }

// queryUnits are the conditions of a search, all of which must hold. A
// word that is part of a violation's code or name (violations: code →
// name) is that set of violations; any other word splits as the index
// does: each ASCII run is a prefix (ZF2026 finds ZF2026-00017's "zf2026"),
// each single Chinese character a prefix, each longer Chinese run its
// bigrams. Nothing indexable (only punctuation, "%") gives no units: the
// search finds nothing rather than everything.
func queryUnits(q string, violations map[string]string) []unit {
	seen := map[string]bool{}
	var out []unit
	add := func(u unit) {
		if k := u.key(); !seen[k] && len(out) < maxUnits {
			seen[k] = true
			out = append(out, u)
		}
	}
	for _, w := range strings.Fields(strings.ToLower(q)) {
		var vs []string
		for code, name := range violations {
			if strings.Contains(strings.ToLower(code), w) || strings.Contains(name, w) {
				vs = append(vs, violationTerm(code))
			}
		}
		text := wordUnits(w)
		switch {
		case len(vs) > 0 && len(text) == 1 && text[0].prefix == "":
			// A two-character word in a violation's name may also be in a
			// party's name (烧烤 the violation, 某某烧烤店 the shop): either.
			terms := append(vs, text[0].terms...)
			slices.Sort(terms)
			add(unit{terms: terms})
		case len(vs) > 0:
			slices.Sort(vs)
			add(unit{terms: vs})
		default:
			for _, u := range text {
				add(u)
			}
		}
	}
	return out
}

// wordUnits split one word as the index does.
func wordUnits(w string) []unit {
	var out []unit
	runs(w, func(k runKind, run []rune) {
		switch {
		case k == runASCII:
			out = append(out, unit{prefix: asciiTerm(run)})
		case len(run) == 1:
			out = append(out, unit{prefix: string(run)})
		default:
			for i := 0; i+1 < len(run); i++ {
				out = append(out, unit{terms: []string{string(run[i : i+2])}})
			}
		}
	})
	return out
}

// prefixEnd is the least string above every string with prefix p in byte
// order (SQLite's BINARY, PostgreSQL's "C" collation on the term column).
func prefixEnd(p string) string { return p + string(utf8.MaxRune) }
