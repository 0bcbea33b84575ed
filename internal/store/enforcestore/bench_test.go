package enforcestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"cityloop/internal/disclose"
	"cityloop/internal/enforce"
	"cityloop/internal/store/sqlkit"
)

// benchVersion names the cached fixture file; change it when the schema or
// the generator changes.
const benchVersion = "v2"

const benchDecisions = 1_000_000

// disclosureFixture returns a store holding 1,000,000 published decisions
// over three years, built once into a file under os.TempDir() and reused
// by later runs (the benchmarks only read). Rows are written straight into
// the tables with foreign keys off: the penalty cases behind them would
// cost ten times the space and are not read by a search.
func disclosureFixture(b *testing.B) *DB {
	ctx := context.Background()
	path := filepath.Join(os.TempDir(), "cityloop-bench-disclosures-"+benchVersion+".db")
	if _, err := os.Stat(path); err != nil {
		tmp := path + ".building"
		for _, f := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
			os.Remove(f)
		}
		db, err := Open(ctx, "sqlite:"+tmp)
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := fillDisclosures(ctx, db, benchDecisions); err != nil {
			b.Fatal(err)
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
		b.Logf("built %s with %d decisions in %s", path, benchDecisions, time.Since(start).Round(time.Second))
	}
	db, err := Open(ctx, "sqlite:"+path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil { // a fixture of an older schema gains the later tables
		b.Fatal(err)
	}
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM enforce_disclosures`).Scan(&n); err != nil || n != benchDecisions {
		b.Fatalf("fixture %s has %d decisions (%v); delete it to rebuild", path, n, err)
	}
	return db
}

var (
	benchSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	benchPlaces   = []string{"秦淮", "玄武", "鼓楼", "建邺", "栖霞", "雨花", "江宁", "浦口", "六合", "溧水", "高淳", "新街口", "夫子庙", "湖南路", "河西", "仙林", "百家湖", "珠江路", "龙江", "迈皋桥"}
	benchTrades   = []string{"小吃", "餐饮", "商贸", "建材", "广告", "装饰", "物业", "超市", "烟酒", "水果", "服饰", "五金", "汽修", "洗浴", "茶社", "烧烤", "面馆", "便利店", "文化传媒", "再生资源"}
	benchForms    = []string{"有限公司", "经营部", "店", "商行", "有限责任公司"}
	benchDistrict = []struct{ code, abbr string }{{"320102", "玄"}, {"320104", "秦"}, {"320105", "建"}, {"320106", "鼓"}, {"320111", "浦"},
		{"320113", "栖"}, {"320114", "雨"}, {"320115", "江"}, {"320116", "六"}, {"320117", "溧"}, {"320118", "高"}, {"320100", "市"}}
)

// fillDisclosures writes n published decisions as the store would: masked
// labels, numbers and codes, the old search column and the full-text index.
func fillDisclosures(ctx context.Context, db *DB, n int) error {
	rb, err := enforce.Default()
	if err != nil {
		return err
	}
	items := rb.Items
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return err
	}
	defer conn.ExecContext(ctx, `PRAGMA foreign_keys = ON`)
	rng := rand.New(rand.NewPCG(12, 2026))
	t0 := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	span := int64(3 * 365 * 24 * time.Hour / time.Second)
	counters := map[string]int{}
	const batch = 5000
	for start := 0; start < n; start += batch {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for i := start; i < min(start+batch, n); i++ {
			at := t0.Add(time.Duration(span*int64(i)/int64(n)) * time.Second)
			dist := benchDistrict[rng.IntN(len(benchDistrict))]
			it := items[rng.IntN(len(items))]
			kind, name := enforce.Person, string(benchSurnames[rng.IntN(len(benchSurnames))])+"某"
			if rng.IntN(10) < 3 {
				kind = enforce.Organisation
				name = "南京" + benchPlaces[rng.IntN(len(benchPlaces))] + benchTrades[rng.IntN(len(benchTrades))] + benchForms[rng.IntN(len(benchForms))]
			}
			year := at.Year()
			counters[dist.code+fmt.Sprint(year)]++
			d := enforce.Disclosure{CaseID: fmt.Sprintf("bench-%07d", i), Code: fmt.Sprintf("ZF%d-%06d", year, i%1000000),
				Number:   fmt.Sprintf("宁%s城管罚〔%d〕%d号", dist.abbr, year, counters[dist.code+fmt.Sprint(year)]),
				District: dist.code, Violation: it.ID, ViolationName: it.Name.Zh, PartyKind: kind, Party: disclose.PenaltyParty(kind, name),
				Kinds: []enforce.Kind{enforce.KindFine}, Fine: float64(100 * (1 + rng.IntN(50))), Basis: strings.TrimSpace(it.Penalty.Law + it.Penalty.Article),
				Procedure: enforce.Ordinary, DecidedAt: at, PublishedAt: at.Add(48 * time.Hour)}
			kinds, _ := json.Marshal(d.Kinds)
			search := strings.ToLower(strings.Join([]string{d.Number, d.Code, d.Violation, d.ViolationName, d.Party, d.Basis}, " "))
			if _, err := tx.ExecContext(ctx, `INSERT INTO enforce_disclosures (case_id, number, code, district, violation, violation_name,
party_kind, party_label, kinds, fine, basis, proc, decided_at, published_at, search, state, due_at, release_at, late, fed, indexed)
VALUES (`+sqlkit.List(21, 1)+`)`, d.CaseID, d.Number, d.Code, d.District, d.Violation, d.ViolationName, string(d.PartyKind),
				d.Party, string(kinds), d.Fine, d.Basis, string(d.Procedure), sqlkit.Micros(d.DecidedAt), sqlkit.Micros(d.PublishedAt), search,
				"published", sqlkit.Micros(at.Add(9*24*time.Hour)), sqlkit.Micros(at), 0, 1, 1); err != nil {
				tx.Rollback()
				return err
			}
			if err := db.indexDecision(ctx, tx, d.CaseID); err != nil {
				tx.Rollback()
				return err
			}
			if err := bump(ctx, tx, d.District, sqlkit.Micros(d.DecidedAt), 1); err != nil {
				tx.Rollback()
				return err
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	_, err = conn.ExecContext(ctx, `ANALYZE`)
	return err
}

// likeScan is the search as it was before any index: a LIKE per word
// over the search column, a count and a page.
func likeScan(ctx context.Context, db *DB, q enforce.DisclosureQuery) (int, error) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	for _, w := range strings.Fields(strings.ToLower(q.Q)) {
		add(`search LIKE ? ESCAPE '\'`, "%"+likeEscape(w)+"%")
	}
	if q.District != "" {
		add("district = ?", q.District)
	}
	w := ""
	if len(conds) > 0 {
		w = " WHERE " + strings.Join(conds, " AND ")
	}
	var total int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM enforce_disclosures`+w, args...).Scan(&total); err != nil {
		return 0, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT case_id FROM enforce_disclosures`+w+` ORDER BY decided_at DESC, case_id DESC LIMIT 20`, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return total, rows.Err()
}

