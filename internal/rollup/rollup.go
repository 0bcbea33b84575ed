package rollup

import (
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"cityloop/internal/casework"
)

// Unit kinds: which unit a rollup row sums the cases of.
const (
	UnitCity       = "city"
	UnitDistrict   = "district"
	UnitStreet     = "street"
	UnitCommunity  = "community"
	UnitGrid       = "grid"
	UnitDepartment = "department"
	UnitCategory   = "category" // sub-class (小类), city-wide
)

// Units lists the kinds in the order a case's entries are made.
var Units = []string{UnitCity, UnitDistrict, UnitStreet, UnitCommunity, UnitGrid, UnitDepartment, UnitCategory}

// Measure is one count a rollup row keeps: the cases for which Pred holds.
// Column is its name in the store (without the store's prefix).
type Measure struct {
	Column string
	Pred   casework.Predicate
}

// measureSpecs are the counts kept: every fact alone, and every
// conjunction the shipped indicator book (kpi/defaults.json) and the
// shipped assessment schemes use. A predicate not listed here is still
// answered, from the raw cases; a test fails when the shipped books ask for
// one that is not here, so the two cannot drift apart silently. The order
// is the store's column order: append only, a new column needs a
// migration.
var measureSpecs = [][2]string{
	{"reported", ""},
	{"filed", "filed"},
	{"voided", "voided"},
	{"rejected", "rejected"},
	{"merged", "merged"},
	{"dispatched", "dispatched"},
	{"accurately_dispatched", "accurately_dispatched"},
	{"disposed", "disposed"},
	{"disposed_on_time", "disposed_on_time"},
	{"disposed_late", "disposed_late"},
	{"overdue", "overdue"},
	{"due_to_close", "due_to_close"},
	{"closed", "closed"},
	{"closed_on_time", "closed_on_time"},
	{"closed_late", "closed_late"},
	{"suspended", "suspended"},
	{"reworked", "reworked"},
	{"returned", "returned"},
	{"shirked", "shirked"},
	{"extended", "extended"},
	{"urged", "urged"},
	{"self_handled", "self_handled"},
	{"rated", "rated"},
	{"satisfied", "satisfied"},
	{"recurrent", "recurrent"},
	{"automatic", "automatic"},
	{"public", "public"},
	{"filed_not_voided", "filed,!voided"},
	{"dispatched_accurately", "dispatched,accurately_dispatched"},
	{"dispatched_disposed", "dispatched,disposed"},
	{"dispatched_disposed_on_time", "dispatched,disposed_on_time"},
	{"dispatched_extended", "dispatched,extended"},
	{"dispatched_overdue_undisposed", "dispatched,overdue,!disposed"},
	{"dispatched_returned", "dispatched,returned"},
	{"due_undisposed", "due_to_close,!disposed"},
	{"due_closed", "due_to_close,closed"},
	{"due_closed_on_time", "due_to_close,closed_on_time"},
	{"due_closed_late", "due_to_close,closed_late"},
	{"due_reworked", "due_to_close,reworked"},
	{"rated_satisfied", "rated,satisfied"},
	{"closed_recurrent", "closed,recurrent"},
	{"automatic_filed", "automatic,filed"},
	{"filed_voided", "filed,voided"},
	// Migration 00014: the per-post facts (DOMAIN.md §5), most of them
	// from the stage record, and their rates' numerators.
	{"patrol", "patrol"},
	{"verify_sent", "verify_sent"},
	{"verify_sent_on_time", "verify_sent_on_time"},
	{"verify_due", "verify_due"},
	{"verified_on_time", "verified_on_time"},
	{"check_due", "check_due"},
	{"checked_on_time", "checked_on_time"},
	{"filing_timed", "filing_timed"},
	{"filed_on_time", "filed_on_time"},
	{"dispatch_due", "dispatch_due"},
	{"dispatched_on_time", "dispatched_on_time"},
	{"public_filed", "filed,public"},
	{"patrol_filed", "patrol,filed"},
	{"sent_verify_on_time", "verify_sent,verify_sent_on_time"},
	{"due_verified_on_time", "verify_due,verified_on_time"},
	{"due_checked_on_time", "check_due,checked_on_time"},
	{"timed_filed_on_time", "filing_timed,filed_on_time"},
	{"due_dispatched_on_time", "dispatch_due,dispatched_on_time"},
}

// How many measures there were after each migration that added some: a
// released migration is never edited, so its text is made from the
// measures of its day (sqlstore's rollup_migration_test.go).
const (
	Measures00012 = 43
	Measures00014 = 61
)

// Measures are the counts of a rollup row, in column order.
var Measures = func() []Measure {
	out := make([]Measure, len(measureSpecs))
	for i, s := range measureSpecs {
		p, err := casework.ParsePredicate(s[1])
		if err != nil {
			panic("rollup: measure " + s[0] + ": " + err.Error()) // a build defect, caught by the tests
		}
		out[i] = Measure{Column: s[0], Pred: p}
	}
	return out
}()

