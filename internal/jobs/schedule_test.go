package jobs_test

import (
	"strings"
	"testing"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/jobs"
	"cityloop/internal/worktime"
)

// city returns the embedded working calendar and its zone, Asia/Shanghai
// (UTC+8 all year, no DST).
func city(t testing.TB) (*worktime.Calendar, *time.Location) {
	t.Helper()
	cal, err := worktime.Default()
	if err != nil {
		t.Fatal(err)
	}
	return cal, cal.Location()
}

// local reads "2006-01-02 15:04:05" in loc.
func local(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04:05", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSchedule_Next(t *testing.T) {
	cal, sh := city(t)
	wd := func(s jobs.Schedule) jobs.Schedule { return jobs.OnWorkingDays(s, cal) }
	for _, tt := range []struct {
		name        string
		s           jobs.Schedule
		after, want string // Shanghai wall clock
	}{
		{"every 30s mid-slot", jobs.Every(30 * time.Second), "2026-03-02 10:00:05", "2026-03-02 10:00:30"},
		{"every 30s strictly after", jobs.Every(30 * time.Second), "2026-03-02 10:00:30", "2026-03-02 10:01:00"},
		{"every 1h on the full hour", jobs.Every(time.Hour), "2026-03-02 10:59:59", "2026-03-02 11:00:00"},
		{"every 6h at UTC multiples", jobs.Every(6 * time.Hour), "2026-03-02 08:00:00", "2026-03-02 14:00:00"},
		{"daily later today", jobs.Daily(2, 30, sh), "2026-03-02 01:00:00", "2026-03-02 02:30:00"},
		{"daily strictly after", jobs.Daily(2, 30, sh), "2026-03-02 02:30:00", "2026-03-03 02:30:00"},
		{"daily over the new year", jobs.Daily(2, 30, sh), "2025-12-31 23:00:00", "2026-01-01 02:30:00"},
		{"daily midnight", jobs.Daily(0, 0, sh), "2026-02-28 23:59:59", "2026-03-01 00:00:00"},
		{"monthly next month", jobs.Monthly(1, 8, 0, sh), "2026-01-01 08:00:00", "2026-02-01 08:00:00"},
		{"monthly over the year end", jobs.Monthly(1, 8, 0, sh), "2026-12-15 00:00:00", "2027-01-01 08:00:00"},
		{"monthly 31 clipped to February", jobs.Monthly(31, 8, 0, sh), "2026-01-31 08:00:00", "2026-02-28 08:00:00"},
		{"monthly 31 after the clipped one", jobs.Monthly(31, 8, 0, sh), "2026-02-28 08:00:00", "2026-03-31 08:00:00"},
		{"monthly 31 in April", jobs.Monthly(31, 8, 0, sh), "2026-04-01 00:00:00", "2026-04-30 08:00:00"},
		{"monthly 29 in a leap year", jobs.Monthly(29, 8, 0, sh), "2024-02-01 00:00:00", "2024-02-29 08:00:00"},
		{"monthly 30 clipped to Feb 29", jobs.Monthly(30, 8, 0, sh), "2024-02-01 00:00:00", "2024-02-29 08:00:00"},
		{"monthly 29 in a common year", jobs.Monthly(29, 8, 0, sh), "2026-02-01 00:00:00", "2026-02-28 08:00:00"},
		{"monthly 29 after Feb 29", jobs.Monthly(29, 8, 0, sh), "2024-02-29 08:00:00", "2024-03-29 08:00:00"},
		{"workdays on a working day", wd(jobs.Daily(9, 0, sh)), "2026-03-02 08:00:00", "2026-03-02 09:00:00"},
		{"workdays over a weekend", wd(jobs.Daily(9, 0, sh)), "2026-03-06 10:00:00", "2026-03-09 09:00:00"},
		{"workdays on a 调休 Saturday", wd(jobs.Daily(9, 0, sh)), "2026-02-13 09:00:00", "2026-02-14 09:00:00"},
		{"workdays over the Spring Festival", wd(jobs.Daily(9, 0, sh)), "2026-02-14 09:00:00", "2026-02-24 09:00:00"},
		{"workdays from inside the Spring Festival", wd(jobs.Daily(9, 0, sh)), "2026-02-18 12:00:00", "2026-02-24 09:00:00"},
		{"workdays after the moved one", wd(jobs.Daily(9, 0, sh)), "2026-02-24 09:00:00", "2026-02-25 09:00:00"},
		{"workdays monthly 15 in the Spring Festival", wd(jobs.Monthly(15, 8, 0, sh)), "2026-02-01 00:00:00", "2026-02-24 08:00:00"},
		{"workdays monthly 1 in National Day week", wd(jobs.Monthly(1, 8, 0, sh)), "2026-09-15 00:00:00", "2026-10-08 08:00:00"},
		{"workdays monthly 1 from inside the holiday", wd(jobs.Monthly(1, 8, 0, sh)), "2026-10-03 00:00:00", "2026-10-08 08:00:00"},
		{"workdays monthly 1 on a Sunday", wd(jobs.Monthly(1, 8, 0, sh)), "2026-10-08 08:00:00", "2026-11-02 08:00:00"},
		{"workdays every 6h onto the 调休 Saturday", wd(jobs.Every(6 * time.Hour)), "2026-02-13 20:00:00", "2026-02-14 02:00:00"},
		{"workdays every 6h over the holiday", wd(jobs.Every(6 * time.Hour)), "2026-02-14 20:00:00", "2026-02-24 02:00:00"},
		{"workdays every 6h on the day after", wd(jobs.Every(6 * time.Hour)), "2026-02-24 02:00:00", "2026-02-24 08:00:00"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := jobs.Validate(tt.s); err != nil {
				t.Fatal(err)
			}
			after := local(t, sh, tt.after)
			got := tt.s.Next(after)
			if want := local(t, sh, tt.want); !got.Equal(want) {
				t.Fatalf("%s: Next(%s) = %s, want %s", tt.s.Spec(), tt.after, got.In(sh), want)
			}
			// The same instant in another zone must give the same answer.
			if again := tt.s.Next(after.UTC()); !again.Equal(got) {
				t.Fatalf("Next of the same instant in UTC = %v, want %v", again, got)
			}
		})
	}
}

