package worktime

import "time"

// cursor walks the calendar one local date at a time. It tracks the civil
// date, weekday and day of the year by arithmetic and keeps the year's data
// at hand, so stepping a day costs a few integer operations instead of a
// time.Date call and a map lookup; that is what keeps Deadline and Elapsed
// cheap enough for listing pages and the 100,000-case demo generator.
type cursor struct {
	c    *Calendar
	y    int
	m    time.Month
	d    int
	yday int
	wd   time.Weekday
	yc   *yearCal  // nil when the year is not covered
	sch  *schedule // schedule in force for the year

	midnight time.Time // start of the date in c.loc
	// zoneEnd is when the zone offset in force at midnight changes (zero:
	// never). While a whole day lies before it, wall-clock offsets can be
	// added to midnight directly.
	zoneEnd time.Time
	stable  bool // the whole date lies inside one zone offset
}

func (c *Calendar) cursorAt(t time.Time) cursor {
	t = t.In(c.loc)
	y, m, d := t.Date()
	k := cursor{c: c, y: y, m: m, d: d, yday: t.YearDay(), wd: t.Weekday()}
	k.loadYear()
	k.loadMidnight()
	return k
}

func (k *cursor) loadYear() {
	k.yc = k.c.years[k.y]
	k.sch = k.c.scheduleFor(k.y)
}

// slack keeps the fast path away from days that end within an hour of a
// zone change, whose 24:00 might not be 24h after midnight.
const slack = 25 * time.Hour

func (k *cursor) loadMidnight() {
	k.midnight = time.Date(k.y, k.m, k.d, 0, 0, 0, 0, k.c.loc)
	_, k.zoneEnd = k.midnight.ZoneBounds()
	k.stable = k.zoneEnd.IsZero() || k.midnight.Add(slack).Before(k.zoneEnd)
}

// next moves to the following date.
func (k *cursor) next() {
	k.d++
	k.yday++
	k.wd = (k.wd + 1) % 7
	if k.d > daysIn(k.m, k.y) {
		k.d = 1
		k.m++
		if k.m > time.December {
			k.m = time.January
			k.y++
			k.yday = 1
			k.loadYear()
		}
	}
	if k.stable {
		// No offset change during the previous day, so its successor starts
		// exactly 24h later.
		k.midnight = k.midnight.Add(24 * time.Hour)
		k.stable = k.zoneEnd.IsZero() || k.midnight.Add(slack).Before(k.zoneEnd)
		return
	}
	k.loadMidnight()
}

// at is the instant sec seconds (wall clock) after the date's midnight.
func (k *cursor) at(sec int) time.Time {
	if k.stable {
		return k.midnight.Add(time.Duration(sec) * time.Second)
	}
	return time.Date(k.y, k.m, k.d, 0, 0, sec, 0, k.c.loc)
}

func (k *cursor) special() *special {
	if k.yc == nil {
		return nil
	}
	return k.yc.days[k.yday]
}

func (k *cursor) kind() DayKind {
	if sp := k.special(); sp != nil {
		return sp.kind
	}
	if k.wd == time.Saturday || k.wd == time.Sunday {
		return Weekend
	}
	return Workday
}

// segments returns the office segments of the date, nil on days off.
func (k *cursor) segments() []segment {
	switch k.kind() {
	case Workday, AdjustedWorkday:
		return k.sch.on(k.m, k.d)
	}
	return nil
}

func (k *cursor) sameDate(o *cursor) bool { return k.y == o.y && k.m == o.m && k.d == o.d }

func (k *cursor) before(o *cursor) bool {
	if k.y != o.y {
		return k.y < o.y
	}
	return k.yday < o.yday
}

func daysIn(m time.Month, y int) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}
