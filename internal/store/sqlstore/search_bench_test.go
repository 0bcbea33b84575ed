package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/pii"
	"cityloop/internal/store/sqlstore"
)

// searchFixtureVersion names the cached search fixture; change it when
// searchCase changes.
const searchFixtureVersion = "s1"

// searchRoads are the road names of the search fixture: 240 names, so one
// road holds about 4,000 of the million cases, as in a big city.
var searchRoads = func() []string {
	first := []string{"人民", "解放", "建设", "中山", "和平", "新华", "胜利", "文化", "青年", "工业", "健康", "光明",
		"长江", "黄河", "泰山", "华山", "东风", "朝阳", "幸福", "民主", "团结", "友谊", "振兴", "复兴"}
	kind := []string{"路", "街", "大道", "巷", "东路", "西路", "南路", "北路", "中路", "大街"}
	var out []string
	for _, f := range first {
		for _, k := range kind {
			out = append(out, f+k)
		}
	}
	return out
}()

// searchCase is benchCase with a varied address and, for one case in
// three, a reporter's phone.
func searchCase(r *rand.Rand, at time.Time, i int) *casework.Case {
	c := benchCase(r, at)
	c.Address = fmt.Sprintf("%s %d 号附近", searchRoads[r.IntN(len(searchRoads))], r.IntN(300)+1)
	if i%3 == 0 {
		c.Phone = fmt.Sprintf("13%09d", r.IntN(1_000_000_000))
	}
	return c
}

// searchKeys is the fixture's personal-data keyring (a test key).
var searchKeys = "k1:" + strings.Repeat("S", 43) + "="

// searchFixture opens the million-case search fixture on SQLite (built the
// first time into os.TempDir(), several minutes) or PostgreSQL (a schema
// kept between runs), with the keyring that sealed its phones.
func searchFixture(b *testing.B, postgres bool) *sqlstore.DB {
	ctx := context.Background()
	keys, err := pii.ParseKeyring(searchKeys)
	if err != nil {
		b.Fatal(err)
	}
	var db *sqlstore.DB
	if postgres {
		base := postgresURL(b)
		schema := "cl_search_" + searchFixtureVersion + "b"
		admin, err := sql.Open("pgx", base)
		if err != nil {
			b.Fatal(err)
		}
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
			b.Fatal(err)
		}
		db, err = sqlstore.Open(ctx, withSearchPath(b, base, schema))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		db.SetKeyring(keys)
		if n, err := db.CountCases(ctx); err != nil {
			b.Fatal(err)
		} else if n != fixtureCases {
			if n != 0 {
				b.Fatalf("schema %s has %d cases; drop it to rebuild", schema, n)
			}
			fillSearchFixture(b, db)
			if _, err := admin.ExecContext(ctx, "VACUUM ANALYZE "+schema+".cases"); err != nil {
				b.Fatal(err)
			}
		}
		return db
	}
	path := filepath.Join(os.TempDir(), "cityloop-search-bench-"+searchFixtureVersion+".db")
	if _, err := os.Stat(path); err != nil {
		tmp := path + ".building"
		for _, f := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
			os.Remove(f)
		}
		db, err := sqlstore.Open(ctx, "sqlite:"+tmp)
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		db.SetKeyring(keys)
		fillSearchFixture(b, db)
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
	}
	db, err = sqlstore.Open(ctx, "sqlite:"+path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	db.SetKeyring(keys)
	if n, err := db.CountCases(ctx); err != nil || n != fixtureCases {
		b.Fatalf("search fixture %s has %d cases (%v); delete it to rebuild", path, n, err)
	}
	return db
}

// searchBase is how many cases of the fixture go through BulkCreateCases
// (sealed phones, blind indexes, every trigger); the rest are copies of them
// made in SQL, each shifted by a multiple of 31 s and with its own id and
// code: a million cases through the Go path take an hour on a loaded
// machine, the copies a few minutes, and every index and trigger still
// sees each row.
const searchBase = 100_000

