package worktime

import (
	"math"
	"testing"
	"time"
)

func TestCalendar_Deadline(t *testing.T) {
	c := mustDefault(t)
	wh := func(h float64) Limit { return Limit{Amount: h, Unit: WorkingHours} }
	wd := func(d float64) Limit { return Limit{Amount: d, Unit: WorkingDays} }
	nh := func(h float64) Limit { return Limit{Amount: h, Unit: NaturalHours} }
	tests := []struct {
		name  string
		start string
		limit Limit
		want  string
	}{
		{"Friday afternoon into Monday", "2025-10-17 16:30", wh(2), "2025-10-20 09:30"},
		{"Friday before 端午 Monday goes to Tuesday", "2025-05-30 16:30", wh(2), "2025-06-03 09:30"},
		{"over National Day", "2025-09-30 16:30", wh(2), "2025-10-09 09:30"},
		{"into the 调休 Sunday", "2025-09-26 16:30", wh(2), "2025-09-28 09:30"},
		{"lunch start begins at 14:00", "2025-10-15 12:30", wh(1), "2025-10-15 15:00"},
		{"before office begins at 08:30", "2025-10-15 07:00", wh(1), "2025-10-15 09:30"},
		{"after office begins next morning", "2025-10-15 18:00", wh(1), "2025-10-16 09:30"},
		{"weekend start begins Monday", "2025-10-18 10:00", wh(1), "2025-10-20 09:30"},
		{"holiday start", "2025-10-03 10:00", wh(0.5), "2025-10-09 09:00"},
		{"morning spills over lunch", "2025-10-15 11:30", wh(1), "2025-10-15 14:30"},
		{"exactly to the segment end", "2025-10-15 16:30", wh(1), "2025-10-15 17:30"},
		{"exactly to noon", "2025-10-15 11:00", wh(1), "2025-10-15 12:00"},
		{"half an hour, 立案 window", "2025-10-15 09:10", wh(0.5), "2025-10-15 09:40"},
		{"zero limit", "2025-10-18 10:00", wh(0), "2025-10-18 10:00"},
		{"over New Year into a covered year", "2024-12-31 17:00", wh(1), "2025-01-02 09:00"},
		{"out of the data into plain Mon–Fri", "2026-12-31 17:00", wh(1), "2027-01-01 09:00"},

		{"natural hours ignore the calendar", "2025-09-30 16:30", nh(2), "2025-09-30 18:30"},
		{"natural half hour at night", "2025-10-01 23:50", nh(0.5), "2025-10-02 00:20"},
		{"natural 48h across a holiday", "2025-10-01 10:00", nh(48), "2025-10-03 10:00"},

		{"1 working day is the same time next working day", "2025-10-13 10:00", wd(1), "2025-10-14 10:00"},
		{"working day over a weekend", "2025-10-17 10:00", wd(1), "2025-10-20 10:00"},
		{"half a working day", "2025-10-13 08:30", wd(0.5), "2025-10-13 12:00"},
		{"3 working days over 春节 2025 with the 调休 Sunday", "2025-01-24 10:00", wd(3), "2025-02-05 10:00"},
		{"春节 2025 from 除夕 eve", "2025-01-27 10:00", wd(1), "2025-02-05 10:00"},
		{"1 working day from 2024 除夕 lands on the 调休 Sunday", "2024-02-09 10:00", wd(1), "2024-02-18 10:00"},
		{"2 working days over 春节 2026", "2026-02-13 10:00", wd(2), "2026-02-24 10:00"},
		{"5 working days (山东 12345) across 春节 2026", "2026-02-12 15:00", wd(5), "2026-02-26 15:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := at(t, tt.start)
			got := c.Deadline(start, tt.limit)
			if !got.Equal(at(t, tt.want)) {
				t.Fatalf("Deadline(%s, %v) = %s, want %s", tt.start, tt.limit, got.Format("2006-01-02 15:04 Mon"), tt.want)
			}
			if got.Location() != c.Location() {
				t.Errorf("location = %v", got.Location())
			}
			// Elapsed is Deadline's inverse.
			if tt.limit.Amount > 0 {
				if e := c.Elapsed(start, got, tt.limit.Unit); e != tt.limit.Duration(c) {
					t.Errorf("Elapsed back = %v, want %v", e, tt.limit.Duration(c))
				}
			}
		})
	}
}

func TestCalendar_Elapsed(t *testing.T) {
	c := mustDefault(t)
	tests := []struct {
		name       string
		start, end string
		unit       Unit
		want       time.Duration
	}{
		{"Friday to Monday", "2025-10-17 16:30", "2025-10-20 09:30", WorkingHours, 2 * time.Hour},
		{"a whole office day", "2025-10-15 00:00", "2025-10-16 00:00", WorkingHours, 7 * time.Hour},
		{"lunch only", "2025-10-15 12:10", "2025-10-15 13:50", WorkingHours, 0},
		{"the National Day block", "2025-10-01 00:00", "2025-10-09 00:00", WorkingHours, 0},
		{"October 2025", "2025-10-01 00:00", "2025-11-01 00:00", WorkingHours, 126 * time.Hour},
		{"working days count the same time", "2025-10-13 10:00", "2025-10-14 10:00", WorkingDays, 7 * time.Hour},
		{"natural", "2025-10-01 10:00", "2025-10-03 10:00", NaturalHours, 48 * time.Hour},
		{"end before start", "2025-10-15 10:00", "2025-10-15 09:00", WorkingHours, 0},
		{"empty", "2025-10-15 10:00", "2025-10-15 10:00", NaturalHours, 0},
		{"uncovered years", "2030-03-01 00:00", "2030-03-08 00:00", WorkingHours, 35 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Elapsed(at(t, tt.start), at(t, tt.end), tt.unit); got != tt.want {
				t.Errorf("Elapsed = %v, want %v", got, tt.want)
			}
		})
	}
}

