package jobs_test

import (
	"testing"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/jobs"
)

// FuzzParseSchedule: any text either fails as Invalid or gives a schedule
// whose Spec reads back to itself and whose Next moves forward.
func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"every 30s", "every 1h30m", "daily 02:30", "monthly 31 08:00", "monthly 1 08:00 +workdays",
		"every 6h +workdays", "daily 9:05", "monthly 29 23:59", "every 0s", "daily 24:00", "+workdays", "every 1e9s"} {
		f.Add(s)
	}
	cal, sh := city(f)
	points := []time.Time{
		time.Date(2024, 2, 28, 23, 59, 59, 0, sh),
		time.Date(2026, 2, 14, 9, 0, 0, 0, sh),
		time.Date(2026, 12, 31, 23, 0, 0, 0, sh),
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := jobs.ParseSchedule(text, sh, cal)
		if err != nil {
			if !errs.Is(err, errs.KindInvalid) {
				t.Fatalf("ParseSchedule(%q) = %v, want an Invalid error", text, err)
			}
			return
		}
		again, err := jobs.ParseSchedule(s.Spec(), sh, cal)
		if err != nil || again.Spec() != s.Spec() {
			t.Fatalf("Spec %q of %q does not read back: %v", s.Spec(), text, err)
		}
		if s.String() == "" {
			t.Fatalf("%q has no description", text)
		}
		for _, p := range points {
			n := s.Next(p)
			if !n.After(p) {
				t.Fatalf("%q: Next(%v) = %v", text, p, n)
			}
			if m := again.Next(p); !m.Equal(n) {
				t.Fatalf("%q and its spec disagree: %v vs %v", text, n, m)
			}
		}
	})
}
