package jobs

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/worktime"
)

// Schedule says when a job is due. Next must be a pure function of its
// argument, so that every node computes the same due times and the store can
// tell a due time apart from the next one.
type Schedule interface {
	// Next is the first due time strictly after after, or the zero time
	// when there is none.
	Next(after time.Time) time.Time
	// String describes the schedule for people, in Chinese and English.
	String() string
	// Spec is the short text form that [ParseSchedule] reads back, kept in
	// the jobs table so a changed schedule is noticed.
	Spec() string
}

// Limits of the schedules. The every interval is bounded below so that a
// typo ("every 1ns") cannot turn the runner into a busy loop.
const (
	minEvery = time.Second
	maxEvery = 366 * 24 * time.Hour
	// maxScanDays bounds the walk to the next working day; a calendar with
	// no working day in more than a year is broken, and Next says so with
	// the zero time rather than looping.
	maxScanDays = 400
	// maxRunDays bounds the look-back over the non-working days before a
	// working day (the longest Chinese holiday run, with its weekends, is
	// nine or ten days).
	maxRunDays = 40
)

// checker is implemented by the schedules of this package, whose
// constructors take unchecked arguments; [Validate] calls it.
type checker interface{ check() error }

// Validate reports a schedule that cannot be used: nil, built from
// arguments out of range, or one whose Next does not move forward.
func Validate(s Schedule) error {
	if s == nil {
		return errs.Invalid("the job has no schedule")
	}
	if c, ok := s.(checker); ok {
		if err := c.check(); err != nil {
			return err
		}
	}
	return nil
}

// Every is due every d, at the multiples of d counted from Go's zero time
// (so every 1h falls on the full UTC hour), the same instants on every node
// whenever it starts.
func Every(d time.Duration) Schedule { return every{d: d} }

type every struct{ d time.Duration }

func (e every) check() error {
	if e.d < minEvery || e.d > maxEvery {
		return errs.Invalid("an interval must be from %s to %s, not %s", minEvery, maxEvery, e.d)
	}
	return nil
}

func (e every) Next(after time.Time) time.Time {
	if e.check() != nil {
		return time.Time{}
	}
	return after.Truncate(e.d).Add(e.d)
}

func (e every) String() string {
	return fmt.Sprintf("每 %s / every %s", e.d, e.d)
}

func (e every) Spec() string { return "every " + e.d.String() }

// Daily is due every day at hour:min in loc (the city's time zone). On a day
// when a DST change skips that time, Go's time.Date normalisation moves it
// by the skipped hour.
func Daily(hour, min int, loc *time.Location) Schedule {
	return daily{clock: clock{hour, min}, loc: loc}
}

type clock struct{ hour, min int }

func (c clock) check() error {
	if c.hour < 0 || c.hour > 23 || c.min < 0 || c.min > 59 {
		return errs.Invalid("a time of day must be 00:00 to 23:59, not %02d:%02d", c.hour, c.min)
	}
	return nil
}

func (c clock) String() string { return fmt.Sprintf("%02d:%02d", c.hour, c.min) }

type daily struct {
	clock
	loc *time.Location
}

func (d daily) check() error {
	if d.loc == nil {
		return errs.Invalid("a daily schedule needs the city's time zone")
	}
	return d.clock.check()
}

func (d daily) Next(after time.Time) time.Time {
	if d.check() != nil {
		return time.Time{}
	}
	y, m, day := after.In(d.loc).Date()
	// A few tries, not one: a DST jump can pull a normalised time back
	// before after.
	for i := 0; i < 3; i++ {
		if t := time.Date(y, m, day+i, d.hour, d.min, 0, 0, d.loc); t.After(after) {
			return t
		}
	}
	return time.Time{}
}

func (d daily) String() string {
	return fmt.Sprintf("每天 %s（%s） / daily at %s (%s)", d.clock, locName(d.loc), d.clock, locName(d.loc))
}

func (d daily) Spec() string { return "daily " + d.clock.String() }

