package worktime

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"cityloop/internal/errs"
)

func mustDefault(t testing.TB) *Calendar {
	t.Helper()
	c, err := Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	return c
}

// at reads "2006-01-02 15:04" (or a bare date) in Beijing time.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	loc, err := loadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	layout := "2006-01-02 15:04"
	if len(s) == len(time.DateOnly) {
		layout = time.DateOnly
	}
	v, err := time.ParseInLocation(layout, s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDefault(t *testing.T) {
	c := mustDefault(t)
	if got, want := c.Years(), []int{2024, 2025, 2026}; !slices.Equal(got, want) {
		t.Errorf("Years() = %v, want %v", got, want)
	}
	if got := c.Location().String(); got != "Asia/Shanghai" && got != "CST" {
		t.Errorf("Location() = %q", got)
	}
	if got := c.DayLength(); got != 7*time.Hour {
		t.Errorf("DayLength() = %v, want 7h", got)
	}
}

// TestCalendar_Day checks the 2025 National Day / Mid-Autumn block against
// 国办发明电〔2024〕12号: 10月1日（周三）至8日（周三）放假调休，共8天；
// 9月28日（周日）、10月11日（周六）上班.
func TestCalendar_Day(t *testing.T) {
	c := mustDefault(t)
	tests := []struct {
		date    string
		kind    DayKind
		working bool
		name    string
		hours   float64
	}{
		{"2025-09-26", Workday, true, "", 7},
		{"2025-09-27", Weekend, false, "", 0},
		{"2025-09-28", AdjustedWorkday, true, "国庆节、中秋节", 7}, // Sunday worked
		{"2025-09-29", Workday, true, "", 7},
		{"2025-09-30", Workday, true, "", 7},
		{"2025-10-01", Holiday, false, "国庆节、中秋节", 0},
		{"2025-10-04", Holiday, false, "国庆节、中秋节", 0}, // a Saturday inside the block
		{"2025-10-06", Holiday, false, "国庆节、中秋节", 0}, // 中秋 itself
		{"2025-10-08", Holiday, false, "国庆节、中秋节", 0},
		{"2025-10-09", Workday, true, "", 7},
		{"2025-10-11", AdjustedWorkday, true, "国庆节、中秋节", 7}, // Saturday worked
		{"2025-10-12", Weekend, false, "", 0},
		// Spot checks of the other notices.
		{"2024-02-09", Workday, true, "", 7}, // 2024 除夕 was only "encouraged" off
		{"2024-02-18", AdjustedWorkday, true, "春节", 7},
		{"2024-06-08", Holiday, false, "端午节", 0}, // "与周末连休"
		{"2025-01-28", Holiday, false, "春节", 0},  // 除夕 off under the 2024 revision
		{"2025-05-02", Holiday, false, "劳动节", 0},
		{"2026-01-04", AdjustedWorkday, true, "元旦", 7},
		{"2026-02-23", Holiday, false, "春节", 0},
		{"2026-10-10", AdjustedWorkday, true, "国庆节", 7},
		// Outside the data: plain Mon–Fri.
		{"2027-01-01", Workday, true, "", 7},
		{"2023-12-30", Weekend, false, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			// Any time of the day names the same date.
			d := c.Day(at(t, tt.date).Add(23 * time.Hour))
			if d.Kind != tt.kind || d.Working != tt.working || d.Name != tt.name || d.WorkingHours != tt.hours {
				t.Errorf("Day(%s) = {%s working=%v %q %gh}, want {%s working=%v %q %gh}",
					tt.date, d.Kind, d.Working, d.Name, d.WorkingHours, tt.kind, tt.working, tt.name, tt.hours)
			}
			if !d.Date.Equal(at(t, tt.date)) {
				t.Errorf("Date = %v, want local midnight", d.Date)
			}
			if tt.working && len(d.Segments) != 2 {
				t.Errorf("Segments = %v, want 2", d.Segments)
			}
		})
	}
}

func TestCalendar_Day_segments(t *testing.T) {
	c := mustDefault(t)
	d := c.Day(at(t, "2025-10-11"))
	want := []Interval{
		{at(t, "2025-10-11 08:30"), at(t, "2025-10-11 12:00")},
		{at(t, "2025-10-11 14:00"), at(t, "2025-10-11 17:30")},
	}
	if len(d.Segments) != len(want) {
		t.Fatalf("Segments = %v", d.Segments)
	}
	for i := range want {
		if !d.Segments[i].Start.Equal(want[i].Start) || !d.Segments[i].End.Equal(want[i].End) {
			t.Errorf("segment %d = %v, want %v", i, d.Segments[i], want[i])
		}
	}
}

