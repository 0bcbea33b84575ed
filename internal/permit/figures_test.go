package permit

import (
	"testing"
	"time"

	"cityloop/internal/worktime"
)

func TestTurnaroundOf(t *testing.T) {
	cal, err := worktime.Default()
	if err != nil {
		t.Fatal(err)
	}
	mon := time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC) // Monday 09:00 in the city
	at := func(days int) *time.Time {
		x := cal.Add(mon, time.Duration(days)*cal.DayLength(), worktime.WorkingDays).UTC()
		return &x
	}
	due := *at(5)
	ps := []*Permit{
		{Status: StatusApproved, SubmittedAt: mon, DueAt: due, DecidedAt: at(2)},
		{Status: StatusRejected, SubmittedAt: mon, DueAt: due, DecidedAt: at(4)},
		{Status: StatusApproved, SubmittedAt: mon, DueAt: due, DecidedAt: at(6)},                                                                           // a day late
		{Status: StatusSubmitted, SubmittedAt: mon, DueAt: due},                                                                                            // not decided
		{Status: StatusApproved, SubmittedAt: mon.AddDate(0, -2, 0), DueAt: due, DecidedAt: func() *time.Time { x := mon.AddDate(0, -1, 0); return &x }()}, // before the period
	}
	got := TurnaroundOf(ps, cal, mon, mon.AddDate(0, 1, 0))
	if got.Decided != 3 || got.Granted != 2 || got.OnTime != 2 || *got.MeanWorkingDays != 4 || *got.OnTimeRate != 66.67 || *got.GrantRate != 66.67 {
		t.Fatalf("%+v mean %v on time %v grant %v", got, *got.MeanWorkingDays, *got.OnTimeRate, *got.GrantRate)
	}
	if empty := TurnaroundOf(nil, cal, mon, mon); empty.MeanWorkingDays != nil || empty.OnTimeRate != nil || empty.Formulas[0] == "" {
		t.Fatalf("%+v", empty)
	}
}