// benchQueries are searches the public makes: a company, a surname, a
// decision number, a case code, a violation, a district and a period, and
// two words as citizens type them (a party's kind or place and a
// violation or trade).
var benchQueries = []enforce.DisclosureQuery{
	{},
	{District: "320104"},
	{Q: "秦淮小吃"},
	{Q: "赵"},
	{Q: "宁秦城管罚〔2025〕1234号"},
	{Q: "ZF2024-012345"},
	{Q: "占道经营"},
	{Q: "油烟", District: "320105"},
	{Q: "夫子庙 烧烤"},
	{Q: "公司 占道"},
	{Q: "有限公司 油烟"},
	{Q: "经营部 渣土"},
	{Q: "商行 广告"},
	{Q: "公司"},
	{Q: "广告", From: ptr(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)), To: ptr(time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC))},
}

func ptr[T any](v T) *T { return &v }

func queryName(q enforce.DisclosureQuery) string {
	s := "q=" + q.Q
	if q.District != "" {
		s += " district=" + q.District
	}
	if q.From != nil {
		s += " period"
	}
	return s
}

// searchRun is what one benchmark row measured.
type searchRun struct {
	name     string
	p50, p99 time.Duration
	found    int
}

// timeRuns calls fn b.N times (at least 5) and gives the median and p99.
func timeRuns(b *testing.B, name string, fn func(i int) (int, error)) searchRun {
	n := max(b.N, 5)
	ds := make([]time.Duration, n)
	found := 0
	for i := range n {
		t0 := time.Now()
		f, err := fn(i)
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		ds[i], found = time.Since(t0), f
	}
	slices.Sort(ds)
	return searchRun{name: name, p50: ds[n/2], p99: ds[min(n-1, n*99/100)], found: found}
}

