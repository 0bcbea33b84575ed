package sensingstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"cityloop/internal/sensing"
)

func mustOpen(t testing.TB, dsn string) *DB {
	t.Helper()
	db, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func dsns(t testing.TB) map[string]string {
	out := map[string]string{"sqlite": "sqlite:" + filepath.Join(t.TempDir(), "s.db")}
	if url := os.Getenv("CITYLOOP_TEST_POSTGRES_URL"); url != "" {
		schema := fmt.Sprintf("cl_sensing_%d_%d", time.Now().UnixNano(), rand.IntN(1e6))
		exec := func(q string) {
			db, err := sql.Open("pgx", url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		exec("CREATE SCHEMA " + schema)
		t.Cleanup(func() { exec("DROP SCHEMA " + schema + " CASCADE") })
		sep := "?"
		if strings.Contains(url, "?") {
			sep = "&"
		}
		out["postgres"] = url + sep + "search_path=" + schema
	} else {
		t.Log("CITYLOOP_TEST_POSTGRES_URL not set: testing SQLite only")
	}
	return out
}

func TestStore_ReadingsAndDownsampling(t *testing.T) {
	for name, dsn := range dsns(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := mustOpen(t, dsn)
			d := &sensing.Device{ID: "n1", Kind: sensing.KindNoise, Lng: 118.7, Lat: 32.0}
			if err := db.PutDevice(ctx, d); err != nil {
				t.Fatal(err)
			}
			t0 := time.Date(2024, 6, 10, 10, 0, 0, 0, time.UTC)
			var rs []sensing.Reading
			for i := 0; i < 180; i++ { // 3 hours, one a minute
				rs = append(rs, sensing.Reading{Device: "n1", TS: t0.Add(time.Duration(i) * time.Minute), Values: map[string]float64{"noise_db": float64(40 + i%10)}})
			}
			if err := db.AppendReadings(ctx, rs); err != nil {
				t.Fatal(err)
			}
			if err := db.AppendReadings(ctx, rs[:10]); err != nil { // redelivery is harmless
				t.Fatal(err)
			}
			if n, _ := db.CountReadings(ctx, "n1"); n != 180 {
				t.Fatalf("%d raw rows, want 180", n)
			}
			if err := db.Downsample(ctx, t0.Add(3*time.Hour)); err != nil {
				t.Fatal(err)
			}
			hours, err := db.Series(ctx, sensing.SeriesQuery{Device: "n1", Metric: "noise_db", Res: "hour", From: t0, To: t0.Add(3 * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			if len(hours) != 3 || hours[0].N != 60 || hours[0].Min != 40 || hours[0].Max != 49 || hours[0].Avg != 44.5 {
				t.Fatalf("hour aggregates %+v", hours)
			}
			if err := db.Prune(ctx, t0.Add(3*time.Hour), sensing.Retention{Raw: time.Hour, Minute: 2 * time.Hour, Hour: 1000 * time.Hour}); err != nil {
				t.Fatal(err)
			}
			if n, _ := db.CountReadings(ctx, "n1"); n != 60 {
				t.Fatalf("%d raw rows after pruning, want 60", n)
			}
			st := sensing.RuleState{Device: "n1", Rule: "noise-night", Phase: sensing.PhaseFiring, Since: t0, LastTS: t0, CaseID: "c1", Resolve: true}
			if err := db.SaveRuleStates(ctx, []sensing.RuleState{st}); err != nil {
				t.Fatal(err)
			}
			got, err := db.RuleStates(ctx)
			if err != nil || len(got) != 1 || got[0] != st {
				t.Fatalf("rule states %+v %v", got, err)
			}
			tr := &sensing.Track{ID: "t1", Camera: "c", Vendor: "dahua", Category: "event:0501", Cell: "11", Phase: sensing.TrackOpen,
				FirstAt: t0, LastAt: t0, Count: 3, CaseID: "k1", Outcome: sensing.OutcomeConfirmed}
			if err := db.PutTracks(ctx, []*sensing.Track{tr}); err != nil {
				t.Fatal(err)
			}
			rows, err := db.Tallies(ctx)
			if err != nil || len(rows) != 1 || rows[0].N != 1 || rows[0].Outcome != sensing.OutcomeConfirmed {
				t.Fatalf("tallies %+v %v", rows, err)
			}
		})
	}
}

// TestMigrations_SameTablesBothDialects keeps the two schema files in step.
func TestMigrations_SameTablesBothDialects(t *testing.T) {
	cols := func(dialect string) []string {
		files, err := fs.Glob(migrationsFS, "migrations/"+dialect+"/*.sql")
		if err != nil || len(files) < 2 {
			t.Fatalf("migrations of %s: %v %v", dialect, files, err)
		}
		var text strings.Builder
		for _, f := range files {
			b, err := migrationsFS.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			text.Write(b)
		}
		var out []string
		table := ""
		for _, line := range strings.Split(text.String(), "\n") {
			if m := regexp.MustCompile(`^CREATE TABLE (\w+)`).FindStringSubmatch(line); m != nil {
				table = m[1]
			} else if m := regexp.MustCompile(`^\s+(\w+)\s+[A-Z]`).FindStringSubmatch(line); m != nil && table != "" && m[1] != "PRIMARY" {
				out = append(out, table+"."+m[1])
			}
		}
		slices.Sort(out)
		return out
	}
	if a, b := cols("sqlite"), cols("postgres"); !slices.Equal(a, b) || len(a) < 40 {
		t.Fatalf("dialects differ:\n%v\n%v", a, b)
	}
}
