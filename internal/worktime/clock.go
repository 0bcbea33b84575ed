package worktime

import (
	"math"
	"math/bits"
	"slices"
	"time"
)

// Light is the traffic light shown beside a case or stage.
type Light string

const (
	Green  Light = "green"
	Yellow Light = "yellow"
	Red    Light = "red"
)

// LightOf grades used time against a limit as OSS-U does (DOMAIN.md §2.5):
// green below 80 %, yellow from 80 % up to and including 100 %, red only
// when used > limit, i.e. overdue. Reaching the deadline exactly is still on
// time. A limit <= 0 means "no limit" and is always green.
func LightOf(used, limit time.Duration) Light {
	if limit <= 0 {
		return Green
	}
	if used < 0 {
		used = 0
	}
	if used > limit {
		return Red
	}
	// used/limit >= 0.8 ⇔ 5·used >= 4·limit, compared in 128 bits so the
	// 80 % edge is exact (a float ratio can round across it) and huge
	// durations cannot overflow.
	uh, ul := bits.Mul64(uint64(used), 5)
	lh, ll := bits.Mul64(uint64(limit), 4)
	if uh > lh || (uh == lh && ul >= ll) {
		return Yellow
	}
	return Green
}

// Clock is the timer of a stage or a whole case. It survives suspension
// (挂账, which stops the clock) and extensions (延期, which add time).
type Clock struct {
	Start  time.Time
	Limit  Limit
	Extra  time.Duration // granted extensions, as time in the limit's unit (working time for working units)
	Paused []Interval    // closed pauses
	// PausedSince is the start of a pause still in progress.
	PausedSince *time.Time
}

// budget is the total time the clock allows.
func (c *Calendar) budget(k Clock) time.Duration {
	b := k.Limit.Duration(c)
	if k.Extra > 0 && b > math.MaxInt64-k.Extra {
		return math.MaxInt64
	}
	return b + k.Extra
}

// pauses returns the clock's pauses, the open one ending at now, clipped to
// start at k.Start, sorted and merged so that overlapping records are not
// subtracted twice.
func pauses(k Clock, now time.Time) []Interval {
	var ps []Interval
	add := func(p Interval) {
		if p.Start.Before(k.Start) {
			p.Start = k.Start
		}
		if p.End.After(p.Start) {
			ps = append(ps, p)
		}
	}
	for _, p := range k.Paused {
		add(p)
	}
	if k.PausedSince != nil {
		add(Interval{Start: *k.PausedSince, End: now})
	}
	slices.SortFunc(ps, func(a, b Interval) int { return a.Start.Compare(b.Start) })
	merged := ps[:0]
	for _, p := range ps {
		if n := len(merged); n > 0 && !p.Start.After(merged[n-1].End) {
			if p.End.After(merged[n-1].End) {
				merged[n-1].End = p.End
			}
			continue
		}
		merged = append(merged, p)
	}
	return merged
}

// Used is the time counted in the limit's unit from Start to now, minus the
// pauses. A pause only gives back what it overlaps of counted time: a
// weekend-long 挂账 on a working-hours clock subtracts nothing.
func (c *Calendar) Used(k Clock, now time.Time) time.Duration {
	u := k.Limit.Unit
	used := c.Elapsed(k.Start, now, u)
	for _, p := range pauses(k, now) {
		if p.End.After(now) {
			p.End = now
		}
		used -= c.Elapsed(p.Start, p.End, u)
	}
	return max(used, 0)
}

// Due is the deadline given the pauses so far: the instant at which Used
// reaches the limit plus Extra. While a pause is open it is the deadline as
// if the clock resumed now. A clock without a limit (budget <= 0) has no
// deadline and returns the zero Time.
func (c *Calendar) Due(k Clock, now time.Time) time.Time {
	left := c.budget(k)
	if left <= 0 {
		return time.Time{}
	}
	u := k.Limit.Unit
	at := k.Start
	for _, p := range pauses(k, now) {
		run := c.Elapsed(at, p.Start, u)
		if run >= left {
			break // the budget ran out before this pause began
		}
		left -= run
		at = p.End // merged pauses are sorted and disjoint, so p.End > at
	}
	return c.Add(at, left, u)
}

// LightAt is the clock's light at now.
func (c *Calendar) LightAt(k Clock, now time.Time) Light {
	return LightOf(c.Used(k, now), c.budget(k))
}