// BenchmarkDisclosureSearch searches 1,000,000 published decisions on
// SQLite and, with CITYLOOP_TEST_POSTGRES_URL set, on PostgreSQL (a
// database of its own, copied once from the SQLite fixture), and prints a
// table per database: each search's median and p99 against the floor, a
// primary-key read of one publication from the same database in the same
// run. Target: ≤ 50 ms median per search. BENCH_LIKE=1 adds the LIKE scan
// the index replaced (SQLite, seconds per search).
//
//	go test ./internal/store/enforcestore/ -run '^$' -bench DisclosureSearch -benchtime 21x
func BenchmarkDisclosureSearch(b *testing.B) {
	lite := disclosureFixture(b)
	dbs := []*DB{lite}
	if dsn := os.Getenv("CITYLOOP_TEST_POSTGRES_URL"); dsn != "" {
		dbs = append(dbs, postgresFixture(b, lite, dsn))
	}
	for _, db := range dbs {
		var runs []searchRun
		b.Run(db.dialect, func(b *testing.B) { runs = benchSearches(b, db) })
		if len(runs) == 0 {
			continue
		}
		var t strings.Builder
		fmt.Fprintf(&t, "\n%s, %d decisions\n%-40s %9s %9s %10s %9s\n", db.dialect, benchDecisions, "search", "p50 ms", "p99 ms", "p50/floor", "found")
		for _, r := range runs {
			fmt.Fprintf(&t, "%-40s %9.2f %9.2f %9.0f× %9d\n", r.name, ms(r.p50), ms(r.p99), float64(r.p50)/float64(runs[0].p50), r.found)
		}
		fmt.Print(t.String())
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// benchSearches measures the floor and every query on db.
func benchSearches(b *testing.B, db *DB) []searchRun {
	ctx := context.Background()
	var runs []searchRun
	rng := rand.New(rand.NewPCG(1, 2))
	runs = append(runs, timeRuns(b, "floor: one publication by primary key", func(int) (int, error) {
		_, err := db.FindPublication(ctx, fmt.Sprintf("bench-%07d", rng.IntN(benchDecisions)))
		return 1, err
	}))
	for _, q := range benchQueries {
		runs = append(runs, timeRuns(b, queryName(q), func(int) (int, error) {
			_, n, err := db.FindDisclosures(ctx, q)
			return n, err
		}))
	}
	if os.Getenv("BENCH_LIKE") == "1" && db.dialect == DialectSQLite {
		for _, q := range benchQueries {
			if q.Q == "" || q.From != nil {
				continue
			}
			runs = append(runs, timeRuns(b, "like: "+queryName(q), func(int) (int, error) { return likeScan(ctx, db, q) }))
		}
	}
	return runs
}

// postgresFixture copies the SQLite fixture's publications, counts and
// index into a PostgreSQL database of its own (created once, kept for
// later runs), a thousand rows per statement, with foreign keys off.
func postgresFixture(b *testing.B, lite *DB, dsn string) *DB {
	ctx := context.Background()
	name := "cityloop_bench_disclosures_" + benchVersion
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	var exists bool
	if err := admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		b.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		b.Fatal(err)
	}
	u.Path = "/" + name
	if exists {
		db, err := Open(ctx, u.String())
		if err != nil {
			b.Fatal(err)
		}
		var n, pubs int
		err = db.r.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM enforce_disclosure_keys), (SELECT COUNT(*) FROM enforce_disclosures)`).Scan(&n, &pubs)
		if err == nil && (n == benchDecisions || n == 0 && pubs == benchDecisions) {
			b.Cleanup(func() { db.Close() })
			if err := db.Migrate(ctx); err != nil { // a copy of an older schema gains the later tables
				b.Fatal(err)
			}
			if n == 0 { // the publications were copied, the index not
				if err := copyToPostgres(ctx, lite, db, true); err != nil {
					b.Fatal(err)
				}
			}
			return db
		}
		db.Close() // an interrupted copy: start again
		if _, err := admin.ExecContext(ctx, `DROP DATABASE `+name); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		b.Fatal(err)
	}
	db, err := Open(ctx, u.String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := copyToPostgres(ctx, lite, db, false); err != nil {
		b.Fatal(err)
	}
	b.Logf("copied %d decisions into %s in %s", benchDecisions, name, time.Since(start).Round(time.Second))
	return db
}

// copyToPostgres copies the tables a search reads from lite to pg (with
// indexOnly, only the search index).
func copyToPostgres(ctx context.Context, lite, pg *DB, indexOnly bool) error {
	conn, err := pg.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SET session_replication_role = replica`); err != nil {
		return err
	}
	cols := []string{"case_id", "number", "code", "district", "violation", "violation_name", "party_kind", "party_label", "kinds", "fine",
		"basis", "proc", "decided_at", "published_at", "search", "state", "due_at", "release_at", "late", "fed", "indexed"}
	// copyRows reads width columns a row from lite and inserts what row
	// makes of them, a thousand rows a statement.
	copyRows := func(query, insert string, width int, row func(vals []any) []any) error {
		rows, err := lite.r.QueryContext(ctx, query)
		if err != nil {
			return err
		}
		defer rows.Close()
		var batch []any
		rowsIn, out := 0, 0
		flush := func() error {
			if rowsIn == 0 {
				return nil
			}
			_, err := conn.ExecContext(ctx, fmt.Sprintf(insert, sqlkit.Placeholders(rowsIn, out, 1)), batch...)
			batch, rowsIn = batch[:0], 0
			return err
		}
		vals := make([]any, width)
		ptrs := make([]any, width)
		for rows.Next() {
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			made := row(vals)
			batch, rowsIn, out = append(batch, made...), rowsIn+1, len(made)
			if rowsIn == 1000 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return flush()
	}
	same := func(vals []any) []any { return slices.Clone(vals) }
	if indexOnly {
		goto index
	}
	if err := copyRows(`SELECT `+strings.Join(cols, ", ")+` FROM enforce_disclosures`,
		`INSERT INTO enforce_disclosures (`+strings.Join(cols, ", ")+`) VALUES %s`, len(cols), same); err != nil {
		return fmt.Errorf("copy publications: %w", err)
	}
	if err := copyRows(`SELECT district, bucket, n FROM enforce_disclosure_counts`,
		`INSERT INTO enforce_disclosure_counts (district, bucket, n) VALUES %s`, 3, same); err != nil {
		return fmt.Errorf("copy counts: %w", err)
	}
	if err := copyRows(`SELECT violation, name FROM enforce_disclosure_violations`,
		`INSERT INTO enforce_disclosure_violations (violation, name) VALUES %s ON CONFLICT DO NOTHING`, 2, same); err != nil {
		return fmt.Errorf("copy violations: %w", err)
	}
	// The keys as SQLite allotted them, the terms computed as indexDecision does.
index:
	if err := copyRows(`SELECT x.k, x.case_id, d.number, d.code, d.party_label, d.violation, d.district
FROM enforce_disclosure_keys x JOIN enforce_disclosures d ON d.case_id = x.case_id`,
		`INSERT INTO enforce_disclosure_keys (k, case_id, doc) SELECT v.k::bigint, v.c, array_to_tsvector(string_to_array(v.t, ' '))
FROM (VALUES %s) v (k, c, t)`, 7, func(v []any) []any {
			s := func(x any) string { return fmt.Sprint(x) }
			return []any{s(v[0]), s(v[1]), strings.Join(indexTerms(s(v[2]), s(v[3]), s(v[4]), s(v[5]), s(v[6])), " ")}
		}); err != nil {
		return fmt.Errorf("copy index: %w", err)
	}
	_, err = conn.ExecContext(ctx, `ANALYZE`)
	return err
}
