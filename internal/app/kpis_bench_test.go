package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx", for the raw GROUP BY on PostgreSQL

	"cityloop/internal/casework"
	"cityloop/internal/config"
	"cityloop/internal/kpi"
	"cityloop/internal/org"
)

// BenchmarkKPIs prints, on the 100,000-case demo city, the time of GET
// /api/v1/kpis for one district over its last full month next to a plain
// GROUP BY over the raw cases of the same district and month, in the same
// run. The figures sum the rollups kept at write time (sqlstore's
// case_rollups); the GROUP BY is the floor they must beat, and
// sqlstore's BenchmarkRollups does the same at ten million cases. With
// CITYLOOP_TEST_POSTGRES_URL set, the same runs on PostgreSQL too (the
// demo is generated into a schema of its own first: a few minutes).
//
//	go test -run '^$' -bench KPIs -benchtime 20x ./internal/app/
func BenchmarkKPIs(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		a := demoApp(b)
		benchKPIs(b, a, "sqlite", strings.TrimPrefix(a.Cfg.DB, "sqlite:"))
	})
	if url := os.Getenv("CITYLOOP_TEST_POSTGRES_URL"); url != "" {
		b.Run("postgres", func(b *testing.B) {
			a := openBenchApp(b, func(c *config.Config) { c.DB = freshPostgres(b, url) })
			benchKPIs(b, a, "pgx", a.Cfg.DB)
		})
	}
}

func benchKPIs(b *testing.B, a *App, driver, dsn string) {
	base := serve(b, a)
	_, total, _ := a.Store.FindCases(context.Background(), casework.Filter{Now: a.Now(), Limit: 1})
	leader := login(b, base, "leader")
	district := a.World.Atlas().Regions(org.LevelDistrict)[0].Code
	now := a.Now().In(a.Cal.Location())
	// Midnight of the month's first day, as the API parses its dates (the
	// store tally below then asks for the same whole days).
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location())
	from, to := first.AddDate(0, -1, 0), first
	path := fmt.Sprintf("%s/api/v1/kpis?region=%s&from=%s&to=%s", base, district, from.Format("2006-01-02"), to.AddDate(0, 0, -1).Format("2006-01-02"))
	var items int
	b.Run("api-kpis-district-month", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			req, _ := http.NewRequest("GET", path, nil)
			req.Header.Set("Authorization", "Bearer "+leader.token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var out struct{ Items []json.RawMessage }
			err = json.NewDecoder(res.Body).Decode(&out)
			res.Body.Close()
			if err != nil || res.StatusCode != 200 {
				b.Fatalf("GET %s: %d %v", path, res.StatusCode, err)
			}
			items = len(out.Items)
		}
		b.ReportMetric(float64(items), "figures")
	})
	// The same tally without HTTP, JSON and the token check: the SQL's share.
	book := kpi.Default()
	sets, _, _ := kpi.Sets(book.InForce(from))
	b.Run("store-tally-district-month", func(b *testing.B) {
		f := casework.Filter{RegionLevel: org.LevelDistrict, Region: district, From: &from, To: &to}
		for i := 0; i < b.N; i++ {
			if _, err := a.Store.TallyCases(context.Background(), casework.TallyQuery{Filter: f, Sets: sets}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(sets)), "predicates")
	})
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	// The plain aggregate a report would run without the indicator book:
	// the district's month by status, straight from the cases table.
	q := `SELECT status, COUNT(*) FROM cases WHERE district = $1 AND reported_at >= $2 AND reported_at < $3 GROUP BY status`
	b.Run("raw-group-by-district-month", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			rows, err := raw.Query(q, district, from.UnixMicro(), to.UnixMicro())
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rows.Next() {
				var s string
				var c int64
				if err := rows.Scan(&s, &c); err != nil {
					b.Fatal(err)
				}
				n += int(c)
			}
			rows.Close()
			if n == 0 {
				b.Fatal("the raw GROUP BY found no case in the month")
			}
		}
	})
	b.Logf("%d cases; district %s, %s…%s", total, district, from.Format("2006-01-02"), to.AddDate(0, 0, -1).Format("2006-01-02"))
}