// TestCalendar_Month_totals checks each year's count of working days, which
// the press reports alongside each notice (2024: 251, 2025: 248, 2026: 248),
// and that Elapsed over the year agrees with the day list.
func TestCalendar_Month_totals(t *testing.T) {
	c := mustDefault(t)
	for year, want := range map[int]int{2024: 251, 2025: 248, 2026: 248} {
		days, hours := 0, 0.0
		for m := time.January; m <= time.December; m++ {
			for _, d := range c.Month(year, m) {
				if d.Working {
					days++
					hours += d.WorkingHours
				}
			}
		}
		if days != want {
			t.Errorf("%d: %d working days, want %d", year, days, want)
		}
		from, to := at(t, fmt.Sprintf("%d-01-01", year)), at(t, fmt.Sprintf("%d-01-01", year+1))
		if got := c.Elapsed(from, to, WorkingHours); got != time.Duration(hours*float64(time.Hour)) {
			t.Errorf("%d: Elapsed over the year = %v, want %gh", year, got, hours)
		}
	}
}

func TestCalendar_Days(t *testing.T) {
	c := mustDefault(t)
	tests := []struct {
		from, to string
		n        int
	}{
		{"2025-10-01 09:00", "2025-10-08 23:59", 8},
		{"2025-10-01 00:00", "2025-10-01 00:00", 1},
		{"2025-12-30 12:00", "2026-01-02 12:00", 4}, // crosses into the next file
		{"2026-12-31 12:00", "2027-01-02 12:00", 3}, // crosses out of the data
		{"2024-02-28 12:00", "2024-03-01 12:00", 3}, // leap day
		{"2025-10-02 12:00", "2025-10-01 12:00", 0},
	}
	for _, tt := range tests {
		t.Run(tt.from+".."+tt.to, func(t *testing.T) {
			days := c.Days(at(t, tt.from), at(t, tt.to))
			if len(days) != tt.n {
				t.Fatalf("got %d days, want %d", len(days), tt.n)
			}
			for i := 1; i < len(days); i++ {
				if got := days[i].Date.Sub(days[i-1].Date); got != 24*time.Hour {
					t.Errorf("day %d follows the previous by %v", i, got)
				}
			}
		})
	}
	if got := len(c.Month(2024, time.February)); got != 29 {
		t.Errorf("Month(2024, Feb) has %d days", got)
	}
}

// calendarJSON builds a one-year file; edit tweaks the parts before printing.
func calendarJSON(year int, edit func(f map[string]string)) []byte {
	f := map[string]string{
		"timezone": `"Asia/Shanghai"`,
		"holidays": fmt.Sprintf(`[{"date": "%d-10-01", "name_zh": "国庆节", "name_en": "National Day"}]`, year),
		"workdays": fmt.Sprintf(`[{"date": "%d-10-11", "name_zh": "国庆节"}]`, year),
		"schedule": `{"segments": ["08:30-12:00", "14:00-17:30"]}`,
	}
	if edit != nil {
		edit(f)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `{"year": %d`, year)
	for _, k := range []string{"timezone", "holidays", "workdays", "schedule", "extra"} {
		if v, ok := f[k]; ok {
			fmt.Fprintf(&b, ", %q: %s", k, v)
		}
	}
	b.WriteString("}")
	return []byte(b.String())
}

