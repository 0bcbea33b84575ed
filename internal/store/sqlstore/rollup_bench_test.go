package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/kpi"
	"cityloop/internal/org"
)

// BenchmarkRollups prints, for the indicators of /api/v1/kpis over a big
// synthetic city, what the rollups cost against a plain GROUP BY over the
// raw cases (the floor: one indicator's numerator and denominator, the
// least a query without rollups must do) and against the raw tally of
// every indicator (what TallyCases did before the rollups), measured in
// the same run on the same file.
//
//	go test ./internal/store/sqlstore -run '^$' -bench BenchmarkRollups -benchtime 1x -timeout 2h
//	CITYLOOP_BENCH_CASES=1000000 … (default 10,000,000 on SQLite, 1,000,000 on PostgreSQL)
//
// The SQLite city is generated once into the OS temporary directory, keyed
// by rollupBenchVersion and the case count, and reused by later runs; the
// PostgreSQL one stays in a schema named the same way.
func BenchmarkRollups(b *testing.B) {
	for _, d := range benchDialects() {
		b.Run(d, func(b *testing.B) {
			n := 10_000_000
			if d == DialectPostgres {
				n = 1_000_000
			}
			if v := os.Getenv("CITYLOOP_BENCH_CASES"); v != "" {
				n, _ = strconv.Atoi(v)
			}
			db := openBenchCity(b, d, n)
			for range b.N {
				runRollupBench(b, db, n)
			}
		})
	}
}

// rollupBenchVersion names the generated city; change it when the
// generator or the schema changes, so a stale file is not reused.
const rollupBenchVersion = "v6" // v6: migration 00014 (stage record)

var benchCST = time.FixedZone("CST", 8*3600)

// benchStart is the first day of the synthetic city's two years.
var benchStart = time.Date(2024, 12, 1, 0, 0, 0, 0, benchCST)

func openBenchCity(b *testing.B, dialect string, n int) *DB {
	ctx := context.Background()
	name := fmt.Sprintf("cityloop_rollup_bench_%s_%d", rollupBenchVersion, n)
	if dialect == DialectPostgres {
		u, err := url.Parse(os.Getenv("CITYLOOP_TEST_POSTGRES_URL"))
		if err != nil {
			b.Fatal(err)
		}
		admin, err := sql.Open("pgx", u.String())
		if err != nil {
			b.Fatal(err)
		}
		var exists bool
		if err := admin.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", name).Scan(&exists); err != nil {
			b.Fatal(err)
		}
		if !exists {
			if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
				b.Fatal(err)
			}
		}
		admin.Close()
		q := u.Query()
		q.Set("search_path", name)
		u.RawQuery = q.Encode()
		db, err := Open(ctx, u.String())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		fillBenchCity(b, db, n)
		return db
	}
	path := filepath.Join(os.TempDir(), name+".db")
	if _, err := os.Stat(path); err != nil {
		tmp := path + ".part"
		os.Remove(tmp)
		db, err := Open(ctx, "sqlite:"+tmp)
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		fillBenchCity(b, db, n)
		if _, err := db.w.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			b.Fatal(err)
		}
		db.Close()
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
	}
	db, err := Open(ctx, "sqlite:"+path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return db
}

