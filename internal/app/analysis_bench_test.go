package app

import (
	"context"
	"testing"
	"time"

	"cityloop/internal/analysis"
	"cityloop/internal/org"
)

// BenchmarkAnalysis_DemoCity times the analysis queries on the demo city
// (100,000 cases over a year; see demoApp), in ms per call, as the leader
// sees them: the heat map over a month for the city and for one district,
// and the forecast with its backtest for one district and for the city.
//
//	go test -run '^$' -bench Analysis_DemoCity -benchtime 5x ./internal/app/
func BenchmarkAnalysis_DemoCity(b *testing.B) {
	a := demoApp(b)
	ctx := context.Background()
	leader := org.Actor{ID: "bench-leader", Grants: []org.Grant{{Post: org.PostLeader}}}
	district := a.World.Atlas().Regions(org.LevelDistrict)[0].Code
	now := a.Now()
	month := analysis.Params{From: now.AddDate(0, -1, 0), To: now}
	svc := a.api.Analysis
	for _, bc := range []struct {
		name string
		run  func() (int, error)
	}{
		{"heat-month-city", func() (int, error) {
			h, err := svc.Heat(ctx, leader, month)
			return h.Total, err
		}},
		{"heat-month-district", func() (int, error) {
			p := month
			p.Region = district
			h, err := svc.Heat(ctx, leader, p)
			return h.Total, err
		}},
		{"hour-of-week-month-city", func() (int, error) {
			h, err := svc.HourOfWeek(ctx, leader, month)
			return h.Total, err
		}},
		{"forecast-district", func() (int, error) {
			f, err := svc.Forecast(ctx, leader, analysis.Params{Region: district}, time.Time{})
			return f.Cells, err
		}},
		{"forecast-city", func() (int, error) {
			f, err := svc.Forecast(ctx, leader, analysis.Params{}, time.Time{})
			return f.Cells, err
		}},
		{"targets-year-city", func() (int, error) {
			t, err := svc.Targets(ctx, leader, analysis.Params{From: time.Date(now.Year(), 1, 1, 0, 0, 0, 0, a.Cal.Location()), To: now})
			return t.Incidence.Count, err
		}},
		{"recurrence-quarter-city", func() (int, error) {
			r, err := svc.RecurrenceHotspots(ctx, leader, analysis.Params{From: now.AddDate(0, -3, 0), To: now})
			return len(r.Items), err
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var n int
			start := time.Now()
			for i := 0; i < b.N; i++ {
				var err error
				if n, err = bc.run(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/op")
			b.ReportMetric(float64(n), "items")
		})
	}
}
