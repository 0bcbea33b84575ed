package worktime

import (
	"math"
	"time"
)

// Duration is the limit as an amount of time in its unit: hours for the
// hour units, n × [Calendar.DayLength] of working time for working days.
// It rounds to the nanosecond, saturates instead of overflowing and treats
// NaN as zero. c may be nil (working days then use the 7h default).
func (l Limit) Duration(c *Calendar) time.Duration {
	per := time.Hour
	if l.Unit == WorkingDays {
		per = c.DayLength()
	}
	return scale(l.Amount, per)
}

func scale(amount float64, per time.Duration) time.Duration {
	v := math.Round(amount * float64(per))
	switch {
	case math.IsNaN(v):
		return 0
	case v >= math.MaxInt64:
		return math.MaxInt64
	case v <= math.MinInt64:
		return math.MinInt64
	}
	return time.Duration(v)
}

// Deadline is start plus the limit. Natural hours are plain addition; the
// working units count only office segments, so a start outside office hours
// effectively begins at the next segment. A deadline that uses up a segment
// exactly falls on that segment's end (Friday 17:30), not on the start of
// the next one. Results are in the calendar's location.
func (c *Calendar) Deadline(start time.Time, l Limit) time.Time {
	return c.Add(start, l.Duration(c), l.Unit)
}

// Add adds d of time counted in unit u. Units that are not working units
// (see [Unit.Working]) count natural time. For working units d <= 0 returns
// start unchanged: counting backwards is never needed.
func (c *Calendar) Add(start time.Time, d time.Duration, u Unit) time.Time {
	start = start.In(c.loc)
	if !u.Working() {
		return start.Add(d)
	}
	if d <= 0 {
		return start
	}
	k := c.cursorAt(start)
	for {
		for _, s := range k.segments() {
			end := k.at(s.to)
			if !end.After(start) {
				continue
			}
			from := k.at(s.from)
			if from.Before(start) {
				from = start
			}
			if avail := end.Sub(from); d > avail {
				d -= avail
				continue
			}
			return from.Add(d)
		}
		k.next()
	}
}

// Elapsed is the time counted in unit u within [start, end): all of it for
// natural hours, only office segments for working units. It is 0 when end
// is not after start.
func (c *Calendar) Elapsed(start, end time.Time, u Unit) time.Duration {
	if !end.After(start) {
		return 0
	}
	if !u.Working() {
		return end.Sub(start)
	}
	k := c.cursorAt(start)
	last := c.cursorAt(end)
	var sum time.Duration
	for {
		for _, s := range k.segments() {
			from, to := k.at(s.from), k.at(s.to)
			if from.Before(start) {
				from = start
			}
			if to.After(end) {
				to = end
			}
			if to.After(from) {
				sum += to.Sub(from)
			}
		}
		if k.sameDate(&last) {
			return sum
		}
		k.next()
	}
}