// fillBenchCity generates n cases inside the database (no round trip per
// row), clustered like a city: 4,000 grids in 10 districts with most
// cases in a few hot grids, 60 sub-classes of which a few dominate, each
// with its department, two years of reports, a status mix where most cases
// are closed, and the flags the indicators count. The case indexes are
// dropped during the load and built after it (a sort instead of ten
// million random inserts), then the rollups are rebuilt the way migration
// 00012 backfills them, which is timed: it is what the migration costs a
// city of this size.
func fillBenchCity(b *testing.B, db *DB, n int) {
	ctx := context.Background()
	var have int64
	if err := db.w.QueryRowContext(ctx, "SELECT COUNT(*) FROM cases").Scan(&have); err != nil {
		b.Fatal(err)
	}
	if have >= int64(n) {
		return
	}
	pg := db.dialect == DialectPostgres
	// The index definitions, to drop now and recreate after the load.
	listIdx := `SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cases' AND sql IS NOT NULL`
	if pg {
		listIdx = `SELECT indexdef FROM pg_indexes WHERE tablename = 'cases' AND schemaname = current_schema() AND indexname <> 'cases_pkey'`
	}
	rows, err := db.w.QueryContext(ctx, listIdx)
	if err != nil {
		b.Fatal(err)
	}
	var idx []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			b.Fatal(err)
		}
		idx = append(idx, s)
	}
	rows.Close()
	for _, s := range idx {
		name := strings.Fields(s[strings.Index(strings.ToUpper(s), "INDEX ")+6:])[0]
		if _, err := db.w.ExecContext(ctx, "DROP INDEX "+name); err != nil {
			b.Fatalf("drop %s: %v", name, err)
		}
	}
	rnd := func(k int) string { return "(abs(random()) % " + strconv.Itoa(k) + ")" }
	pad := func(e string, w int) string { return "printf('%0" + strconv.Itoa(w) + "d', " + e + ")" }
	series := "WITH RECURSIVE n(i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM n WHERE i < $2)"
	from := "n"
	if pg {
		rnd = func(k int) string { return "(floor(random() * " + strconv.Itoa(k) + ")::bigint)" }
		pad = func(e string, w int) string { return "lpad((" + e + ")::text, " + strconv.Itoa(w) + ", '0')" }
		series = ""
		from = "generate_series($1::bigint, $2::bigint) AS n(i)"
	}
	base := benchStart.UnixMicro()
	span := int64(730 * 24 * time.Hour / time.Microsecond)
	spanExpr := "(abs(random()) % " + strconv.FormatInt(span, 10) + ")"
	if pg {
		spanExpr = "(floor(random() * " + strconv.FormatInt(span, 10) + ")::bigint)"
	}
	// v draws each row's random numbers once; the SELECT makes the columns
	// from them, so status, times and flags agree with each other.
	// MATERIALIZED: SQLite would otherwise inline v and draw random()
	// again at every reference, so a case's district, street and grid, or
	// its status and times, would not agree.
	v := series + `, v AS MATERIALIZED (SELECT i, ` + rnd(4000) + ` * ` + rnd(4000) + ` / 4000 AS g, ` + rnd(100) + ` AS st, ` + rnd(100) + ` AS src,
    ` + rnd(60) + ` * ` + rnd(60) + ` / 60 AS cat, ` + strconv.FormatInt(base, 10) + ` + ` + spanExpr + ` AS rep,
    ` + rnd(1000) + ` AS x1, ` + rnd(1000) + ` AS x2, ` + rnd(1000) + ` AS x3 FROM ` + from + `)`
	if pg {
		v = "WITH " + strings.TrimPrefix(v, ", ")
	}
	tf := func(cond string) string {
		if pg {
			return "(" + cond + ")"
		}
		return "CASE WHEN " + cond + " THEN 1 ELSE 0 END"
	}
	closed, disposed := "st < 70", "(st < 70 OR st BETWEEN 89 AND 93)"
	dispatched := "(st < 78 OR st BETWEEN 86 AND 93 OR st IN (97, 98))"
	filed := "NOT (st BETWEEN 78 AND 81 OR st IN (94, 95))"
	insert := v + `
INSERT INTO cases (id, code, status, is_open, source, category, lng, lat, grid, community, street, district, department,
    self_handled, rework_count, return_count, shirk_count, extension_count, urge_count, overdue, closed_late, disposed_late,
    satisfaction, recurrence_of, reported_at, filed_at, dispatched_at, disposed_at, closed_at, updated_at, version)
SELECT 'bench-' || ` + pad("i", 9) + `, '2099' || ` + pad("i", 9) + `,
    CASE WHEN st < 70 THEN 'closed' WHEN st < 78 THEN 'in_disposal' WHEN st < 82 THEN 'pending_accept'
        WHEN st < 86 THEN 'pending_dispatch' WHEN st < 89 THEN 'dispatched' WHEN st < 92 THEN 'pending_check'
        WHEN st < 94 THEN 'pending_close' WHEN st < 96 THEN 'rejected' WHEN st = 96 THEN 'voided'
        WHEN st = 97 THEN 'suspended' WHEN st = 98 THEN 'returned' ELSE 'merged' END,
    ` + tf("NOT (st < 70 OR st BETWEEN 94 AND 96 OR st = 99)") + `,
    CASE WHEN src < 50 THEN 'patrol' WHEN src < 70 THEN 'citizen' WHEN src < 85 THEN 'hotline' WHEN src < 95 THEN 'camera' ELSE 'leader' END,
    'event:' || ` + pad("cat / 10 + 1", 2) + ` || ` + pad("cat % 10 + 1", 2) + `,
    120.0 + (g % 64) * 0.005 + x1 * 0.000005, 30.0 + (g / 64) * 0.005 + x2 * 0.000005,
    '3301' || ` + pad("g / 400 + 1", 2) + ` || ` + pad("g / 100 % 4 + 1", 3) + ` || ` + pad("g / 10 % 10 + 1", 3) + ` || ` + pad("g % 10 + 1", 2) + `,
    '3301' || ` + pad("g / 400 + 1", 2) + ` || ` + pad("g / 100 % 4 + 1", 3) + ` || ` + pad("g / 10 % 10 + 1", 3) + `,
    '3301' || ` + pad("g / 400 + 1", 2) + ` || ` + pad("g / 100 % 4 + 1", 3) + `,
    '3301' || ` + pad("g / 400 + 1", 2) + `,
    'dept-' || ` + pad("cat % 30", 2) + `,
    ` + tf("src < 50 AND x3 % 20 = 0") + `,
    CASE WHEN x1 % 20 = 1 THEN 1 ELSE 0 END, CASE WHEN x2 % 33 = 1 THEN 1 ELSE 0 END, CASE WHEN x2 % 99 = 2 THEN 1 ELSE 0 END,
    CASE WHEN x3 % 25 = 3 THEN 1 ELSE 0 END, CASE WHEN x1 % 16 = 5 THEN 1 ELSE 0 END,
    ` + tf("x1 % 10 = 0") + `, ` + tf(closed+" AND x2 % 12 = 0") + `, ` + tf(disposed+" AND x3 % 10 = 0") + `,
    CASE WHEN ` + closed + ` AND x2 % 10 < 6 THEN (CASE WHEN x3 % 10 < 8 THEN 'satisfied' WHEN x3 % 10 < 9 THEN 'basic' ELSE 'unsatisfied' END) ELSE '' END,
    CASE WHEN ` + closed + ` AND x1 % 33 = 7 THEN 'bench-earlier' ELSE '' END,
    rep,
    CASE WHEN ` + filed + ` THEN rep + 600000000 + x1 * 1000000 END,
    CASE WHEN ` + dispatched + ` THEN rep + 1800000000 + x2 * 7000000 END,
    CASE WHEN ` + disposed + ` THEN rep + 3600000000 * (2 + x3 % 48) END,
    CASE WHEN ` + closed + ` THEN rep + 3600000000 * (3 + x3 % 48) END,
    rep, 1
FROM v`
	const chunk = 1_000_000
	began := time.Now()
	for start := have + 1; start <= int64(n); start += chunk {
		end := min(start+chunk-1, int64(n))
		if _, err := db.w.ExecContext(ctx, insert, start, end); err != nil {
			b.Fatalf("generate cases %d to %d: %v", start, end, err)
		}
		b.Logf("generated %d of %d cases (%s)", end, n, time.Since(began).Round(time.Second))
	}
	for _, s := range idx {
		if _, err := db.w.ExecContext(ctx, s); err != nil {
			b.Fatalf("%s: %v", s, err)
		}
	}
	b.Logf("cases and their indexes: %s", time.Since(began).Round(time.Second))
	t := time.Now()
	if err := db.RebuildRollups(ctx); err != nil {
		b.Fatal(err)
	}
	var rollups int64
	if err := db.w.QueryRowContext(ctx, "SELECT COUNT(*) FROM case_rollups").Scan(&rollups); err != nil {
		b.Fatal(err)
	}
	b.Logf("rollups rebuilt from %d cases (the migration's backfill) in %s: %d rows", n, time.Since(t).Round(time.Second), rollups)
	if pg {
		if _, err := db.w.ExecContext(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
	} else if _, err := db.w.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
}

