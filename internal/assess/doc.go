// Package assess owns the assessment schemes a city configures (考核方案):
// which indicators of the book score how many points (linearly, or full
// points above a threshold less points per percentage point short), the
// deductions counted from case facts (each 返工 after a failed 核查 −0.2,
// each 推诿 −1 …), the channels whose cases count double (领导交办), the
// grades A–E, and the ranking of units by a scheme with its 红黑榜.
//
// A scheme is data, versioned like the indicator book (package kpi): a
// later version of a code replaces it from its own effective date, so a
// published bulletin is recomputed by the scheme then in force. The
// shipped book holds the LOC-JN and LOC-JH regional tables of DOMAIN.md
// §5 as examples.
//
// It decides and computes; the counts come from the case store through
// the small [Counter] interface. It must not import net/http,
// database/sql or any store.
package assess
