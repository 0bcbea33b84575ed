package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/geo"
	"cityloop/internal/org"
	"cityloop/internal/store/sqlstore"
	"cityloop/internal/worktime"
)

// Benchmarks print their figures as metrics; nothing here asserts a time.
//
//	go test ./internal/store/sqlstore -run '^$' -bench . -benchtime 20000x
//	CITYLOOP_TEST_POSTGRES_URL=postgres://… go test … (adds the PostgreSQL rows)

var benchStreets = func() []string {
	s := make([]string, 20)
	for i := range s {
		s[i] = fmt.Sprintf("3301%02d001", i+1)
	}
	return s
}()

// benchStatuses is a realistic mix: most cases of a year are closed.
var benchStatuses = []struct {
	s casework.Status
	w int
}{
	{casework.StatusClosed, 70}, {casework.StatusInDisposal, 8}, {casework.StatusPendingAccept, 4},
	{casework.StatusPendingDispatch, 4}, {casework.StatusDispatched, 3}, {casework.StatusPendingCheck, 3},
	{casework.StatusPendingClose, 2}, {casework.StatusRejected, 2}, {casework.StatusVoided, 1},
	{casework.StatusSuspended, 1}, {casework.StatusReturned, 1}, {casework.StatusMerged, 1},
}

func pickStatus(r *rand.Rand) casework.Status {
	n := r.IntN(100)
	for _, s := range benchStatuses {
		if n < s.w {
			return s.s
		}
		n -= s.w
	}
	return casework.StatusClosed
}

// benchCase is a realistic case reported at `at`, as intake makes it.
func benchCase(r *rand.Rand, at time.Time) *casework.Case {
	street := benchStreets[r.IntN(len(benchStreets))]
	community := fmt.Sprintf("%s%03d", street, r.IntN(8)+1)
	grid := fmt.Sprintf("%s%02d", community, r.IntN(12)+1)
	status := pickStatus(r)
	cat := catalog.Ref{Kind: catalog.Event, Code: fmt.Sprintf("%02d%02d", r.IntN(9)+1, r.IntN(9)+1)}
	due, warn := at.Add(4*time.Hour), at.Add(3*time.Hour+12*time.Minute)
	c := &casework.Case{
		ID: uuid.Must(uuid.NewV7()).String(), Status: status, Source: casework.SourcePatrol, Category: &cat,
		Condition: 1, Urgency: catalog.Normal, Description: "机动车乱停放，占用人行道，影响通行", Address: "人民路 12 号附近",
		Point: geo.Point{Lng: 120.1 + r.Float64()*0.2, Lat: 30.2 + r.Float64()*0.2},
		Grid:  grid, Community: community, Street: street, District: street[:6],
		Department: fmt.Sprintf("dept-%d", r.IntN(30)), ReporterID: "acc-supervisor", Reporter: "王五",
		Photos: []string{"3f1c9a7e2b8d4c6f0a1e5b7d9c3f2a4e6b8d0c2f4a6e8b0d2c4f6a8e0b2d4c6f"}, AfterPhotos: []string{},
		Stage:      "dispatch",
		StageClock: &worktime.Clock{Start: at, Limit: worktime.Limit{Amount: 4, Unit: worktime.WorkingHours}},
		CaseClock:  &worktime.Clock{Start: at, Limit: worktime.Limit{Amount: 5, Unit: worktime.WorkingDays}},
		StageDue:   &due, StageWarn: &warn, ReportedAt: at, UpdatedAt: at,
	}
	if status.Terminal() {
		c.Stage, c.StageClock, c.CaseClock, c.StageDue, c.StageWarn = "", nil, nil, nil, nil
		closed := at.Add(time.Duration(r.IntN(72)) * time.Hour)
		c.ClosedAt = &closed
	}
	return c
}

func reportEvent(c *casework.Case) []casework.Event {
	return []casework.Event{{Action: casework.ActReport, To: c.Status, Actor: c.ReporterID, Name: c.Reporter,
		Post: org.PostSupervisor, At: c.ReportedAt, Note: c.Description, Photos: c.Photos, Point: &c.Point,
		Data: map[string]any{"source": "patrol"}}}
}