// Instants given in another zone are read on the calendar's clock.
func TestCalendar_Deadline_otherZone(t *testing.T) {
	c := mustDefault(t)
	start := time.Date(2025, 10, 17, 8, 30, 0, 0, time.UTC) // 16:30 in Beijing
	got := c.Deadline(start, Limit{Amount: 2, Unit: WorkingHours})
	if want := at(t, "2025-10-20 09:30"); !got.Equal(want) {
		t.Errorf("Deadline = %v, want %v", got, want)
	}
}

func TestLimit_Duration(t *testing.T) {
	c := mustDefault(t)
	tests := []struct {
		limit Limit
		want  time.Duration
	}{
		{Limit{0.5, NaturalHours}, 30 * time.Minute},
		{Limit{4, WorkingHours}, 4 * time.Hour},
		{Limit{1, WorkingDays}, 7 * time.Hour},
		{Limit{15, WorkingDays}, 105 * time.Hour},
		{Limit{0.1, WorkingHours}, 6 * time.Minute},
		{Limit{1e12, WorkingDays}, math.MaxInt64},
		{Limit{math.NaN(), WorkingHours}, 0},
	}
	for _, tt := range tests {
		if got := tt.limit.Duration(c); got != tt.want {
			t.Errorf("%v.Duration = %v, want %v", tt.limit, got, tt.want)
		}
	}
	if got := (Limit{2, WorkingDays}).Duration(nil); got != 14*time.Hour {
		t.Errorf("Duration(nil) = %v, want 14h", got)
	}
}

// A time zone with daylight saving exercises the slow path of the day walk:
// office segments stay on the wall clock, so 00:00–03:00 on the autumn
// change lasts four real hours and on the spring change two.
func TestCalendar_daylightSaving(t *testing.T) {
	if _, err := time.LoadLocation("Europe/Berlin"); err != nil {
		t.Skip("no tz database:", err)
	}
	// The two change-over Sundays are made working days.
	c, err := Parse([]byte(`{"year": 2025, "timezone": "Europe/Berlin", "holidays": [],
		"workdays": [{"date": "2025-03-30", "name_zh": "x"}, {"date": "2025-10-26", "name_zh": "x"}],
		"schedule": {"segments": ["00:00-03:00", "09:00-17:00"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	loc := c.Location()
	tests := []struct {
		name    string
		start   time.Time
		hours   float64
		want    time.Time
		dayHour float64
	}{
		{"spring", time.Date(2025, 3, 29, 12, 0, 0, 0, loc), 3, time.Date(2025, 3, 30, 10, 0, 0, 0, loc), 10},
		{"autumn", time.Date(2025, 10, 25, 12, 0, 0, 0, loc), 5, time.Date(2025, 10, 26, 10, 0, 0, 0, loc), 12},
		{"the day after", time.Date(2025, 10, 24, 16, 0, 0, 0, loc), 14, time.Date(2025, 10, 27, 1, 0, 0, 0, loc), 11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := Limit{Amount: tt.hours, Unit: WorkingHours}
			got := c.Deadline(tt.start, l)
			if !got.Equal(tt.want) {
				t.Errorf("Deadline = %v, want %v", got, tt.want)
			}
			if e := c.Elapsed(tt.start, got, WorkingHours); e != l.Duration(c) {
				t.Errorf("Elapsed = %v, want %v", e, l.Duration(c))
			}
			if d := c.Day(tt.want); d.WorkingHours != tt.dayHour {
				t.Errorf("WorkingHours on %s = %g, want %g", d.Date.Format(time.DateOnly), d.WorkingHours, tt.dayHour)
			}
		})
	}
	// Every day's segments sit on the wall clock, whatever the offset.
	for _, d := range c.Days(time.Date(2025, 3, 24, 0, 0, 0, 0, loc), time.Date(2025, 11, 3, 0, 0, 0, 0, loc)) {
		for _, s := range d.Segments {
			if h, m, _ := s.Start.Clock(); m != 0 || (h != 0 && h != 9) {
				t.Errorf("%s: segment starts at %v", d.Date.Format(time.DateOnly), s.Start)
			}
		}
	}
}

func BenchmarkDeadline(b *testing.B) {
	c := mustDefault(b)
	start := at(b, "2025-09-26 16:30")
	for _, l := range []Limit{{1, WorkingHours}, {5, WorkingDays}, {15, WorkingDays}, {24, NaturalHours}} {
		b.Run(l.String(), func(b *testing.B) {
			for b.Loop() {
				c.Deadline(start, l)
			}
		})
	}
}

func BenchmarkElapsed(b *testing.B) {
	c := mustDefault(b)
	start, end := at(b, "2025-09-26 16:30"), at(b, "2025-10-31 10:00")
	for b.Loop() {
		c.Elapsed(start, end, WorkingHours)
	}
}
