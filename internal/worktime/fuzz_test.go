package worktime

import (
	"errors"
	"math"
	"testing"
	"time"

	"cityloop/internal/errs"
)

func FuzzParse(f *testing.F) {
	for _, name := range []string{"data/2024.json", "data/2025.json", "data/2026.json"} {
		b, err := dataFS.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(calendarJSON(2025, func(m map[string]string) {
		m["schedule"] = `{"segments": ["00:00-24:00"], "seasons": [{"name": "w", "from": "11-01", "to": "02-29", "segments": ["09:00-12:00"]}]}`
	}))
	f.Add([]byte(`{"year": 2025}`))
	f.Add([]byte(`{"year": 2025, "timezone": "UTC", "schedule": {"segments": ["08:00-09:00", "09:00-10:00"]}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.KindInvalid {
				t.Fatalf("error is not KindInvalid: %v", err)
			}
			return
		}
		// An accepted calendar must be usable for its whole year.
		years := c.Years()
		if len(years) != 1 {
			t.Fatalf("Years() = %v", years)
		}
		from := time.Date(years[0], 1, 1, 0, 0, 0, 0, c.Location())
		days := c.Days(from, from.AddDate(1, 0, -1))
		if len(days) < 365 {
			t.Fatalf("%d days in %d", len(days), years[0])
		}
		for _, d := range days {
			if d.Working != (d.Kind == Workday || d.Kind == AdjustedWorkday) {
				t.Fatalf("%v: kind %s working %v", d.Date, d.Kind, d.Working)
			}
		}
		if c.DayLength() <= 0 {
			t.Fatalf("DayLength() = %v", c.DayLength())
		}
		l := Limit{Amount: 3, Unit: WorkingDays}
		if got := c.Elapsed(from, c.Deadline(from, l), l.Unit); got != l.Duration(c) {
			t.Fatalf("round trip: %v, want %v", got, l.Duration(c))
		}
	})
}

// FuzzDeadlineElapsed checks that Elapsed undoes Deadline for working units.
func FuzzDeadlineElapsed(f *testing.F) {
	c := mustDefault(f)
	f.Add(at(f, "2025-10-17 16:30").Unix(), uint32(200), true)
	f.Add(at(f, "2025-09-30 12:31").Unix(), uint32(1), false)
	f.Add(at(f, "2026-12-31 23:59").Unix()+59, uint32(99999), true)
	f.Add(at(f, "2024-02-09 17:30").Unix(), uint32(0), false)
	// Seconds from 2023-07-01 to 2027-07-01 keep starts around the data and
	// across both of its edges.
	lo := at(f, "2023-07-01").Unix()
	span := at(f, "2027-07-01").Unix() - lo
	f.Fuzz(func(t *testing.T, sec int64, hundredths uint32, days bool) {
		start := time.Unix(lo+int64(math.Abs(float64(sec%span))), 0)
		l := Limit{Amount: float64(hundredths%100000) / 100, Unit: WorkingHours} // up to 1,000 h
		if days {
			l = Limit{Amount: float64(hundredths%10000) / 100, Unit: WorkingDays} // up to 100 days
		}
		due := c.Deadline(start, l)
		if due.Before(start) {
			t.Fatalf("Deadline(%v, %v) = %v is before the start", start, l, due)
		}
		got, want := c.Elapsed(start, due, l.Unit), l.Duration(c)
		if d := got - want; d < -time.Second || d > time.Second {
			t.Fatalf("Elapsed(%v, Deadline = %v) = %v, want %v (%v)", start, due, got, want, l)
		}
		// The deadline is inside office time unless nothing was to be counted.
		if want > 0 {
			day := c.Day(due)
			inside := false
			for _, s := range day.Segments {
				inside = inside || (due.After(s.Start) && !due.After(s.End))
			}
			if !inside {
				t.Fatalf("Deadline(%v, %v) = %v is outside office time", start, l, due)
			}
		}
	})
}
