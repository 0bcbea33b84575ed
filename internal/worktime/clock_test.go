package worktime

import (
	"math"
	"testing"
	"time"
)

func TestLightOf(t *testing.T) {
	h := time.Hour
	tests := []struct {
		name        string
		used, limit time.Duration
		want        Light
	}{
		{"79%", 79 * h, 100 * h, Green},
		{"80% is yellow", 80 * h, 100 * h, Yellow},
		{"just under 80%", 80*h - 1, 100 * h, Green},
		{"100% is still on time", 100 * h, 100 * h, Yellow},
		{"101%", 101 * h, 100 * h, Red},
		{"1ns over", 100*h + 1, 100 * h, Red},
		{"4 of 5 ns", 4, 5, Yellow},
		{"nothing used", 0, h, Green},
		{"negative used", -h, h, Green},
		{"no limit", 5 * h, 0, Green},
		{"huge values", math.MaxInt64 / 5 * 4, math.MaxInt64 / 5 * 5, Yellow},
		{"huge values, under", math.MaxInt64/5*4 - 1, math.MaxInt64 / 5 * 5, Green},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LightOf(tt.used, tt.limit); got != tt.want {
				t.Errorf("LightOf(%v, %v) = %s, want %s", tt.used, tt.limit, got, tt.want)
			}
		})
	}
}