// Width is the length of a contribution vector: one count per measure,
// then the response seconds.
var Width = len(Measures) + 1

// Response is the index of the response seconds in a vector.
var Response = len(Measures)

// byPred finds a measure by its predicate's canonical spelling.
var byPred = func() map[string]int {
	m := map[string]int{}
	for i, ms := range Measures {
		m[canonical(ms.Pred)] = i
	}
	return m
}()

// canonical spells p with its tests sorted and repeats dropped: the same
// set of cases whatever order the book wrote them in.
func canonical(p casework.Predicate) string {
	parts := make([]string, len(p))
	for i, t := range p {
		parts[i] = t.String()
	}
	sort.Strings(parts)
	return strings.Join(slices.Compact(parts), ",")
}

// Find returns the index of the measure that counts p, or false when the
// rollups do not keep it (the store then counts the raw cases).
func Find(p casework.Predicate) (int, bool) {
	i, ok := byPred[canonical(p)]
	return i, ok
}

// DayOffset is the zone the rollups cut days in: UTC+8, China Standard
// Time, which has had no daylight saving since 1991. A period that starts
// and ends on midnights of this zone is a whole number of rollup days; any
// other period is counted from the raw cases, so a city elsewhere gets
// correct figures, only not fast ones.
const DayOffset = 8 * time.Hour

const microsPerDay = int64(24 * time.Hour / time.Microsecond)

// Day is the rollup day of t: days since 1970-01-01 in [DayOffset].
func Day(t time.Time) int64 {
	us := t.UnixMicro() + int64(DayOffset/time.Microsecond)
	d := us / microsPerDay
	if us%microsPerDay < 0 {
		d-- // floor, for times before 1970
	}
	return d
}