// TestSchedule_WorkdaysYear walks 2026 and checks that a working-day
// schedule is due exactly on the calendar's working days, once each.
func TestSchedule_WorkdaysYear(t *testing.T) {
	cal, sh := city(t)
	for _, tt := range []struct {
		name    string
		s       jobs.Schedule
		perDay  int
		monthly bool
	}{
		{"daily 09:00", jobs.OnWorkingDays(jobs.Daily(9, 0, sh), cal), 1, false},
		{"every 12h", jobs.OnWorkingDays(jobs.Every(12*time.Hour), cal), 2, false},
		{"monthly 1", jobs.OnWorkingDays(jobs.Monthly(1, 8, 0, sh), cal), 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			from := local(t, sh, "2025-12-31 23:59:59")
			end := local(t, sh, "2027-01-01 00:00:00")
			perDay := map[string]int{}
			months := map[time.Month]int{}
			prev := from
			for d := tt.s.Next(from); d.Before(end); d = tt.s.Next(d) {
				if !d.After(prev) {
					t.Fatalf("Next went from %v to %v", prev, d)
				}
				prev = d
				if !cal.Day(d).Working {
					t.Fatalf("due on %v, not a working day", d.In(sh))
				}
				perDay[d.In(sh).Format("2006-01-02")]++
				months[d.In(sh).Month()]++
			}
			if tt.monthly {
				for m := time.January; m <= time.December; m++ {
					if months[m] != 1 {
						t.Errorf("%s: due %d times, want once", m, months[m])
					}
				}
				return
			}
			working := 0
			for _, day := range cal.Days(from.Add(time.Second), end.Add(-time.Second)) {
				if day.Working {
					working++
					if n := perDay[day.Date.Format("2006-01-02")]; n != tt.perDay {
						t.Errorf("%s: due %d times, want %d", day.Date.Format("2006-01-02"), n, tt.perDay)
					}
				}
			}
			if len(perDay) != working {
				t.Errorf("due on %d days, the calendar has %d working days", len(perDay), working)
			}
		})
	}
}

func TestSchedule_String(t *testing.T) {
	cal, sh := city(t)
	for _, tt := range []struct {
		s          jobs.Schedule
		spec, text string
	}{
		{jobs.Every(90 * time.Second), "every 1m30s", "每 1m30s / every 1m30s"},
		{jobs.Daily(2, 30, sh), "daily 02:30", "每天 02:30（Asia/Shanghai） / daily at 02:30 (Asia/Shanghai)"},
		{jobs.Monthly(1, 8, 0, sh), "monthly 1 08:00", "每月 1 日 08:00（Asia/Shanghai） / monthly on day 1 at 08:00 (Asia/Shanghai)"},
		{jobs.Monthly(31, 8, 0, sh), "monthly 31 08:00",
			"每月 31 日 08:00，当月无此日则取月末（Asia/Shanghai） / monthly on day 31 at 08:00, or the month's last day (Asia/Shanghai)"},
		{jobs.OnWorkingDays(jobs.Daily(9, 0, sh), cal), "daily 09:00 +workdays",
			"每天 09:00（Asia/Shanghai），遇节假日顺延至下一工作日 / daily at 09:00 (Asia/Shanghai), moved to the next working day when not one"},
	} {
		t.Run(tt.spec, func(t *testing.T) {
			if tt.s.Spec() != tt.spec {
				t.Errorf("Spec() = %q, want %q", tt.s.Spec(), tt.spec)
			}
			// A host without the tz database names the zone CST instead.
			if sh.String() == "Asia/Shanghai" && tt.s.String() != tt.text {
				t.Errorf("String() = %q, want %q", tt.s.String(), tt.text)
			}
		})
	}
}

