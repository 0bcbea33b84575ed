package analysis

import (
	"context"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/org"
)

// Query selects the cases an aggregate counts: reported in [From, To),
// inside Scope (the caller's jurisdiction, nil for the platform itself),
// inside Region when set, of Category and of one of Sources when set.
// Offset is the city's offset from UTC: hours of the week and weeks are
// counted on the city's clock, not on UTC's.
type Query struct {
	Scope       *casework.Scope
	Region      string
	RegionLevel org.Level
	Category    *catalog.Ref
	Sources     []casework.Source
	From, To    time.Time
	Offset      time.Duration
}

// Count is one group of an aggregate: a grid code, a sub-class ("event:0501")
// or a week number, and how many cases it holds.
type Count struct {
	Key string
	N   int
}

// WeekCount is the cases of one week (see [WeekOf]).
type WeekCount struct {
	Week int64
	N    int
}

// CellWeek is the cases of one grid and sub-class in one week.
type CellWeek struct {
	Cell Cell
	Week int64
	N    int
}

// RecurrenceRow is one grid and sub-class with its cases in the period:
// how many were closed as a recurrence of an earlier case (recurrence_of
// set), how many followed another case of the same sub-class in the same
// grid within the window, and how many are either (Recurring).
type RecurrenceRow struct {
	Cell       Cell
	Cases      int
	Recurrence int
	Repeated   int
	Recurring  int
}

// Store is the aggregate queries analysis needs; every method counts in the
// database and returns groups, never cases. Merged duplicates count like
// every other report except in RecurrenceByCell, where a duplicate of an
// open case is the same problem, not a new one.
type Store interface {
	CountByGrid(ctx context.Context, q Query) ([]Count, error)
	CountByHourOfWeek(ctx context.Context, q Query) (HourOfWeek, error)
	CountByCategory(ctx context.Context, q Query) ([]Count, error)
	CountByWeek(ctx context.Context, q Query) ([]WeekCount, error)
	CountByCellWeek(ctx context.Context, q Query) ([]CellWeek, error)
	RecurrenceByCell(ctx context.Context, q Query, window time.Duration) ([]RecurrenceRow, error)
}

// Week numbers count the city's weeks from Monday 29 December 1969: week w
// starts on Monday local day 7w−3 (1 January 1970 was a Thursday). The store
// computes the same number in SQL, ((micros + offset)/day + 3)/7, so that
// both sides agree to the microsecond.
const (
	microsPerHour = int64(time.Hour / time.Microsecond)
	microsPerDay  = 24 * microsPerHour
)

// WeekOf is the week number of t on a clock offset from UTC.
func WeekOf(t time.Time, offset time.Duration) int64 {
	local := t.UnixMicro() + int64(offset/time.Microsecond)
	return floorDiv(floorDiv(local, microsPerDay)+3, 7)
}

// WeekStart is the instant week w begins (Monday 00:00 on the city's clock).
func WeekStart(w int64, offset time.Duration) time.Time {
	return time.UnixMicro((w*7-3)*microsPerDay - int64(offset/time.Microsecond)).UTC()
}

// HourOfWeekOf is t's hour of the week, 0 = Monday 00:00–01:00 on the city's
// clock, 167 = Sunday 23:00–24:00.
func HourOfWeekOf(t time.Time, offset time.Duration) int {
	local := t.UnixMicro() + int64(offset/time.Microsecond)
	return int((floorDiv(local, microsPerHour)%168 + 72 + 168) % 168)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
