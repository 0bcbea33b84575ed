package storetest

import (
	"context"
	"testing"
	"time"

	"cityloop/internal/casework"
)

// testClosedWindow: Filter.ClosedFrom and ClosedTo keep the cases closed in
// [ClosedFrom, ClosedTo), whatever day they were reported (the big
// screen's 今日结案), and leave open cases out.
func testClosedWindow(t *testing.T, s Store) {
	ctx := context.Background()
	day := time.Date(t0.Year(), t0.Month(), t0.Day(), 0, 0, 0, 0, cst)
	mk := func(reported time.Time, closed *time.Time) *casework.Case {
		c := newCase(reported)
		if closed != nil {
			c.Status, c.ClosedAt = casework.StatusClosed, closed
			c.StageDue, c.StageWarn = nil, nil
		}
		mustCreate(t, s, c, 1)
		return c
	}
	early := mk(day.AddDate(0, 0, -20), ptr(day.Add(time.Minute))) // reported weeks ago, closed today
	edge := mk(day.AddDate(0, 0, -1), ptr(day))                    // closed at midnight: today
	_ = mk(day.AddDate(0, 0, -2), ptr(day.Add(-time.Microsecond))) // closed yesterday
	_ = mk(day.Add(time.Hour), nil)                                // reported today, open
	late := mk(day.Add(2*time.Hour), ptr(day.Add(23*time.Hour)))   // closed late today
	_ = mk(day.Add(3*time.Hour), ptr(day.AddDate(0, 0, 1)))        // closed tomorrow: outside
	tomorrow := day.AddDate(0, 0, 1)
	tests := []struct {
		name     string
		from, to *time.Time
		want     int
		ids      []string
	}{
		{"today", &day, &tomorrow, 3, []string{early.ID, edge.ID, late.ID}},
		{"since today", &day, nil, 4, nil},
		{"before today", nil, &day, 1, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list, total, err := s.FindCases(ctx, casework.Filter{ClosedFrom: tc.from, ClosedTo: tc.to, Limit: 50})
			if err != nil {
				t.Fatalf("find: %v", err)
			}
			if total != tc.want || len(list) != tc.want {
				t.Fatalf("total %d, %d listed; want %d", total, len(list), tc.want)
			}
			for _, id := range tc.ids {
				if findByID(list, id) == nil {
					t.Errorf("case %s closed in the window is missing", id)
				}
			}
		})
	}
}
