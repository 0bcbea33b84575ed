package sqlkit

import (
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// The column codecs every SQL store shares, so that a time, a flag or a
// list written by one store reads back the same in another.
//
// Times are BIGINT Unix microseconds in UTC: comparisons are integer
// comparisons on both databases, a round trip is exact to the microsecond,
// and values read back are in time.UTC. Flags are 0 or 1 in an integer
// column (SQLite has no boolean type). String lists are JSON arrays, "[]"
// rather than "null" when empty.

// Micros is t as stored: Unix microseconds.
func Micros(t time.Time) int64 { return t.UnixMicro() }

// MicrosOrNull is [Micros] of *t, or NULL when t is nil.
func MicrosOrNull(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

// Time reads a stored time back, in UTC.
func Time(v int64) time.Time { return time.UnixMicro(v).UTC() }

// NullTime reads a nullable stored time back: nil for NULL.
func NullTime(v sql.Null[int64]) *time.Time {
	if !v.Valid {
		return nil
	}
	t := Time(v.V)
	return &t
}

// Bool is b as stored: 1 or 0. Reading back is v != 0.
func Bool(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Strings is a string list as stored: a JSON array, "[]" for nil.
func Strings(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v) // a []string always encodes
	return string(b)
}

// Placeholders returns "($from, $from+1, …), (…)": rows tuples of n
// parameters each, numbered consecutively from from. Statements use $N
// on both databases; modernc's SQLite binds "$N" by position too.
func Placeholders(rows, n, from int) string {
	var b strings.Builder
	b.Grow(rows * n * 5)
	k := from
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := 0; c < n; c++ {
			if c > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(k))
			k++
		}
		b.WriteByte(')')
	}
	return b.String()
}

// List returns "$from, $from+1, …" for an IN list of n parameters.
func List(n, from int) string {
	var b strings.Builder
	b.Grow(n * 5)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(from + i))
	}
	return b.String()
}

// JSONList is a table source, named alias, of the strings in one JSON
// array parameter mark (e.g. "$1") bound to a list encoded by [Strings];
// its one column is alias.value. Joined to a table's key, it takes a whole
// list of ids as one parameter: the statement text does not depend on the
// list's length, so it is prepared once and cached, and modernc's SQLite
// binds one parameter instead of looking up hundreds by name (quadratic:
// 500 ids cost more than the query they served in the Open311 list).
func JSONList(postgres bool, mark, alias string) string {
	if postgres {
		return "jsonb_array_elements_text(" + mark + "::jsonb) AS " + alias + "(value)"
	}
	return "json_each(" + mark + ") AS " + alias
}