// Monthly is due every month on day at hour:min in loc. A day past the
// month's end is clipped to its last day, so "monthly 31" runs on 30 April
// and on 28 or 29 February: a monthly bulletin must not skip a short month.
func Monthly(day, hour, min int, loc *time.Location) Schedule {
	return monthly{day: day, clock: clock{hour, min}, loc: loc}
}

type monthly struct {
	day int
	clock
	loc *time.Location
}

func (m monthly) check() error {
	if m.loc == nil {
		return errs.Invalid("a monthly schedule needs the city's time zone")
	}
	if m.day < 1 || m.day > 31 {
		return errs.Invalid("a day of the month must be 1 to 31, not %d", m.day)
	}
	return m.clock.check()
}

// at is the due time in the month y-mon (mon may overflow; time.Date
// normalises it).
func (m monthly) at(y int, mon time.Month) time.Time {
	first := time.Date(y, mon, 1, 0, 0, 0, 0, m.loc)
	y, mon, _ = first.Date()
	last := time.Date(y, mon+1, 0, 0, 0, 0, 0, m.loc).Day()
	return time.Date(y, mon, min(m.day, last), m.hour, m.min, 0, 0, m.loc)
}

func (m monthly) Next(after time.Time) time.Time {
	if m.check() != nil {
		return time.Time{}
	}
	y, mon, _ := after.In(m.loc).Date()
	for i := 0; i < 3; i++ {
		if t := m.at(y, mon+time.Month(i)); t.After(after) {
			return t
		}
	}
	return time.Time{}
}

func (m monthly) String() string {
	zh := fmt.Sprintf("每月 %d 日 %s", m.day, m.clock)
	en := fmt.Sprintf("monthly on day %d at %s", m.day, m.clock)
	if m.day > 28 {
		zh += "，当月无此日则取月末"
		en += ", or the month's last day"
	}
	return fmt.Sprintf("%s（%s） / %s (%s)", zh, locName(m.loc), en, locName(m.loc))
}

func (m monthly) Spec() string { return fmt.Sprintf("monthly %d %s", m.day, m.clock) }

// OnWorkingDays moves each due time of s that falls on a non-working day
// (a weekend that is not a 调休 working day, or a public holiday) to the next
// working day at the same wall-clock time, in the calendar's location.
// Several due times moved onto one working day stay distinct only when their
// clock times differ: daily 02:30 over the Spring Festival week is due once,
// on the first working day after it.
func OnWorkingDays(s Schedule, cal *worktime.Calendar) Schedule {
	return workdays{s: s, cal: cal}
}

type workdays struct {
	s   Schedule
	cal *worktime.Calendar
}

func (w workdays) check() error {
	if w.cal == nil {
		return errs.Invalid("a working-day schedule needs the working calendar")
	}
	if _, nested := w.s.(workdays); nested {
		return errs.Invalid("a schedule is moved to working days only once")
	}
	return Validate(w.s)
}

