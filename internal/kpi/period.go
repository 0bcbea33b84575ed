package kpi

import (
	"time"

	"cityloop/internal/errs"
)

// Period is a span of city days, [From, To): To is the midnight after the
// last day. Cases belong to the period they were reported in (上报时间),
// so a published figure never changes its base as the cases move on.
type Period struct {
	From, To time.Time
}

// MaxDays bounds a requested range: five years of days.
const MaxDays = 5*366 + 1

const dateLayout = "2006-01-02"

// ParseDays reads an inclusive range of dates (YYYY-MM-DD) in loc, as the
// API takes it (from=2026-01-01&to=2026-01-31 is January). A missing,
// malformed or reversed date, or a range longer than MaxDays, is Invalid
// with a message that says what to send.
func ParseDays(from, to string, loc *time.Location) (Period, error) {
	bad := errs.Invalid("日期范围无效 / the date range is not valid")
	f, err := time.ParseInLocation(dateLayout, from, loc)
	if err != nil {
		bad.WithField("from", "需要日期 YYYY-MM-DD / a date YYYY-MM-DD is required, e.g. 2026-01-01")
	}
	t, err2 := time.ParseInLocation(dateLayout, to, loc)
	if err2 != nil {
		bad.WithField("to", "需要日期 YYYY-MM-DD / a date YYYY-MM-DD is required (the last day, included), e.g. 2026-01-31")
	}
	if err != nil || err2 != nil {
		return Period{}, bad
	}
	if t.Before(f) {
		return Period{}, bad.WithField("to", "结束日期早于开始日期 / to is before from")
	}
	p := Period{From: f, To: t.AddDate(0, 0, 1)}
	if p.Days() > MaxDays {
		return Period{}, bad.WithField("to", "范围不超过五年 / at most five years")
	}
	return p, nil
}

// Days is the number of calendar days in p.
func (p Period) Days() int {
	n := 0
	for d := p.From; d.Before(p.To); d = d.AddDate(0, 0, 1) {
		n++
		if n > MaxDays {
			break
		}
	}
	return n
}

// LastDay is the period's last day, midnight.
func (p Period) LastDay() time.Time { return p.To.AddDate(0, 0, -1) }

// String spells p as its first and last day.
func (p Period) String() string {
	return p.From.Format(dateLayout) + "…" + p.LastDay().Format(dateLayout)
}

func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// Day is the city day of t (t's location is the city's).
func Day(t time.Time) Period {
	d := midnight(t)
	return Period{From: d, To: d.AddDate(0, 0, 1)}
}

// Week is the Monday-to-Sunday week of t, as Chinese bulletins count.
func Week(t time.Time) Period {
	d := midnight(t)
	back := (int(d.Weekday()) + 6) % 7 // days since Monday
	from := d.AddDate(0, 0, -back)
	return Period{From: from, To: from.AddDate(0, 0, 7)}
}

// Month is the calendar month of t (月通报).
func Month(t time.Time) Period {
	from := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location())
	return Period{From: from, To: from.AddDate(0, 1, 0)}
}

// Quarter is the calendar quarter of t (季考核).
func Quarter(t time.Time) Period {
	m := time.Month((int(t.Month())-1)/3*3 + 1)
	from := time.Date(t.Year(), m, 1, 0, 0, 0, 0, t.Location())
	return Period{From: from, To: from.AddDate(0, 3, 0)}
}

// Year is the calendar year of t (年评估).
func Year(t time.Time) Period {
	from := time.Date(t.Year(), 1, 1, 0, 0, 0, 0, t.Location())
	return Period{From: from, To: from.AddDate(1, 0, 0)}
}

// wholeMonths reports how many calendar months p spans when it starts and
// ends on the first of a month, and 0 otherwise.
func (p Period) wholeMonths() int {
	if p.From.Day() != 1 || p.To.Day() != 1 {
		return 0
	}
	return (p.To.Year()-p.From.Year())*12 + int(p.To.Month()) - int(p.From.Month())
}

// Previous is the period just before p for a month-on-month (环比)
// comparison: the previous month(s) when p is whole months (so March
// compares with February, not with the 31 days before), otherwise as many
// days just before.
func (p Period) Previous() Period {
	if n := p.wholeMonths(); n > 0 {
		return Period{From: p.From.AddDate(0, -n, 0), To: p.From}
	}
	return Period{From: p.From.AddDate(0, 0, -p.Days()), To: p.From}
}

// YearAgo is the same days a year before, for a year-on-year (同比)
// comparison. A range ending on 29 February ends on 1 March a year before
// (time's normalisation), so the base keeps every day.
func (p Period) YearAgo() Period {
	return Period{From: p.From.AddDate(-1, 0, 0), To: p.To.AddDate(-1, 0, 0)}
}

// Change is the relative change from before to now (0.1 is +10 %), or nil
// when either is missing or before is 0: no change can be stated.
func Change(now, before *float64) *float64 {
	if now == nil || before == nil || *before == 0 {
		return nil
	}
	v := (*now - *before) / *before
	return &v
}