// BenchmarkCreateCase measures intake: 64 goroutines calling CreateCase (a
// case and its report event) at once: group commit with multi-row INSERTs
// (PostgreSQL's default), group commit with a savepoint per case (SQLite's
// default), and a transaction per case in each caller's goroutine, which
// is the floor the group commits are compared with: after the benchmark
// lines a table gives each mode's rate as a multiple of it, per store.
//
//	CITYLOOP_TEST_POSTGRES_URL=postgres://… go test ./internal/store/sqlstore -run '^$' -bench 'CreateCase$' -benchtime 20000x
func BenchmarkCreateCase(b *testing.B) {
	type store struct {
		name string
		open func(testing.TB) *sqlstore.DB
	}
	stores := []store{{"sqlite", mustOpenSQLite}}
	if os.Getenv(postgresEnv) != "" {
		stores = append(stores, store{"postgres", mustOpenPostgres})
	}
	modes := []struct {
		name   string
		fast   bool
		direct bool
	}{{"group-commit-rows", true, false}, {"group-commit-savepoints", false, false}, {"tx-per-case", false, true}}
	results := map[string]createRun{}
	for _, st := range stores {
		for _, mode := range modes {
			b.Run(st.name+"/"+mode.name, func(b *testing.B) {
				db := st.open(b)
				db.SetFastIntake(mode.fast)
				create := db.CreateCase
				if mode.direct {
					create = db.CreateCaseDirect
				}
				results[st.name+"/"+mode.name] = benchCreate(b, create)
			})
		}
	}
	var t strings.Builder
	fmt.Fprintf(&t, "\n%-34s %10s %9s %14s\n", "store/mode", "cases/s", "p99 ms", "× tx-per-case")
	for _, st := range stores {
		floor := results[st.name+"/tx-per-case"]
		for _, mode := range modes {
			r, ok := results[st.name+"/"+mode.name]
			if !ok || r.rate == 0 || floor.rate == 0 {
				continue
			}
			fmt.Fprintf(&t, "%-34s %10.0f %9.1f %13.1f×\n", st.name+"/"+mode.name, r.rate, r.p99ms, r.rate/floor.rate)
		}
	}
	fmt.Print(t.String()) // a table, after the benchmark lines
}

// createRun is what one benchCreate measured.
type createRun struct{ rate, p99ms float64 }