func TestCalendar_Clock(t *testing.T) {
	c := mustDefault(t)
	ptr := func(s string) *time.Time { v := at(t, s); return &v }
	iv := func(a, b string) Interval { return Interval{at(t, a), at(t, b)} }
	eight := Limit{Amount: 8, Unit: WorkingHours}
	tests := []struct {
		name  string
		clock Clock
		now   string
		used  time.Duration
		due   string
		light Light
	}{
		{
			name:  "running",
			clock: Clock{Start: at(t, "2025-10-13 09:00"), Limit: eight},
			now:   "2025-10-13 15:00", used: 4 * time.Hour, due: "2025-10-14 10:00", light: Green,
		},
		{
			// Mon 09:00–Tue 09:00 runs 7h; the 挂账 Tue 09:00–Wed 09:00 takes 7
			// working hours off; the last hour runs Wed 09:00–10:00.
			name: "suspension in the middle",
			clock: Clock{Start: at(t, "2025-10-13 09:00"), Limit: eight,
				Paused: []Interval{iv("2025-10-14 09:00", "2025-10-15 09:00")}},
			now: "2025-10-15 09:30", used: 7*time.Hour + 30*time.Minute, due: "2025-10-15 10:00", light: Yellow,
		},
		{
			name: "still suspended: due as if resuming now",
			clock: Clock{Start: at(t, "2025-10-13 09:00"), Limit: eight,
				PausedSince: ptr("2025-10-14 09:00")},
			now: "2025-10-15 15:00", used: 7 * time.Hour, due: "2025-10-15 16:00", light: Yellow,
		},
		{
			name: "overdue after resuming",
			clock: Clock{Start: at(t, "2025-10-13 09:00"), Limit: eight,
				Paused: []Interval{iv("2025-10-14 09:00", "2025-10-15 09:00")}},
			now: "2025-10-16 09:00", used: 14 * time.Hour, due: "2025-10-15 10:00", light: Red,
		},
		{
			name: "a weekend pause gives back no working time",
			clock: Clock{Start: at(t, "2025-10-17 09:00"), Limit: eight,
				Paused: []Interval{iv("2025-10-17 17:30", "2025-10-20 08:30")}},
			now: "2025-10-20 10:00", used: 8 * time.Hour, due: "2025-10-20 10:00", light: Yellow,
		},
		{
			name: "overlapping pause records count once",
			clock: Clock{Start: at(t, "2025-10-13 09:00"), Limit: eight,
				Paused: []Interval{iv("2025-10-14 11:00", "2025-10-14 15:00"), iv("2025-10-14 09:00", "2025-10-14 12:00")}},
			now: "2025-10-14 16:00", used: 8 * time.Hour, due: "2025-10-14 16:00", light: Yellow,
		},
		{
			name: "budget spent before the pause",
			clock: Clock{Start: at(t, "2025-10-13 09:00"), Limit: Limit{Amount: 2, Unit: WorkingHours},
				Paused: []Interval{iv("2025-10-14 09:00", "2025-10-15 09:00")}},
			now: "2025-10-15 10:00", used: 8 * time.Hour, due: "2025-10-13 11:00", light: Red,
		},
		{
			name: "pause that began before the clock",
			clock: Clock{Start: at(t, "2025-10-13 09:00"), Limit: eight,
				Paused: []Interval{iv("2025-10-10 09:00", "2025-10-13 10:00")}},
			now: "2025-10-13 11:00", used: time.Hour, due: "2025-10-14 11:00", light: Green,
		},
		{
			// 延期 of one working day: 8h + 7h from Mon 09:00.
			name:  "extension",
			clock: Clock{Start: at(t, "2025-10-13 09:00"), Limit: eight, Extra: 7 * time.Hour},
			now:   "2025-10-14 15:00", used: 11 * time.Hour, due: "2025-10-15 10:00", light: Green,
		},
		{
			name: "natural clock with a pause",
			clock: Clock{Start: at(t, "2025-10-01 10:00"), Limit: Limit{Amount: 1, Unit: NaturalHours},
				Paused: []Interval{iv("2025-10-01 10:20", "2025-10-01 10:50")}},
			now: "2025-10-01 11:00", used: 30 * time.Minute, due: "2025-10-01 11:30", light: Green,
		},
		{
			name:  "working days across 春节 with a pause",
			clock: Clock{Start: at(t, "2025-01-24 10:00"), Limit: Limit{Amount: 3, Unit: WorkingDays}, Paused: []Interval{iv("2025-02-05 08:30", "2025-02-06 08:30")}},
			// Fri 5.5h, the 调休 Sunday 7h, Mon 7h, holiday, Wed paused, Thu 1.5h.
			now: "2025-02-06 10:00", used: 21 * time.Hour, due: "2025-02-06 10:00", light: Yellow,
		},
		{
			name:  "now before start",
			clock: Clock{Start: at(t, "2025-10-13 09:00"), Limit: eight},
			now:   "2025-10-12 09:00", used: 0, due: "2025-10-14 10:00", light: Green,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := at(t, tt.now)
			if got := c.Used(tt.clock, now); got != tt.used {
				t.Errorf("Used = %v, want %v", got, tt.used)
			}
			if got := c.Due(tt.clock, now); !got.Equal(at(t, tt.due)) {
				t.Errorf("Due = %s, want %s", got.Format("2006-01-02 15:04"), tt.due)
			}
			if got := c.LightAt(tt.clock, now); got != tt.light {
				t.Errorf("LightAt = %s, want %s", got, tt.light)
			}
		})
	}
}

func TestCalendar_Clock_noLimit(t *testing.T) {
	c := mustDefault(t)
	k := Clock{Start: at(t, "2025-10-13 09:00")}
	now := at(t, "2025-10-20 09:00")
	if got := c.Due(k, now); !got.IsZero() {
		t.Errorf("Due = %v, want zero", got)
	}
	if got := c.LightAt(k, now); got != Green {
		t.Errorf("LightAt = %s", got)
	}
}

// The lights at 79/80/100/101 % of a real clock.
func TestCalendar_LightAt_edges(t *testing.T) {
	c := mustDefault(t)
	k := Clock{Start: at(t, "2025-10-13 08:30"), Limit: Limit{Amount: 100, Unit: NaturalHours}}
	for pct, want := range map[int]Light{79: Green, 80: Yellow, 100: Yellow, 101: Red} {
		now := k.Start.Add(time.Duration(pct) * time.Hour)
		if got := c.LightAt(k, now); got != want {
			t.Errorf("%d%%: %s, want %s", pct, got, want)
		}
	}
}