// Next finds the first working day on or after after's date that receives a
// due time later than after: its own due times, and those of the run of
// non-working days just before it, which are moved onto it. Looking back
// over that run matters when after falls inside a holiday: the due time of
// the holiday's first day is moved past after and must not be lost.
func (w workdays) Next(after time.Time) time.Time {
	if w.check() != nil {
		return time.Time{}
	}
	loc := w.cal.Location()
	a := after.In(loc)
	y, m, d := a.Date()
	for i := 0; i <= maxScanDays; i++ {
		// Noon is inside the date whatever the zone does at midnight.
		if !w.cal.Day(time.Date(y, m, d+i, 12, 0, 0, 0, loc)).Working {
			continue
		}
		var best time.Time
		for back := 0; back <= maxRunDays; back++ {
			src := time.Date(y, m, d+i-back, 0, 0, 0, 0, loc)
			if back > 0 && w.cal.Day(src.Add(12*time.Hour)).Working {
				break
			}
			// On after's own date only due times later in the day than
			// after count; on later dates the whole day does.
			from := src.Add(-time.Nanosecond)
			if i == 0 {
				sy, sm, sd := src.Date()
				from = time.Date(sy, sm, sd, a.Hour(), a.Minute(), a.Second(), a.Nanosecond(), loc)
			}
			t := w.s.Next(from)
			if t.IsZero() || !sameDate(t.In(loc), src) {
				continue
			}
			t = t.In(loc)
			img := time.Date(y, m, d+i, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
			if best.IsZero() || img.Before(best) {
				best = img
			}
		}
		if !best.IsZero() {
			return best
		}
	}
	return time.Time{}
}

func sameDate(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

func (w workdays) String() string {
	zh, en, _ := strings.Cut(w.s.String(), " / ")
	return zh + "，遇节假日顺延至下一工作日 / " + en + ", moved to the next working day when not one"
}

func (w workdays) Spec() string { return w.s.Spec() + " " + workdaysSuffix }

const workdaysSuffix = "+workdays"

func locName(loc *time.Location) string {
	if loc == nil {
		return "UTC"
	}
	return loc.String()
}

// maxSpec bounds the text ParseSchedule reads; a schedule is a few words.
const maxSpec = 64

// ParseSchedule reads the short text form of a schedule, as configuration
// and the jobs table keep it:
//
//	every 30s            every 1h30m      (a Go duration, 1s to 366 days)
//	daily 02:30
//	monthly 1 08:00      monthly 31 08:00 (clipped to the month's last day)
//	daily 09:00 +workdays                  (moved off weekends and holidays)
//
// loc is the city's time zone, needed by daily and monthly; cal is the
// working calendar, needed by +workdays. Words are separated by spaces and
// case does not matter. Every problem is an errs.KindInvalid error.
func ParseSchedule(text string, loc *time.Location, cal *worktime.Calendar) (Schedule, error) {
	if len(text) > maxSpec {
		return nil, errs.Invalid("a schedule is at most %d characters", maxSpec)
	}
	f := strings.Fields(strings.ToLower(text))
	onWorkdays := len(f) > 0 && f[len(f)-1] == workdaysSuffix
	if onWorkdays {
		f = f[:len(f)-1]
	}
	if len(f) == 0 {
		return nil, errs.Invalid("a schedule is empty; write e.g. %q, %q or %q", "every 30s", "daily 02:30", "monthly 1 08:00")
	}
	var s Schedule
	switch {
	case f[0] == "every" && len(f) == 2:
		d, err := time.ParseDuration(f[1])
		if err != nil {
			return nil, errs.Invalid("%q is not a duration such as 30s, 5m or 1h30m", f[1])
		}
		s = Every(d)
	case f[0] == "daily" && len(f) == 2:
		c, err := parseClock(f[1])
		if err != nil {
			return nil, err
		}
		s = Daily(c.hour, c.min, loc)
	case f[0] == "monthly" && len(f) == 3:
		day, err := strconv.Atoi(f[1])
		if err != nil || len(f[1]) > 2 {
			return nil, errs.Invalid("%q is not a day of the month (1 to 31)", f[1])
		}
		c, err := parseClock(f[2])
		if err != nil {
			return nil, err
		}
		s = Monthly(day, c.hour, c.min, loc)
	default:
		return nil, errs.Invalid("%q is not a schedule; write e.g. %q, %q or %q, optionally followed by %q",
			text, "every 30s", "daily 02:30", "monthly 1 08:00", workdaysSuffix)
	}
	if onWorkdays {
		s = OnWorkingDays(s, cal)
	}
	if err := Validate(s); err != nil {
		return nil, err
	}
	return s, nil
}

// parseClock reads HH:MM (H:MM is accepted too).
func parseClock(s string) (clock, error) {
	hs, ms, ok := strings.Cut(s, ":")
	h, herr := strconv.Atoi(hs)
	m, merr := strconv.Atoi(ms)
	if !ok || herr != nil || merr != nil || len(hs) < 1 || len(hs) > 2 || len(ms) != 2 {
		return clock{}, errs.Invalid("%q is not a time of day such as 02:30", s)
	}
	c := clock{h, m}
	if err := c.check(); err != nil {
		return clock{}, err
	}
	return c, nil
}