func TestParse_rejects(t *testing.T) {
	tests := []struct {
		name  string
		files [][]byte
		want  string // substring of the message
	}{
		{"no files", nil, "no calendar files"},
		{"both holiday and workday", [][]byte{calendarJSON(2025, func(f map[string]string) {
			f["workdays"] = `[{"date": "2025-10-11", "name_zh": "国庆节"}, {"date": "2025-10-04", "name_zh": "国庆节"}]`
			f["holidays"] = `[{"date": "2025-10-04", "name_zh": "国庆节"}]`
		})}, "file 1: 2025-10-04 is both a holiday and an adjusted workday"},
		{"date in another year", [][]byte{calendarJSON(2025, func(f map[string]string) {
			f["holidays"] = `[{"date": "2026-01-01", "name_zh": "元旦"}]`
		})}, "2026-01-01 is not in year 2025"},
		{"bad date", [][]byte{calendarJSON(2025, func(f map[string]string) {
			f["holidays"] = `[{"date": "2025-02-30", "name_zh": "x"}]`
		})}, `bad date "2025-02-30"`},
		{"unpadded date", [][]byte{calendarJSON(2025, func(f map[string]string) {
			f["holidays"] = `[{"date": "2025-1-01", "name_zh": "元旦"}]`
		})}, `bad date "2025-1-01"`},
		{"duplicate holiday", [][]byte{calendarJSON(2025, func(f map[string]string) {
			f["holidays"] = `[{"date": "2025-10-01", "name_zh": "x"}, {"date": "2025-10-01", "name_zh": "x"}]`
		})}, "2025-10-01 listed twice"},
		{"missing name", [][]byte{calendarJSON(2025, func(f map[string]string) {
			f["holidays"] = `[{"date": "2025-10-01", "name_en": "National Day"}]`
		})}, "has no name_zh"},
		{"workday on a weekday", [][]byte{calendarJSON(2025, func(f map[string]string) {
			f["workdays"] = `[{"date": "2025-10-10", "name_zh": "国庆节"}]`
		})}, "2025-10-10 is a Friday, not a weekend"},
		{"segments out of order", [][]byte{calendarJSON(2025, func(f map[string]string) {
			f["schedule"] = `{"segments": ["14:00-17:30", "08:30-12:00"]}`
		})}, "overlaps or precedes"},
		{"segments overlap", [][]byte{calendarJSON(2025, func(f map[string]string) {
			f["schedule"] = `{"segments": ["08:30-12:00", "11:30-17:30"]}`
		})}, "overlaps or precedes"},
		{"segment backwards", [][]byte{calendarJSON(2025, func(f map[string]string) {
			f["schedule"] = `{"segments": ["12:00-08:30"]}`
		})}, "ends before it starts"},
		{"bad segment", [][]byte{calendarJSON(2025, func(f map[string]string) {
			f["schedule"] = `{"segments": ["8:30-12:00"]}`
		})}, `bad segment "8:30-12:00"`},
		{"24:00 start", [][]byte{calendarJSON(2025, func(f map[string]string) {
			f["schedule"] = `{"segments": ["24:00-24:00"]}`
		})}, "bad segment"},
		{"no segments", [][]byte{calendarJSON(2025, func(f map[string]string) {
			f["schedule"] = `{"segments": []}`
		})}, "at least one office segment"},
		{"season overlap", [][]byte{calendarJSON(2025, func(f map[string]string) {
			f["schedule"] = `{"segments": ["08:30-12:00"], "seasons": [
				{"name": "summer", "from": "05-01", "to": "09-30", "segments": ["08:00-12:00"]},
				{"name": "autumn", "from": "09-30", "to": "10-31", "segments": ["09:00-12:00"]}]}`
		})}, `seasons "summer" and "autumn" overlap on 09-30`},
		{"bad season day", [][]byte{calendarJSON(2025, func(f map[string]string) {
			f["schedule"] = `{"segments": ["08:30-12:00"], "seasons": [{"name": "s", "from": "04-31", "to": "09-30", "segments": ["08:00-12:00"]}]}`
		})}, `bad month-day "04-31"`},
		{"unknown field", [][]byte{calendarJSON(2025, func(f map[string]string) {
			f["extra"] = `[]`
		})}, "malformed JSON"},
		{"not JSON", [][]byte{[]byte("year: 2025")}, "file 1: malformed JSON"},
		{"trailing data", [][]byte{append(calendarJSON(2025, nil), "{}"...)}, "trailing data"},
		{"year out of range", [][]byte{calendarJSON(99, nil)}, "year 99 out of range"},
		{"no timezone", [][]byte{calendarJSON(2025, func(f map[string]string) { delete(f, "timezone") })}, "timezone is required"},
		{"unknown timezone", [][]byte{calendarJSON(2025, func(f map[string]string) { f["timezone"] = `"Mars/Olympus"` })}, "unknown timezone"},
		{"timezones differ", [][]byte{calendarJSON(2025, nil), calendarJSON(2026, func(f map[string]string) { f["timezone"] = `"UTC"` })}, "file 2: timezone"},
		{"year twice", [][]byte{calendarJSON(2025, nil), calendarJSON(2025, nil)}, "file 2: year 2025 given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.files...)
			if err == nil {
				t.Fatalf("Parse accepted it: %v", c.Years())
			}
			if !errs.Is(err, errs.KindInvalid) {
				t.Errorf("kind = %v, want invalid (%v)", errs.KindOf(err), err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestParse_errorNamesDate(t *testing.T) {
	_, err := Parse(calendarJSON(2025, func(f map[string]string) {
		f["workdays"] = `[{"date": "2025-10-04", "name_zh": "国庆节"}]`
		f["holidays"] = `[{"date": "2025-10-04", "name_zh": "国庆节"}]`
	}))
	e, ok := errs.As(err)
	if !ok {
		t.Fatalf("not an *errs.Error: %v", err)
	}
	if e.Details["file"] != "file 1" || e.Details["date"] != "2025-10-04" {
		t.Errorf("Details = %v", e.Details)
	}
}

func TestParse_seasons(t *testing.T) {
	c, err := Parse(calendarJSON(2025, func(f map[string]string) {
		f["schedule"] = `{"segments": ["08:30-12:00", "14:00-17:30"], "seasons": [
			{"name": "summer", "from": "05-01", "to": "09-30", "segments": ["08:30-12:00", "14:30-18:00"]},
			{"name": "midwinter", "from": "12-20", "to": "01-10", "segments": ["09:00-12:00", "13:30-17:00"]}]}`
	}))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		start      string
		hours      float64
		want       string
		wantLength float64
	}{
		{"summer afternoon starts 14:30", "2025-07-01 12:30", 1, "2025-07-01 15:30", 7},
		{"summer ends 18:00", "2025-09-30 17:00", 1, "2025-09-30 18:00", 7},
		{"default from October", "2025-10-09 17:00", 1, "2025-10-10 09:00", 7},
		{"wrapping season in January", "2025-01-06 08:00", 3.5, "2025-01-06 14:00", 6.5},
		{"wrapping season in December", "2025-12-22 12:00", 0.5, "2025-12-22 14:00", 6.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Deadline(at(t, tt.start), Limit{Amount: tt.hours, Unit: WorkingHours})
			if !got.Equal(at(t, tt.want)) {
				t.Errorf("Deadline = %v, want %s", got, tt.want)
			}
			if d := c.Day(at(t, tt.start)); d.WorkingHours != tt.wantLength {
				t.Errorf("WorkingHours = %g, want %g", d.WorkingHours, tt.wantLength)
			}
		})
	}
	// DayLength follows the default segments, not the season in force.
	if got := c.DayLength(); got != 7*time.Hour {
		t.Errorf("DayLength() = %v", got)
	}
}

// Outside the covered years the schedule of the closest earlier year (or the
// first one) applies on plain Mon–Fri.
func TestCalendar_outsideYears(t *testing.T) {
	early := calendarJSON(2024, func(f map[string]string) {
		f["schedule"] = `{"segments": ["09:00-17:00"]}`
		f["workdays"] = `[]`
	})
	late := calendarJSON(2026, func(f map[string]string) {
		f["schedule"] = `{"segments": ["08:00-12:00"]}`
		f["workdays"] = `[]`
	})
	c, err := Parse(late, early)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Years(); !slices.Equal(got, []int{2024, 2026}) {
		t.Errorf("Years() = %v", got)
	}
	tests := []struct {
		date  string
		hours float64
	}{
		{"2023-03-01", 8}, // before: the first year's schedule
		{"2024-10-01", 0}, // covered holiday
		{"2025-10-01", 8}, // gap year: 2024's schedule, no holidays
		{"2026-03-02", 4},
		{"2030-03-01", 4}, // after: the last year's schedule
		{"2030-03-02", 0}, // a Saturday
	}
	for _, tt := range tests {
		if got := c.Day(at(t, tt.date)).WorkingHours; got != tt.hours {
			t.Errorf("%s: %gh, want %gh", tt.date, got, tt.hours)
		}
	}
	if got := c.DayLength(); got != 4*time.Hour {
		t.Errorf("DayLength() = %v, want the latest year's 4h", got)
	}
}
