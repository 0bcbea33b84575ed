package jobstore_test

import (
	"cityloop/internal/store/sqlkit/sqlkittest"
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for the schema set-up

	"cityloop/internal/jobs"
	"cityloop/internal/jobs/jobstest"
	"cityloop/internal/store/jobstore"
	"cityloop/internal/worktime"
)

const postgresEnv = "CITYLOOP_TEST_POSTGRES_URL"

// mustOpen opens and migrates a store on dsn, closed at cleanup.
func mustOpen(t *testing.T, dsn string) *jobstore.DB {
	t.Helper()
	db, err := jobstore.Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// sqliteDSN is a fresh database file.
func sqliteDSN(t *testing.T) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "jobs.db")
}

func postgresDSN(t *testing.T) string { return sqlkittest.PostgresDSN(t, "cl_jobs", "the jobs store") }

// dialects lists how each test gets a fresh database of each dialect.
var dialects = []struct {
	name string
	dsn  func(t *testing.T) string
}{
	{"sqlite", sqliteDSN},
	{"postgres", postgresDSN},
}

func TestContract(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			jobstest.Run(t, func(t *testing.T) jobs.Store { return mustOpen(t, d.dsn(t)) })
		})
	}
}

// TestExactlyOnce_TwoNodes: two runners, each with its own store handle
// (own pools, as two processes would have) on one database, tick together
// over several due times of five jobs; each due time runs exactly once.
func TestExactlyOnce_TwoNodes(t *testing.T) {
	cal, err := worktime.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			dsn := d.dsn(t)
			a, b := mustOpen(t, dsn), mustOpen(t, dsn)
			jobstest.ExactlyOnce(t, []jobs.Store{a, b}, cal.Location(), 120)
		})
	}
}

// TestCrashRecovery_TwoNodes: due times claimed by a node that then dies
// are run again by the live nodes once its lease has run out.
func TestCrashRecovery_TwoNodes(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			dsn := d.dsn(t)
			jobstest.CrashRecovery(t, []jobs.Store{mustOpen(t, dsn), mustOpen(t, dsn)}, 60)
		})
	}
}

// TestHold_Takeover: two runners on one database, each with its own
// handle; one holds a worker's lease, the other takes over after the first
// stops renewing it.
func TestHold_Takeover(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			dsn := d.dsn(t)
			jobstest.Takeover(t, [2]jobs.Store{mustOpen(t, dsn), mustOpen(t, dsn)})
		})
	}
}

// TestClaimJob_Race: many claimers of one due job at the same instant, on
// separate handles; exactly one gets it.
func TestClaimJob_Race(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			dsn := d.dsn(t)
			stores := []*jobstore.DB{mustOpen(t, dsn), mustOpen(t, dsn), mustOpen(t, dsn)}
			if err := stores[0].EnsureJob(ctx, "race", "every 1m0s", now, now); err != nil {
				t.Fatal(err)
			}
			const claimers = 9
			var wg sync.WaitGroup
			wins := make(chan jobs.Claim, claimers)
			errc := make(chan error, claimers)
			for i := range claimers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c, ok, err := stores[i%len(stores)].ClaimJob(ctx, "race", "node", now, now.Add(time.Minute))
					if err != nil {
						errc <- err
					}
					if ok {
						wins <- c
					}
				}()
			}
			wg.Wait()
			close(wins)
			close(errc)
			for err := range errc {
				t.Error(err)
			}
			if n := len(wins); n != 1 {
				t.Fatalf("%d claims won, want 1", n)
			}
		})
	}
}

func TestMigrate_Idempotent(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			db := mustOpen(t, d.dsn(t))
			if err := db.Migrate(context.Background()); err != nil {
				t.Fatalf("second migrate: %v", err)
			}
			var n int
			if err := db.ReadPool().QueryRow(`SELECT COUNT(*) FROM ` + jobstore.VersionTable).Scan(&n); err != nil || n < 2 {
				t.Fatalf("%s has %d rows (%v); want goose's own and ours", jobstore.VersionTable, n, err)
			}
		})
	}
}