func benchCreate(b *testing.B, create func(context.Context, *casework.Case, []casework.Event) error) createRun {
	const clients = 64
	b.SetParallelism((clients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	var (
		mu   sync.Mutex
		lats []time.Duration
		seed uint64
	)
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		seed++
		r := rand.New(rand.NewPCG(seed, 7))
		mu.Unlock()
		var mine []time.Duration
		for pb.Next() {
			c := benchCase(r, base.Add(time.Duration(r.IntN(3600))*time.Second))
			start := time.Now()
			if err := create(context.Background(), c, reportEvent(c)); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(start))
		}
		mu.Lock()
		lats = append(lats, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	slices.Sort(lats)
	pct := func(p float64) float64 {
		if len(lats) == 0 {
			return 0
		}
		return float64(lats[min(len(lats)-1, int(p*float64(len(lats))))].Microseconds()) / 1000
	}
	rate := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "cases/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
	return createRun{rate: rate, p99ms: pct(0.99)}
}

// BenchmarkBulkCreateCases measures the demo loader: 10,000 cases with 7
// events each per op.
func BenchmarkBulkCreateCases(b *testing.B) {
	db := mustOpenSQLite(b)
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	const n = 10_000
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		cases, events := make([]*casework.Case, n), make([][]casework.Event, n)
		for i := range cases {
			cases[i] = benchCase(r, base.Add(time.Duration(i)*time.Minute))
			events[i] = slices.Repeat(reportEvent(cases[i]), 7)
		}
		b.StartTimer()
		if err := db.BulkCreateCases(context.Background(), cases, events); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "cases/s")
}

// fixtureVersion names the cached 1,000,000-case file; change it when the
// schema or the generator changes.
const fixtureVersion = "v2"

const fixtureCases = 1_000_000

// benchFixture returns a store of 1,000,000 cases over a year, built once
// with BulkCreateCases into a file under os.TempDir() and reused by later
// runs (a copy is not needed: the benchmarks only read).
func benchFixture(b *testing.B) *sqlstore.DB {
	ctx := context.Background()
	path := filepath.Join(os.TempDir(), "cityloop-bench-"+fixtureVersion+".db")
	if _, err := os.Stat(path); err != nil {
		tmp := path + ".building"
		os.Remove(tmp)
		os.Remove(tmp + "-wal")
		os.Remove(tmp + "-shm")
		db, err := sqlstore.Open(ctx, "sqlite:"+tmp)
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		fillFixture(b, db)
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
		b.Logf("built %s with %d cases in %s", path, fixtureCases, time.Since(start).Round(time.Second))
	}
	db, err := sqlstore.Open(ctx, "sqlite:"+path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	if n, err := db.CountCases(ctx); err != nil || n != fixtureCases {
		b.Fatalf("fixture %s has %d cases (%v); delete it to rebuild", path, n, err)
	}
	return db
}

// benchFixturePostgres is benchFixture on PostgreSQL, in a schema
// cl_bench_<version> that is kept between runs.
func benchFixturePostgres(b *testing.B) *sqlstore.DB {
	ctx := context.Background()
	base := postgresURL(b)
	schema := "cl_bench_" + fixtureVersion
	admin, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
		b.Fatal(err)
	}
	db, err := sqlstore.Open(ctx, withSearchPath(b, base, schema))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	if n, err := db.CountCases(ctx); err != nil {
		b.Fatal(err)
	} else if n != fixtureCases {
		if n != 0 {
			b.Fatalf("schema %s has %d cases; drop it to rebuild", schema, n)
		}
		start := time.Now()
		fillFixture(b, db)
		if _, err := admin.ExecContext(ctx, "VACUUM ANALYZE "+schema+".cases"); err != nil {
			b.Fatal(err)
		}
		b.Logf("built schema %s with %d cases in %s", schema, fixtureCases, time.Since(start).Round(time.Second))
	}
	return db
}

// fillFixture bulk-loads fixtureCases cases over a year, oldest first.
func fillFixture(b *testing.B, db *sqlstore.DB) {
	r := rand.New(rand.NewPCG(2026, 3))
	end := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	const chunk = 50_000
	for done := 0; done < fixtureCases; done += chunk {
		cases := make([]*casework.Case, chunk)
		for i := range cases {
			// about 31 s apart: one year
			at := end.Add(-time.Duration(fixtureCases-done-i) * 31 * time.Second)
			cases[i] = benchCase(r, at)
		}
		if err := db.BulkCreateCases(context.Background(), cases, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFindCasesStreetStatus lists page 1 (50 cases, with the total) of
// a street's cases in a store of 1,000,000, the query behind a street
// chief's work list.
func BenchmarkFindCasesStreetStatus(b *testing.B) {
	stores := []struct {
		name string
		open func(*testing.B) *sqlstore.DB
	}{{"sqlite", benchFixture}}
	if os.Getenv(postgresEnv) != "" {
		stores = append(stores, struct {
			name string
			open func(*testing.B) *sqlstore.DB
		}{"postgres", benchFixturePostgres})
	}
	ctx := context.Background()
	open := []casework.Status{casework.StatusPendingAccept, casework.StatusPendingDispatch, casework.StatusDispatched,
		casework.StatusInDisposal, casework.StatusReturned, casework.StatusPendingCheck, casework.StatusPendingClose}
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			db := st.open(b)
			for _, tc := range []struct {
				name string
				f    casework.Filter
			}{
				{"street+in_disposal", casework.Filter{Statuses: []casework.Status{casework.StatusInDisposal}}},
				{"street+closed", casework.Filter{Statuses: []casework.Status{casework.StatusClosed}}},
				{"street+7_open_statuses", casework.Filter{Statuses: open}},
				{"street_only", casework.Filter{}},
				{"street+in_disposal+red", casework.Filter{Statuses: []casework.Status{casework.StatusInDisposal}, Light: worktime.Red, Now: now}},
				{"street+in_disposal+page_10", casework.Filter{Statuses: []casework.Status{casework.StatusInDisposal}, Offset: 450}},
			} {
				b.Run(tc.name, func(b *testing.B) {
					f := tc.f
					f.RegionLevel = org.LevelStreet
					// Warm the caches once per street; a server's are warm.
					for _, street := range benchStreets {
						f.Region = street
						if _, _, err := db.FindCases(ctx, f); err != nil {
							b.Fatal(err)
						}
					}
					total := 0
					for i := 0; b.Loop(); i++ {
						f.Region = benchStreets[i%len(benchStreets)]
						list, n, err := db.FindCases(ctx, f)
						if err != nil {
							b.Fatal(err)
						}
						if len(list) == 0 {
							b.Fatalf("no cases for %+v", f)
						}
						total = n
					}
					b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
					b.ReportMetric(float64(total), "total")
				})
			}
		})
	}
}