// searchBasePostgres is searchBase on PostgreSQL, where the Go path is
// slower still on a loaded machine (each case's reporter phone then
// repeats in 40 cases instead of 10).
const searchBasePostgres = 25_000

func fillSearchFixture(b *testing.B, db *sqlstore.DB) {
	ctx := context.Background()
	start := time.Now()
	r := rand.New(rand.NewPCG(2026, 15))
	end := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	base := searchBase
	if db.Dialect() == sqlstore.DialectPostgres {
		base = searchBasePostgres
	}
	chunk := min(50_000, base)
	copies := fixtureCases / base
	for done := 0; done < base; done += chunk {
		cases := make([]*casework.Case, chunk)
		for i := range cases {
			// copies × 31 s apart: the base spans the year, the copies fill it
			at := end.Add(-time.Duration(base-done-i) * time.Duration(copies) * 31 * time.Second)
			cases[i] = searchCase(r, at, done+i)
		}
		if err := db.BulkCreateCases(ctx, cases, nil); err != nil {
			b.Fatal(err)
		}
	}
	cols, err := caseColumns(db)
	if err != nil {
		b.Fatal(err)
	}
	for k := 1; k < copies; k++ {
		code := fmt.Sprintf("substr(code, 1, 4) || printf('%%07d', %d + CAST(substr(code, 5) AS INTEGER))", k*base)
		if db.Dialect() == sqlstore.DialectPostgres {
			code = fmt.Sprintf("substr(code, 1, 4) || lpad((%d + substr(code, 5)::int)::text, 7, '0')", k*base)
		}
		shift := int64(k) * 31_000_000 // µs
		var sel []string
		for _, c := range cols {
			switch c {
			case "id":
				sel = append(sel, fmt.Sprintf("id || '~%d'", k))
			case "code":
				sel = append(sel, code)
			case "reported_at", "updated_at", "stage_due_at", "stage_warn_at", "case_due_at", "closed_at":
				sel = append(sel, fmt.Sprintf("%s - %d", c, shift))
			default:
				sel = append(sel, c)
			}
		}
		q := fmt.Sprintf("INSERT INTO cases (%s) SELECT %s FROM cases WHERE id NOT LIKE '%%~%%'", strings.Join(cols, ", "), strings.Join(sel, ", "))
		if _, err := db.WritePool().ExecContext(ctx, q); err != nil {
			b.Fatalf("copy %d of the search fixture: %v", k, err)
		}
	}
	b.Logf("built the search fixture (%d cases, %d through BulkCreateCases) in %s", fixtureCases, base, time.Since(start).Round(time.Second))
}