func TestParseSchedule(t *testing.T) {
	cal, sh := city(t)
	for _, tt := range []struct {
		text, spec string
	}{
		{"every 30s", "every 30s"},
		{"every 1h30m", "every 1h30m0s"},
		{"  Every   5m ", "every 5m0s"},
		{"daily 02:30", "daily 02:30"},
		{"daily 2:30", "daily 02:30"},
		{"DAILY 23:59", "daily 23:59"},
		{"monthly 1 08:00", "monthly 1 08:00"},
		{"monthly 31 00:00", "monthly 31 00:00"},
		{"daily 09:00 +workdays", "daily 09:00 +workdays"},
		{"monthly 1 08:00 +WORKDAYS", "monthly 1 08:00 +workdays"},
		{"every 6h +workdays", "every 6h0m0s +workdays"},
	} {
		t.Run(tt.text, func(t *testing.T) {
			s, err := jobs.ParseSchedule(tt.text, sh, cal)
			if err != nil {
				t.Fatal(err)
			}
			if s.Spec() != tt.spec {
				t.Fatalf("Spec() = %q, want %q", s.Spec(), tt.spec)
			}
		})
	}
	for _, tt := range []struct {
		name, text string
		loc        *time.Location
		cal        *worktime.Calendar
		want       string // in the message
	}{
		{"empty", "  ", sh, cal, "empty"},
		{"unknown word", "weekly 1 08:00", sh, cal, "not a schedule"},
		{"every without interval", "every", sh, cal, "not a schedule"},
		{"bad duration", "every soon", sh, cal, "not a duration"},
		{"interval too short", "every 10ms", sh, cal, "interval"},
		{"negative interval", "every -5s", sh, cal, "interval"},
		{"interval too long", "every 9000h", sh, cal, "interval"},
		{"hour 24", "daily 24:00", sh, cal, "time of day"},
		{"minute 60", "daily 10:60", sh, cal, "time of day"},
		{"no colon", "daily 0230", sh, cal, "time of day"},
		{"one-digit minute", "daily 2:3", sh, cal, "time of day"},
		{"day 0", "monthly 0 08:00", sh, cal, "day of the month"},
		{"day 32", "monthly 32 08:00", sh, cal, "day of the month"},
		{"day not a number", "monthly first 08:00", sh, cal, "day of the month"},
		{"extra words", "daily 02:30 please", sh, cal, "not a schedule"},
		{"workdays twice", "daily 02:30 +workdays +workdays", sh, cal, "not a schedule"},
		{"daily without zone", "daily 02:30", nil, cal, "time zone"},
		{"workdays without calendar", "daily 02:30 +workdays", sh, nil, "working calendar"},
		{"too long", "every " + strings.Repeat("1", 80) + "s", sh, cal, "at most"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := jobs.ParseSchedule(tt.text, tt.loc, tt.cal)
			if !errs.Is(err, errs.KindInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseSchedule(%q) = %v, want an Invalid error about %q", tt.text, err, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	cal, sh := city(t)
	for _, tt := range []struct {
		name string
		s    jobs.Schedule
	}{
		{"nil", nil},
		{"every 0", jobs.Every(0)},
		{"daily 25:00", jobs.Daily(25, 0, sh)},
		{"daily without zone", jobs.Daily(1, 0, nil)},
		{"monthly 0", jobs.Monthly(0, 8, 0, sh)},
		{"monthly minute -1", jobs.Monthly(1, 8, -1, sh)},
		{"workdays without calendar", jobs.OnWorkingDays(jobs.Daily(9, 0, sh), nil)},
		{"workdays of nothing", jobs.OnWorkingDays(nil, cal)},
		{"workdays of a bad schedule", jobs.OnWorkingDays(jobs.Every(-time.Second), cal)},
		{"workdays twice", jobs.OnWorkingDays(jobs.OnWorkingDays(jobs.Daily(9, 0, sh), cal), cal)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := jobs.Validate(tt.s); !errs.Is(err, errs.KindInvalid) {
				t.Fatalf("Validate = %v, want Invalid", err)
			}
			if tt.s != nil && !tt.s.Next(time.Now()).IsZero() {
				t.Fatalf("an invalid schedule has a next due time")
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	for _, tt := range []struct {
		attempt int
		want    time.Duration
	}{
		{-1, 10 * time.Second},
		{0, 10 * time.Second},
		{1, 10 * time.Second},
		{2, 20 * time.Second},
		{3, 40 * time.Second},
		{6, 320 * time.Second},
		{7, 640 * time.Second},
		{8, jobs.BackoffCap},
		{64, jobs.BackoffCap},
		{1 << 30, jobs.BackoffCap},
	} {
		if got := jobs.Backoff(tt.attempt); got != tt.want {
			t.Errorf("Backoff(%d) = %v, want %v", tt.attempt, got, tt.want)
		}
	}
}
