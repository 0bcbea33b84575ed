package sqlstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/geo"
)

// BenchmarkWriteRollups prints what keeping the rollups costs the write
// path, with and without them in the same run on the same kind of store:
// intake (64 goroutines calling CreateCase, group-committed) and a
// transition (UpdateCase of a case through dispatch, disposal and closing,
// one after another, as the service writes them).
//
//	go test ./internal/store/sqlstore -run '^$' -bench WriteRollups -benchtime 1x
func BenchmarkWriteRollups(b *testing.B) {
	dialects := []string{DialectSQLite}
	if os.Getenv("CITYLOOP_TEST_POSTGRES_URL") != "" {
		dialects = append(dialects, DialectPostgres)
	}
	const intakeN, updateN = 8000, 1500
	for _, d := range dialects {
		b.Run(d, func(b *testing.B) {
			type result struct{ intake, update time.Duration }
			res := map[bool]*result{}
			for range b.N {
				// Alternate, so load on the machine falls on both alike.
				for _, off := range []bool{true, false, true, false} {
					db := openWriteBench(b, d)
					db.noRollups = off
					in := benchIntake(b, db, intakeN)
					up := benchTransitions(b, db, updateN)
					r := res[off]
					if r == nil || in < r.intake {
						res[off] = &result{intake: in, update: up}
						r = res[off]
					}
					r.update = min(r.update, up)
					db.Close()
				}
			}
			without, with := res[true], res[false]
			fmt.Printf("\n%s: write path with and without rollups (best of 2 each)\n", d)
			fmt.Printf("%-34s %14s %14s %10s\n", "write", "without", "with rollups", "cost")
			perCase := func(t time.Duration, n int) float64 { return float64(t.Microseconds()) / float64(n) }
			fmt.Printf("%-34s %11.0f/s %11.0f/s %9.0f%%\n", "intake, 64 clients (cases/s)", float64(intakeN)/without.intake.Seconds(),
				float64(intakeN)/with.intake.Seconds(), 100*(with.intake.Seconds()/without.intake.Seconds()-1))
			fmt.Printf("%-34s %11.0fµs %11.0fµs %9.0f%%\n", "transition, UpdateCase (µs each)", perCase(without.update, updateN),
				perCase(with.update, updateN), 100*(with.update.Seconds()/without.update.Seconds()-1))
			b.ReportMetric(float64(intakeN)/with.intake.Seconds(), "cases/s")
			b.ReportMetric(perCase(with.update, updateN), "µs/update")
		})
	}
}

func openWriteBench(b *testing.B, dialect string) *DB {
	ctx := context.Background()
	if dialect == DialectPostgres {
		return openTestPostgres(b)
	}
	db, err := Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "w.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return db
}

var writeBenchAt = time.Date(2026, 3, 2, 9, 0, 0, 0, benchCST)

func writeBenchCase(i int) *casework.Case {
	at := writeBenchAt.Add(time.Duration(i) * time.Second)
	cat := catalog.Ref{Kind: catalog.Event, Code: fmt.Sprintf("%02d%02d", i%9+1, i%7+1)}
	g := i % 400
	street := fmt.Sprintf("330101%03d", g/40+1)
	community := fmt.Sprintf("%s%03d", street, g/10%4+1)
	return &casework.Case{ID: uuid.Must(uuid.NewV7()).String(), Status: casework.StatusPendingDispatch, Source: casework.SourcePatrol,
		Category: &cat, Description: "机动车乱停放", Point: geo.Point{Lng: 120.1, Lat: 30.2},
		Grid: fmt.Sprintf("%s%02d", community, g%10+1), Community: community, Street: street, District: "330101",
		Department: fmt.Sprintf("dept-%d", i%30), ReportedAt: at, UpdatedAt: at, FiledAt: &at}
}

// benchIntake times n cases created by 64 goroutines.
func benchIntake(b *testing.B, db *DB, n int) time.Duration {
	ctx := context.Background()
	cases := make([]*casework.Case, n)
	for i := range cases {
		cases[i] = writeBenchCase(i)
	}
	var wg sync.WaitGroup
	next := make(chan *casework.Case)
	start := time.Now()
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				if err := db.CreateCase(ctx, c, []casework.Event{{Action: casework.ActReport, To: c.Status, At: c.ReportedAt}}); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for _, c := range cases {
		next <- c
	}
	close(next)
	wg.Wait()
	return time.Since(start)
}

// benchTransitions times n UpdateCase calls: n/3 stored cases each
// dispatched, disposed and closed.
func benchTransitions(b *testing.B, db *DB, n int) time.Duration {
	ctx := context.Background()
	var list []*casework.Case
	for i := 0; i < n/3; i++ {
		c, err := db.FindCaseByCode(ctx, caseCode(2026, int64(i+1)))
		if err != nil {
			b.Fatal(err)
		}
		list = append(list, c)
	}
	start := time.Now()
	for _, c := range list {
		at := c.ReportedAt.Add(30 * time.Minute)
		for _, step := range []func(){
			func() { c.Status, c.DispatchedAt = casework.StatusInDisposal, &at },
			func() { c.Status, c.DisposedAt = casework.StatusPendingCheck, &at },
			func() { c.Status, c.ClosedAt = casework.StatusClosed, &at },
		} {
			step()
			if err := db.UpdateCase(ctx, c, c.Version, []casework.Event{{Action: casework.ActDispatch, At: at}}); err != nil {
				b.Fatal(err)
			}
		}
	}
	return time.Since(start)
}
