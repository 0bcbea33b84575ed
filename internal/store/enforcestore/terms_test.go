package enforcestore

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"cityloop/internal/enforce"
	"cityloop/internal/store/sqlkit/sqlkittest"
)

func TestTerms(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want []string
	}{
		{[]string{"宁城管简罚〔2026〕7号"}, []string{"宁城", "城管", "管简", "简罚", "罚", "2026", "7", "号"}},
		{[]string{"ZF2026-00017", "赵*"}, []string{"zf2026", "00017", "赵"}},
		{[]string{"南京秦淮小吃有限公司", "秦淮"}, []string{"南京", "京秦", "秦淮", "淮小", "小吃", "吃有", "有限", "限公", "公司", "司", "淮"}},
		{[]string{"%_ \\"}, nil},
	} {
		if got := Terms(tc.in...); !slices.Equal(got, tc.want) {
			t.Errorf("Terms(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestQueryUnits(t *testing.T) {
	vs := map[string]string{"ROAD-01": "擅自占用城市道路（占道经营、占道堆放）", "BIZ-01": "无照经营"}
	for _, tc := range []struct {
		q    string
		want []unit
	}{
		{"简罚", []unit{{terms: []string{"简罚"}}}},
		{"赵*", []unit{{prefix: "赵"}}},
		{"ZF2026-00017", []unit{{prefix: "zf2026"}, {prefix: "00017"}}},
		{"经营", []unit{{terms: []string{"v:biz-01", "v:road-01", "经营"}}}},
		{"占道经营", []unit{{terms: []string{"v:road-01"}}}},
		{"road-01 赵", []unit{{terms: []string{"v:road-01"}}, {prefix: "赵"}}},
		{"%", nil},
		{"赵小明", []unit{{terms: []string{"赵小"}}, {terms: []string{"小明"}}}},
	} {
		if got := queryUnits(tc.q, vs); !slices.EqualFunc(got, tc.want, func(a, b unit) bool { return a.key() == b.key() }) {
			t.Errorf("queryUnits(%q) = %+v, want %+v", tc.q, got, tc.want)
		}
	}
}

// FuzzQueryUnits: whatever the public types in q, the parts are few,
// well-formed and each one a term the index could hold.
func FuzzQueryUnits(f *testing.F) {
	for _, s := range []string{"", "简罚", "赵*", "ZF2026-00017", "占道 经营", "%_\\", "a\x00b", "\xff\xfe", strings.Repeat("长", 300), "宁城管罚〔2026〕12号"} {
		f.Add(s)
	}
	vs := map[string]string{"ROAD-01": "占道经营"}
	f.Fuzz(func(t *testing.T, q string) {
		us := queryUnits(q, vs)
		if len(us) > maxUnits {
			t.Fatalf("%d units", len(us))
		}
		for _, u := range us {
			if (u.prefix == "") == (len(u.terms) == 0) {
				t.Fatalf("unit %+v is neither a prefix nor terms", u)
			}
			for _, s := range append(slices.Clone(u.terms), u.prefix) {
				if !utf8.ValidString(s) || len(s) > maxTermBytes+8 {
					t.Fatalf("bad term %q", s)
				}
			}
			if u.prefix != "" && prefixEnd(u.prefix) <= u.prefix {
				t.Fatalf("prefix end of %q", u.prefix)
			}
		}
		for _, term := range Terms(q) {
			if term == "" || !utf8.ValidString(term) || strings.ContainsAny(term, " %_:") {
				t.Fatalf("bad index term %q", term)
			}
		}
	})
}

// FuzzSearch: whatever the public types, the search runs on SQLite (and
// on PostgreSQL when CITYLOOP_TEST_POSTGRES_URL is set) without an error:
// every part of a query reaches the database as a bound value.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{"赵", `"赵" OR *`, "NEAR(a b)", "a AND NOT b", "'x':* | !y", `\'`, "{terms}: 赵", "^赵", "ZF2026-00017 秦淮",
		"公司 占道", "(", `""`, "v:road-01", "d:320102", "\x00", "\xff", strings.Repeat("长 ", 40)} {
		f.Add(s)
	}
	ctx := context.Background()
	var dbs []*DB
	dsns := []string{"sqlite:" + filepath.Join(f.TempDir(), "fuzz.db")}
	if os.Getenv(sqlkittest.PostgresEnv) != "" {
		dsns = append(dsns, sqlkittest.PostgresDSN(f, "cl_enffuzz", "the disclosure search"))
	}
	for _, dsn := range dsns {
		db, err := Open(ctx, dsn)
		if err != nil {
			f.Fatal(err)
		}
		f.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx); err != nil {
			f.Fatal(err)
		}
		if _, err := db.w.ExecContext(ctx, `INSERT INTO enforce_disclosure_violations (violation, name) VALUES ('ROAD-01', '擅自占用城市道路（占道经营）')
ON CONFLICT DO NOTHING`); err != nil {
			f.Fatal(err)
		}
		dbs = append(dbs, db)
	}
	f.Fuzz(func(t *testing.T, q string) {
		for _, db := range dbs {
			if _, _, err := db.FindDisclosures(ctx, enforce.DisclosureQuery{Q: q, District: "320102"}); err != nil {
				t.Fatalf("%s: search %q: %v", db.dialect, q, err)
			}
		}
	})
}
