package app

import (
	"context"
	"testing"
	"time"

	"cityloop/internal/bulletin"
	"cityloop/internal/org"
)

// BenchmarkBulletin prints, on the 100,000-case demo city, the time to
// produce (count, rank, render HTML, PDF and XLSX, archive) the city's
// bulletin of its last full month, one district's, and the demo's
// backfill (the city's last DemoMonths months).
//
//	go test -run '^$' -bench Bulletin -benchtime 5x ./internal/app/
func BenchmarkBulletin(b *testing.B) {
	a := demoApp(b)
	svc := a.api.Bulletins.(*bulletin.Service)
	ctx := context.Background()
	now := a.Now().In(a.Cal.Location())
	last := time.Date(now.Year(), now.Month(), 1, 12, 0, 0, 0, a.Cal.Location()).AddDate(0, -1, 0)
	city := a.World.Atlas().City().Code
	district := a.World.Atlas().Regions(org.LevelDistrict)[0].Code
	for _, tc := range []struct{ name, scope string }{{"month/city", city}, {"month/district", district}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := svc.Produce(ctx, bulletin.Month, last, tc.scope, "bench"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("demo-backfill", func(b *testing.B) {
		for b.Loop() {
			start := time.Now()
			n, err := svc.Backfill(ctx, bulletin.DemoMonths, false)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(n), "bulletins")
			b.ReportMetric(time.Since(start).Seconds(), "s/backfill")
		}
	})
}
