package sqlstore

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"cityloop/internal/assess"
	"cityloop/internal/casework"
	"cityloop/internal/kpi"
)

// BenchmarkSupervisorRanking prints what ranking every supervisor of a
// city by the supervisors' scheme costs: one tally grouped by reporter
// over their reports (what assess.Assess asks now) against one tally per
// supervisor (what it asked before), with the floor, a bare GROUP BY
// reporter_id COUNT(*) over the same cases, measured in the same run on
// the same file (the synthetic city of BenchmarkRollups, its patrol
// reports shared out among the supervisors).
//
//	go test ./internal/store/sqlstore -run '^$' -bench BenchmarkSupervisorRanking -benchtime 1x
//	CITYLOOP_BENCH_CASES=… (default 100,000, the demo city's size); CITYLOOP_BENCH_SUPERVISORS=… (default 300)
func BenchmarkSupervisorRanking(b *testing.B) {
	n, sups := 100_000, 300
	if v, err := strconv.Atoi(os.Getenv("CITYLOOP_BENCH_CASES")); err == nil && v > 0 {
		n = v
	}
	if v, err := strconv.Atoi(os.Getenv("CITYLOOP_BENCH_SUPERVISORS")); err == nil && v > 0 {
		sups = v
	}
	for _, d := range benchDialects() {
		b.Run(d, func(b *testing.B) {
			db := openBenchCity(b, d, n)
			ctx := context.Background()
			// Deterministic: the same city gets the same beats whichever run
			// gives them out.
			if _, err := db.w.ExecContext(ctx, "UPDATE cases SET reporter_id = 'sup-' || CAST(CAST(substr(id, 7) AS INTEGER) % "+
				strconv.Itoa(sups)+" AS TEXT) WHERE source = 'patrol' AND reporter_id = ''"); err != nil {
				b.Fatal(err)
			}
			for range b.N {
				runSupervisorBench(b, db, n, sups)
			}
		})
	}
}

func runSupervisorBench(b *testing.B, db *DB, n, sups int) {
	ctx := context.Background()
	from := benchStart.AddDate(0, 18, 0)
	to := from.AddDate(0, 1, 0)
	scheme, err := assess.Default().ForLevel(assess.GroupBySupervisor, from)
	if err != nil {
		b.Fatal(err)
	}
	plan, err := assess.NewPlan(scheme, kpi.Default(), from)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, sups)
	for i := range ids {
		ids[i] = "sup-" + strconv.Itoa(i)
	}
	base := casework.Filter{From: &from, To: &to}
	median := func(k int, fn func() error) time.Duration { return benchMedian(b, k, fn) }
	var rowsGrouped, rowsEach int
	grouped := median(5, func() error {
		f := base
		f.ReporterIDs = ids
		rows, err := db.TallyCases(ctx, casework.TallyQuery{Filter: f, Sets: plan.Sets, GroupBy: casework.TallyByReporter})
		rowsGrouped = len(rows)
		return err
	})
	each := median(3, func() error {
		rowsEach = 0
		for _, id := range ids {
			f := base
			f.ReporterID = id
			rows, err := db.TallyCases(ctx, casework.TallyQuery{Filter: f, Sets: plan.Sets})
			if err != nil {
				return err
			}
			rowsEach += len(rows)
		}
		return nil
	})
	floor := median(5, func() error {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
		w := &where{}
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		w.add("reported_at >= ? AND reported_at < ?", from.UnixMicro(), to.UnixMicro())
		w.add("reporter_id IN ("+marks+")", args...)
		rows, err := db.query(ctx, "SELECT reporter_id, COUNT(*) FROM cases"+w.String()+" GROUP BY reporter_id", w.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
		}
		return rows.Err()
	})
	if rowsGrouped != rowsEach {
		b.Fatalf("the grouped tally has %d supervisors' rows, the one-by-one tallies %d", rowsGrouped, rowsEach)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	var out strings.Builder
	fmt.Fprintf(&out, "\n%s, %d cases, %d supervisors (%d with reports in the month), scheme %s (%d counts)\n",
		db.dialect, n, sups, rowsGrouped, scheme.Code, len(plan.Sets))
	fmt.Fprintf(&out, "%-34s %12s %10s\n", "query", "time (ms)", "÷ floor")
	for _, r := range []struct {
		name string
		d    time.Duration
	}{{"floor: bare GROUP BY reporter_id", floor}, {"one tally grouped by reporter", grouped}, {"one tally per supervisor (before)", each}} {
		fmt.Fprintf(&out, "%-34s %12.2f %10.1f\n", r.name, ms(r.d), ms(r.d)/ms(floor))
	}
	fmt.Fprintf(&out, "grouped is %.1f× faster than one per supervisor\n", ms(each)/ms(grouped))
	b.Log(out.String())
	fmt.Print(out.String())
}

// benchDialects are the stores a benchmark runs on: SQLite, and
// PostgreSQL when CITYLOOP_TEST_POSTGRES_URL is set.
func benchDialects() []string {
	if os.Getenv("CITYLOOP_TEST_POSTGRES_URL") != "" {
		return []string{DialectSQLite, DialectPostgres}
	}
	return []string{DialectSQLite}
}

// benchMedian runs fn k times and returns the median time: one slow run
// on a loaded machine does not make the figure.
func benchMedian(b *testing.B, k int, fn func() error) time.Duration {
	var ds []time.Duration
	for range k {
		t := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(t))
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}