// caseColumns lists the columns of cases.
func caseColumns(db *sqlstore.DB) ([]string, error) {
	q := "SELECT name FROM pragma_table_info('cases') ORDER BY cid"
	if db.Dialect() == sqlstore.DialectPostgres {
		q = "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'cases' ORDER BY ordinal_position"
	}
	rows, err := db.ReadPool().Query(q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// BenchmarkCaseSearch times the search box (Filter.Text, q= on GET
// /api/v1/cases: page of 50 and total) on a million cases with 240 road
// names, on SQLite and (with CITYLOOP_TEST_POSTGRES_URL) PostgreSQL, and
// prints p50/p95 in ms, the total found and the ratio of p50 to the floor:
// a bare `SELECT <case columns> FROM cases LIMIT 50` on the same database
// timed in the same run.
//
//	go test -run '^$' -bench CaseSearch -benchtime 1x -timeout 60m ./internal/store/sqlstore/
func BenchmarkCaseSearch(b *testing.B) {
	dbs := []string{sqlstore.DialectSQLite}
	if os.Getenv(postgresEnv) != "" {
		dbs = append(dbs, sqlstore.DialectPostgres)
	}
	const repeat = 20
	out := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(out, "db\tsearch\tp50 ms\tp95 ms\tfound\t× floor\t")
	for _, dialect := range dbs {
		db := searchFixture(b, dialect == sqlstore.DialectPostgres)
		ctx := context.Background()
		// A case of the year and one with a phone, read whole (the phone
		// decrypted) by id.
		pick := func(cond string) *casework.Case {
			var id string
			if err := db.ReadPool().QueryRowContext(ctx, "SELECT id FROM cases WHERE "+cond+" ORDER BY id LIMIT 1 OFFSET 4321").Scan(&id); err != nil {
				b.Fatalf("pick a case where %s: %v", cond, err)
			}
			c, err := db.FindCaseByID(ctx, id)
			if err != nil {
				b.Fatal(err)
			}
			return c
		}
		// Base cases only: a copy keeps its original's sealed phone, whose
		// sealing names the original's id.
		probe := pick("reporter_phone_blind = '' AND id NOT LIKE '%~%'")
		phone := pick("reporter_phone_blind <> '' AND id NOT LIKE '%~%'").Phone
		if phone == "" {
			b.Fatal("the picked case has no readable phone")
		}
		floor := timeIt(b, repeat, func() error {
			rows, err := db.ReadPool().QueryContext(ctx, "SELECT * FROM cases LIMIT 50")
			if err != nil {
				return err
			}
			for rows.Next() {
			}
			rows.Close()
			return rows.Err()
		})
		rows := []struct {
			name string
			f    casework.Filter
		}{
			{"code, whole", casework.Filter{Text: probe.Code}},
			{"code, first 8 digits", casework.Filter{Text: probe.Code[:8]}},
			{"road name (3 chars)", casework.Filter{Text: "人民路"}},
			{"road and number", casework.Filter{Text: strings.TrimSuffix(probe.Address, "附近")}},
			{"road name, open cases", casework.Filter{Text: "解放路", Statuses: openStatuses}},
			{"2 chars (no index)", casework.Filter{Text: "人民"}},
			{"no match", casework.Filter{Text: "不存在的路"}},
			{"phone (blind index)", casework.Filter{Text: phone, TextPhone: true}},
		}
		fmt.Fprintf(out, "%s\tfloor: bare SELECT 50 rows\t%.2f\t%.2f\t\t1.0\t\n", dialect, floor.pct(0.5), floor.pct(0.95))
		for _, row := range rows {
			var total int
			n := repeat
			if strings.Contains(row.name, "no index") {
				n = 3 // seconds each: a few tell
			}
			lat := timeIt(b, n, func() error {
				_, n, err := db.FindCases(ctx, row.f)
				total = n
				return err
			})
			if total == 0 && row.name != "no match" {
				b.Errorf("%s %q found nothing", dialect, row.f.Text)
			}
			fmt.Fprintf(out, "%s\t%s\t%.2f\t%.2f\t%d\t%.1f\t\n", dialect, row.name, lat.pct(0.5), lat.pct(0.95), total, lat.pct(0.5)/floor.pct(0.5))
		}
		out.Flush() // each database's rows as soon as they are measured
	}
	for b.Loop() {
	}
}

var openStatuses = []casework.Status{casework.StatusPendingAccept, casework.StatusPendingDispatch, casework.StatusDispatched,
	casework.StatusInDisposal, casework.StatusReturned, casework.StatusPendingCheck, casework.StatusPendingClose}

type lats []time.Duration

func (l lats) pct(p float64) float64 {
	s := slices.Clone(l)
	slices.Sort(s)
	return float64(s[min(len(s)-1, int(p*float64(len(s))))].Microseconds()) / 1000
}

// timeIt runs fn once to warm the caches, then n times, and returns the
// latencies.
func timeIt(b *testing.B, n int, fn func() error) lats {
	if err := fn(); err != nil {
		b.Fatal(err)
	}
	out := make(lats, n)
	for i := range out {
		start := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		out[i] = time.Since(start)
	}
	return out
}
