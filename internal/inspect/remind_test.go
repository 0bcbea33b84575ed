package inspect

import (
	"encoding/hex"
	"testing"
	"time"

	"cityloop/internal/worktime"
)

func TestOverdue(t *testing.T) {
	cal := testCalendar(t)
	p := testPlan(10, 4, 3, 2)
	drawnAt := time.Date(2026, 9, 28, 2, 0, 0, 0, time.UTC) // Monday 10:00 in Beijing, before 国庆
	res, err := Run(p, seedOf(7))
	if err != nil {
		t.Fatal(err)
	}
	drawn := *p
	drawn.Status, drawn.ResultDays = StatusDrawn, 5
	drawn.Draw = &Draw{Seed: hex.EncodeToString(seedOf(7)), DrawnAt: drawnAt, Result: res}
	drawn.Draw.Assignments[1].Outcome = &Outcome{Object: res.Assignments[1].Object.ID, Kind: OutcomePassed}
	by := cal.Deadline(drawnAt, worktime.Limit{Amount: 5, Unit: worktime.WorkingDays})
	if by.Sub(drawnAt) < 9*24*time.Hour {
		t.Fatalf("5 working days across 国庆 end at %s, too soon", by)
	}
	for _, tc := range []struct {
		name string
		plan *Plan
		now  time.Time
		want int
	}{
		{"a draft is never overdue", p, by.Add(time.Hour), 0},
		{"within the working days", &drawn, by.Add(-time.Minute), 0},
		{"past them: the two without an outcome", &drawn, by.Add(time.Minute), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs, _ := Overdue(tc.plan, tc.now, cal)
			if len(objs) != tc.want {
				t.Fatalf("%d overdue, want %d: %+v", len(objs), tc.want, objs)
			}
			for _, o := range objs {
				if o.ID == res.Assignments[1].Object.ID {
					t.Fatal("an object with its outcome is overdue")
				}
			}
		})
	}
}
