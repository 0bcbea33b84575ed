package communitystore_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"text/tabwriter"
	"time"

	"cityloop/internal/community"
	"cityloop/internal/demo"
	"cityloop/internal/geo"
	"cityloop/internal/merchant"
	"cityloop/internal/org"
	"cityloop/internal/store/communitystore"
)

// BenchmarkMerchants_DemoCity times the registry's reads on the demo
// city's 3,200 shops (one in ten with violations this year) against the
// floor of a bare 50-row SELECT on the same table, in the same run, on
// each database, and prints a table: min, p50 and p95 in ms and p50 over
// the floor. Run: go test -run '^$' -bench Merchants_DemoCity -benchtime 1x ./internal/store/communitystore/
func BenchmarkMerchants_DemoCity(b *testing.B) {
	for _, d := range dialects {
		b.Run(d.name, func(b *testing.B) {
			ctx := context.Background()
			db := mustOpen(b, d.dsn(b))
			now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
			at, err := org.NewAtlas(demo.Regions(1, now))
			if err != nil {
				b.Fatal(err)
			}
			ms := community.DemoMerchants(at, 1, community.DemoShops, now)
			start := time.Now()
			if err := db.CreateMerchants(ctx, ms); err != nil {
				b.Fatal(err)
			}
			create := time.Since(start)
			var vs []merchant.Violation
			for i := 0; i < len(ms); i += 10 {
				for k := 0; k <= i%7; k++ {
					vs = append(vs, merchant.Violation{MerchantID: ms[i].ID, CaseID: fmt.Sprintf("c%d-%d", i, k), CaseCode: "C", Category: "event:0504",
						Duty: merchant.DutyOrder, Points: 50, At: now, Year: 2026})
				}
			}
			if _, err := db.RecordViolations(ctx, vs); err != nil {
				b.Fatal(err)
			}
			box := ms[100].Zone.Bounds()
			pad := geo.Bounds{MinLng: box.MinLng - 0.0005, MinLat: box.MinLat - 0.0005, MaxLng: box.MaxLng + 0.0005, MaxLat: box.MaxLat + 0.0005}
			lo := 251
			queries := []struct {
				name string
				run  func() error
			}{
				{"floor: SELECT id FROM merchants LIMIT 50", func() error { return floor(db) }},
				{"list: first page of 50 with this year's tally", func() error {
					_, _, err := db.FindMerchants(ctx, merchant.Filter{Year: 2026, Limit: 50})
					return err
				}},
				{"list: grade C and D (deducted ≥ 251)", func() error {
					_, _, err := db.FindMerchants(ctx, merchant.Filter{Year: 2026, MinDeducted: &lo, Limit: 50})
					return err
				}},
				{"list: search by name", func() error {
					_, _, err := db.FindMerchants(ctx, merchant.Filter{Year: 2026, Query: "面馆", Limit: 50})
					return err
				}},
				{"one: contact opened, tally", func() error {
					_, err := db.FindMerchantByID(ctx, ms[500].ID, 2026)
					return err
				}},
				{"box around a case (linking)", func() error {
					_, err := db.FindMerchantsInBox(ctx, pad)
					return err
				}},
			}
			const rounds = 40
			p50 := make([]float64, len(queries))
			tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintf(tw, "\n%s: %d shops (registered in %s), %d violations\nquery\tmin ms\tp50 ms\tp95 ms\tp50 / floor\t\n", d.name, len(ms), create.Round(time.Millisecond), len(vs))
			for i, q := range queries {
				var lats []float64
				for r := 0; r < rounds; r++ {
					s := time.Now()
					if err := q.run(); err != nil {
						b.Fatal(err)
					}
					lats = append(lats, float64(time.Since(s).Microseconds())/1000)
				}
				slices.Sort(lats)
				p50[i] = lats[rounds/2]
				fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.2f\t%.1f×\t\n", q.name, lats[0], p50[i], lats[rounds*95/100], p50[i]/p50[0])
			}
			tw.Flush()
		})
	}
}

// floor reads 50 bare ids: the least a page of the registry costs.
func floor(db *communitystore.DB) error {
	rows, err := communitystore.RawQuery(db, `SELECT id FROM merchants LIMIT 50`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
	}
	return rows.Err()
}