// benchScenario is one indicator request: a unit and a period.
type benchScenario struct {
	name  string
	f     casework.Filter
	group string
	// col and code: the unit as a condition on the raw cases.
	col, code string
}

func runRollupBench(b *testing.B, db *DB, n int) {
	ctx := context.Background()
	month := func(m int) (*time.Time, *time.Time) {
		f := benchStart.AddDate(0, m, 0)
		t := f.AddDate(0, 1, 0)
		return &f, &t
	}
	mf, mt := month(18)
	yf := benchStart.AddDate(0, 12, 0)
	yt := yf.AddDate(1, 0, 0)
	// The busiest units (the generator puts most cases in low grid numbers).
	scen := []benchScenario{
		{name: "city, month", f: casework.Filter{From: mf, To: mt}},
		{name: "city, year", f: casework.Filter{From: &yf, To: &yt}},
		{name: "district, month", f: casework.Filter{From: mf, To: mt, Region: "330101", RegionLevel: org.LevelDistrict}, col: "district", code: "330101"},
		{name: "street, month", f: casework.Filter{From: mf, To: mt, Region: "330101001", RegionLevel: org.LevelStreet}, col: "street", code: "330101001"},
		{name: "grid, month", f: casework.Filter{From: mf, To: mt, Region: "33010100100101", RegionLevel: org.LevelGrid}, col: "grid", code: "33010100100101"},
		{name: "department, month", f: casework.Filter{From: mf, To: mt, Department: "dept-00"}, col: "department", code: "dept-00"},
		{name: "districts ranked, month", f: casework.Filter{From: mf, To: mt}, group: "district"},
	}
	book := kpi.Default()
	defs := book.InForce(*mf)
	sets, _, _ := kpi.Sets(defs)
	closure := []casework.Predicate{}
	for _, d := range defs {
		if d.Code == "closure_rate" {
			closure = append(closure, d.Num(), d.Den())
		}
	}
	median := func(k int, fn func() error) time.Duration { return benchMedian(b, k, fn) }
	var out strings.Builder
	fmt.Fprintf(&out, "\n%s, %d cases, %d indicators (%d counts)\n", db.dialect, n, len(defs), len(sets))
	fmt.Fprintf(&out, "%-26s %10s %14s %16s %16s %8s %8s\n", "request", "rows", "rollups (ms)", "GROUP BY (ms)", "raw tally (ms)", "ratio", "≤10 ms")
	worst := 0.0
	for _, s := range scen {
		q := casework.TallyQuery{Filter: s.f, Sets: sets, GroupBy: s.group}
		p, ok := planRollup(q)
		if !ok {
			b.Fatalf("%s: the rollups do not answer it", s.name)
		}
		var rowsSummed int64
		if err := db.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM case_rollups"+p.w.String(), p.w.args...).Scan(&rowsSummed); err != nil {
			b.Fatal(err)
		}
		var got, raw []casework.TallyRow
		roll := median(21, func() (err error) { got, err = db.TallyCases(ctx, q); return err })
		// The floor: one indicator (结案率: its numerator and denominator)
		// by a plain GROUP BY over the raw cases of the unit and period.
		w, err := caseFilter(s.f)
		if err != nil {
			b.Fatal(err)
		}
		num, _ := predicateSQL(closure[0])
		den, _ := predicateSQL(closure[1])
		key := "''"
		if s.group != "" {
			key = s.group
		}
		floorSQL := "SELECT " + key + ", SUM(CASE WHEN " + num + " THEN 1 ELSE 0 END), SUM(CASE WHEN " + den + " THEN 1 ELSE 0 END) FROM cases" + w.String()
		if s.group != "" {
			floorSQL += " GROUP BY " + key
		}
		floor := median(3, func() error {
			rows, err := db.r.QueryContext(ctx, floorSQL, w.args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
			}
			return rows.Err()
		})
		full := median(1, func() (err error) { raw, err = db.rawTally(ctx, q); return err })
		if !slices.EqualFunc(got, raw, func(a, b casework.TallyRow) bool {
			return a.Key == b.Key && slices.Equal(a.Counts, b.Counts) && a.Dispatched == b.Dispatched && a.Response == b.Response
		}) {
			b.Fatalf("%s: the rollups and the raw tally differ", s.name)
		}
		ratio := float64(floor) / float64(roll)
		ok10 := "yes"
		if roll > 10*time.Millisecond {
			ok10 = "NO"
		}
		fmt.Fprintf(&out, "%-26s %10d %14.2f %16.1f %16.1f %7.0f× %8s\n", s.name, rowsSummed, ms(roll), ms(floor), ms(full), ratio, ok10)
		worst = max(worst, ms(roll))
		b.ReportMetric(ms(roll), strings.ReplaceAll(strings.ReplaceAll(s.name, ", ", "_"), " ", "_")+"_ms")
	}
	fmt.Fprintf(&out, "ratio = plain GROUP BY of one indicator ÷ every indicator from the rollups; both medians of repeated runs\n")
	b.ReportMetric(worst, "worst_ms")
	fmt.Print(out.String())
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