// MonthStart is the first day of the month of day d.
func MonthStart(d int64) int64 {
	t := time.Unix(d*86400, 0).UTC() // day numbers count days of DayOffset's calendar
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// nextMonth is the first day of the month after the one starting on m.
func nextMonth(m int64) int64 {
	t := time.Unix(m*86400, 0).UTC()
	return time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// Span is a range of rows of one grain: Day in [From, To).
type Span struct {
	Grain    string
	From, To int64
}

// Spans covers the days [from, to) (nil: unbounded) with the fewest rows:
// month rows for the whole months inside, day rows for the days at the
// ends. Every case reported in the range counts in exactly one span.
func Spans(from, to *int64) []Span {
	switch {
	case from == nil && to == nil:
		return []Span{{Grain: GrainMonth, From: math.MinInt64, To: math.MaxInt64}}
	case from == nil:
		m := MonthStart(*to)
		return nonEmpty(Span{GrainMonth, math.MinInt64, m}, Span{GrainDay, m, *to})
	}
	m := MonthStart(*from)
	if m < *from {
		m = nextMonth(m)
	}
	if to == nil {
		return nonEmpty(Span{GrainDay, *from, m}, Span{GrainMonth, m, math.MaxInt64})
	}
	if m >= *to {
		return nonEmpty(Span{GrainDay, *from, *to})
	}
	end := m
	for next := nextMonth(end); next <= *to; next = nextMonth(end) {
		end = next
	}
	return nonEmpty(Span{GrainDay, *from, m}, Span{GrainMonth, m, end}, Span{GrainDay, end, *to})
}

func nonEmpty(spans ...Span) []Span {
	var out []Span
	for _, s := range spans {
		switch {
		case s.From >= s.To:
		case len(out) > 0 && out[len(out)-1].Grain == s.Grain && out[len(out)-1].To == s.From:
			out[len(out)-1].To = s.To // one range of days across a month end
		default:
			out = append(out, s)
		}
	}
	return out
}

// DayStart reports whether t is a midnight of [DayOffset] (a rollup day's
// first instant), and the day.
func DayStart(t time.Time) (int64, bool) {
	d := Day(t)
	return d, t.UnixMicro()+int64(DayOffset/time.Microsecond) == d*microsPerDay
}

// Grains of a row: the cases reported on one day, or in one month (whose
// first day is the row's Day). Every case counts in one row of each grain
// per unit, so a long period sums a few month rows and the days at its
// ends, never hundreds of day rows.
const (
	GrainDay   = "day"
	GrainMonth = "month"
)

// Key is one rollup row: the unit (Unit, Code), the grain and first day of
// its period, and the source (channel; "" on grid and community rows,
// which would otherwise be nearly one row per case), with the unit's place
// in the region tree (its own level and the levels above it; "" below it
// and for the city, department and category units), so a jurisdiction
// over regions can be applied to the rows as it is to the cases.
type Key struct {
	Unit, Code                        string
	Grain                             string
	Day                               int64
	Source                            string
	District, Street, Community, Grid string
}

// BySource reports whether rows of a unit kind are kept per source.
func BySource(unit string) bool { return unit != UnitGrid && unit != UnitCommunity }

// Vector is a contribution: Width numbers, counts then response seconds.
type Vector []int64

// Entry is a change of one row.
type Entry struct {
	Key Key
	Vec Vector
}

// Counts is c's vector: 1 for each measure that holds, and the seconds from
// report to dispatch when dispatched (whole seconds, truncated as the
// store's raw query does).
func Counts(c *casework.Case) Vector {
	v := make(Vector, Width)
	for i, m := range Measures {
		if m.Pred.Holds(c) {
			v[i] = 1
		}
	}
	if c.DispatchedAt != nil {
		v[Response] = (c.DispatchedAt.UnixMicro() - c.ReportedAt.UnixMicro()) / 1_000_000
	}
	return v
}

// Keys are the rows c counts in: a day row and a month row per unit kind.
func Keys(c *casework.Case) []Key {
	day := Day(c.ReportedAt)
	cat := ""
	if c.Category != nil {
		cat = c.Category.String()
	}
	units := []Key{
		{Unit: UnitCity},
		{Unit: UnitDistrict, Code: c.District, District: c.District},
		{Unit: UnitStreet, Code: c.Street, District: c.District, Street: c.Street},
		{Unit: UnitCommunity, Code: c.Community, District: c.District, Street: c.Street, Community: c.Community},
		{Unit: UnitGrid, Code: c.Grid, District: c.District, Street: c.Street, Community: c.Community, Grid: c.Grid},
		{Unit: UnitDepartment, Code: c.Department},
		{Unit: UnitCategory, Code: cat},
	}
	out := make([]Key, 0, 2*len(units))
	for _, k := range units {
		if BySource(k.Unit) {
			k.Source = string(c.Source)
		}
		k.Grain, k.Day = GrainDay, day
		out = append(out, k)
		k.Grain, k.Day = GrainMonth, MonthStart(day)
		out = append(out, k)
	}
	return out
}

// Delta is the change of the rollups when a case goes from old to new
// (old nil: the case is new; new nil: it is gone): the old contribution
// subtracted, the new one added, merged by row, rows that do not change
// left out, in a stable order (so concurrent writers lock rows in one
// order on PostgreSQL).
func Delta(old, new *casework.Case) []Entry {
	var b Batch
	b.Add(old, new)
	return b.Entries()
}

// Batch merges the deltas of many case changes (a group commit, a bulk
// load) into one change per row.
type Batch struct {
	rows map[Key]Vector
}

// Add adds the delta of one case change (see [Delta]).
func (b *Batch) Add(old, new *casework.Case) {
	if b.rows == nil {
		b.rows = map[Key]Vector{}
	}
	add := func(c *casework.Case, sign int64) {
		if c == nil {
			return
		}
		v := Counts(c)
		for _, k := range Keys(c) {
			acc, ok := b.rows[k]
			if !ok {
				acc = make(Vector, Width)
				b.rows[k] = acc
			}
			for i, x := range v {
				acc[i] += sign * x
			}
		}
	}
	add(old, -1)
	add(new, +1)
}

// AddEntries adds changes already computed (by [Delta]) to b.
func (b *Batch) AddEntries(es []Entry) {
	if b.rows == nil {
		b.rows = map[Key]Vector{}
	}
	for _, e := range es {
		k, v := e.Key, e.Vec
		acc, ok := b.rows[k]
		if !ok {
			acc = make(Vector, Width)
			b.rows[k] = acc
		}
		for i, x := range v {
			acc[i] += x
		}
	}
}

// Entries are the rows that change, in key order.
func (b *Batch) Entries() []Entry {
	out := make([]Entry, 0, len(b.rows))
	for k, v := range b.rows {
		if !slices.ContainsFunc(v, func(x int64) bool { return x != 0 }) {
			continue
		}
		out = append(out, Entry{Key: k, Vec: v})
	}
	slices.SortFunc(out, func(a, b Entry) int { return compareKeys(a.Key, b.Key) })
	return out
}

func compareKeys(a, b Key) int {
	for _, c := range [][2]string{{a.Unit, b.Unit}, {a.Code, b.Code}, {a.Grain, b.Grain}} {
		if n := strings.Compare(c[0], c[1]); n != 0 {
			return n
		}
	}
	switch {
	case a.Day < b.Day:
		return -1
	case a.Day > b.Day:
		return 1
	}
	for _, c := range [][2]string{{a.Source, b.Source}, {a.District, b.District}, {a.Street, b.Street}, {a.Community, b.Community}, {a.Grid, b.Grid}} {
		if n := strings.Compare(c[0], c[1]); n != 0 {
			return n
		}
	}
	return 0
}
