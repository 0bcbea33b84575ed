package worktime

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cityloop/internal/errs"
)

// ParseMonth reads "YYYY-MM" (the argument of `cityloop calendar`).
func ParseMonth(s string) (int, time.Month, error) {
	bad := errs.Invalid("month %q: want YYYY-MM, e.g. 2025-10", s).WithField("month", "want YYYY-MM")
	if len(s) != 7 || s[4] != '-' {
		return 0, 0, bad
	}
	hi, ok1 := twoDigits(s[0:2])
	lo, ok2 := twoDigits(s[2:4])
	m, ok3 := twoDigits(s[5:7])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || hi*100+lo < 1 {
		return 0, 0, bad
	}
	return hi*100 + lo, time.Month(m), nil
}

type monthText struct {
	title    func(year int, month time.Month, tz string) string
	uncov    string
	header   [5]string
	weekdays [7]string
	kinds    map[DayKind]string
	name     func(Day) string
	totals   func(days int, hours float64) string
}

var monthTexts = map[string]monthText{
	"zh": {
		title: func(y int, m time.Month, tz string) string {
			return fmt.Sprintf("%d年%d月 工作日历（%s）", y, m, tz)
		},
		uncov:    "注：该年不在日历数据内，按周一至周五工作、无节假日计。",
		header:   [5]string{"日期", "星期", "类型", "节日", "工作时"},
		weekdays: [7]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"},
		kinds: map[DayKind]string{
			Workday: "工作日", Weekend: "周末", Holiday: "节假日", AdjustedWorkday: "调休上班",
		},
		name: func(d Day) string { return d.Name },
		totals: func(days int, hours float64) string {
			return fmt.Sprintf("合计：工作日 %d 天，工作时 %s 小时", days, hoursText(hours))
		},
	},
	"en": {
		title: func(y int, m time.Month, tz string) string {
			return fmt.Sprintf("%s %d working calendar (%s)", m, y, tz)
		},
		uncov:    "Note: this year is not in the calendar data; Mon–Fri are working days and there are no holidays.",
		header:   [5]string{"Date", "Day", "Kind", "Holiday", "Hours"},
		weekdays: [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
		kinds: map[DayKind]string{
			Workday: "workday", Weekend: "weekend", Holiday: "holiday", AdjustedWorkday: "adjusted workday",
		},
		name: func(d Day) string {
			if d.NameEn == "" {
				return d.Name
			}
			return d.NameEn
		},
		totals: func(days int, hours float64) string {
			return fmt.Sprintf("Total: %d working days, %s working hours", days, hoursText(hours))
		},
	},
}

func hoursText(h float64) string { return strconv.FormatFloat(h, 'f', 1, 64) }

// FormatMonth writes a month as a table for `cityloop calendar YYYY-MM`:
// date, weekday, kind, holiday name and working hours, then the month's
// working days and hours. lang is "zh" (the default when empty) or "en";
// regional tags such as zh-CN or en-GB are accepted.
func (c *Calendar) FormatMonth(w io.Writer, year int, month time.Month, lang string) error {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	if base == "" {
		base = "zh"
	}
	txt, ok := monthTexts[base]
	if !ok {
		return errs.Invalid("language %q: want zh or en", lang).WithField("lang", "want zh or en")
	}
	if month < time.January || month > time.December {
		return errs.Invalid("month %d out of range 1–12", month).WithField("month", "out of range")
	}

	rows := [][5]string{txt.header}
	var workDays int
	var hours float64
	for _, d := range c.Month(year, month) {
		rows = append(rows, [5]string{
			d.Date.Format(time.DateOnly),
			txt.weekdays[d.Date.Weekday()],
			txt.kinds[d.Kind],
			txt.name(d),
			hoursText(d.WorkingHours),
		})
		if d.Working {
			workDays++
			hours += d.WorkingHours
		}
	}

	var widths [5]int
	for _, r := range rows {
		for i, cell := range r {
			widths[i] = max(widths[i], displayWidth(cell))
		}
	}
	var b strings.Builder
	b.WriteString(txt.title(year, month, c.loc.String()) + "\n")
	if !slices.Contains(c.order, year) {
		b.WriteString(txt.uncov + "\n")
	}
	b.WriteString("\n")
	for _, r := range rows {
		for i, cell := range r {
			pad := strings.Repeat(" ", widths[i]-displayWidth(cell))
			switch {
			case i == len(r)-1: // numbers align right
				b.WriteString(pad + cell)
			default:
				b.WriteString(cell + pad + "  ")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n" + txt.totals(workDays, hours) + "\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write calendar %d-%02d: %w", year, month, err)
	}
	return nil
}

// displayWidth counts terminal columns: CJK and full-width characters take
// two, which text/tabwriter does not know, so its columns drift with Chinese.
func displayWidth(s string) int {
	n := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch {
		case r >= 0x1100 && r <= 0x115F, // Hangul Jamo
			r >= 0x2E80 && r <= 0xA4CF && r != 0x303F, // CJK radicals … Yi
			r >= 0xAC00 && r <= 0xD7A3,                // Hangul syllables
			r >= 0xF900 && r <= 0xFAFF,                // CJK compatibility ideographs
			r >= 0xFE30 && r <= 0xFE4F,                // CJK compatibility forms
			r >= 0xFF00 && r <= 0xFF60,                // full-width forms
			r >= 0xFFE0 && r <= 0xFFE6:
			n += 2
		default:
			n++
		}
	}
	return n
}

// PrintMonth writes month (YYYY-MM) of the built-in working calendar
// ([Default]), as `cityloop calendar` prints it.
func PrintMonth(w io.Writer, month, lang string) error {
	y, m, err := ParseMonth(month)
	if err != nil {
		return err
	}
	cal, err := Default()
	if err != nil {
		return err
	}
	return cal.FormatMonth(w, y, m, lang)
}
