package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"cityloop/internal/bigscreen"
	"cityloop/internal/casework"
	"cityloop/internal/org"
)

// testCasesPerDay: the big screen's grouped count gives, per city day
// (UTC+8 here), the cases reported that day and the cases closed that day
// whenever they were reported, inside the scope asked for.
func testCasesPerDay(t *testing.T, s Store) {
	dc, ok := s.(bigscreen.DayCounter)
	if !ok {
		t.Fatalf("%T does not count cases per day (bigscreen.DayCounter)", s)
	}
	ctx := context.Background()
	day := time.Date(t0.Year(), t0.Month(), t0.Day(), 0, 0, 0, 0, cst)
	dayNo := func(d time.Time) int64 { return (d.Unix() + 8*3600) / 86400 }
	mk := func(district string, reported time.Time, closed *time.Time) {
		c := newCase(reported)
		c.District = district
		if closed != nil {
			c.Status, c.ClosedAt = casework.StatusClosed, closed
			c.StageDue, c.StageWarn = nil, nil
		}
		mustCreate(t, s, c, 1)
	}
	mk("3301", day.AddDate(0, 0, -20), ptr(day.Add(time.Minute)))               // long ago (before Since), closed today
	mk("3301", day.AddDate(0, 0, -1).Add(23*time.Hour), ptr(day))               // late yesterday, closed at midnight: today
	mk("3301", day.AddDate(0, 0, -1), ptr(day.Add(-time.Microsecond)))          // yesterday, closed yesterday
	mk("3301", day.Add(time.Hour), nil)                                         // today, open
	mk("3302", day.Add(2*time.Hour), ptr(day.Add(23*time.Hour+59*time.Minute))) // today, closed late today
	since := day.AddDate(0, 0, -1)
	today, yesterday := dayNo(day), dayNo(since)
	tests := []struct {
		name  string
		scope *casework.Scope
		want  bigscreen.DayCounts
	}{
		{"unscoped", nil, bigscreen.DayCounts{
			Reported: map[int64]int{yesterday: 2, today: 2},
			Closed:   map[int64]int{yesterday: 1, today: 3}}},
		{"one district", &casework.Scope{Regions: []casework.RegionScope{{Level: org.LevelDistrict, Code: "3302"}}}, bigscreen.DayCounts{
			Reported: map[int64]int{today: 1},
			Closed:   map[int64]int{today: 1}}},
		{"an empty scope", &casework.Scope{}, bigscreen.DayCounts{Reported: map[int64]int{}, Closed: map[int64]int{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := dc.CasesPerDay(ctx, bigscreen.DayQuery{Scope: tc.scope, Since: since, Offset: 8 * time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("per day (-want +got):\n%s", d)
			}
		})
	}
}
