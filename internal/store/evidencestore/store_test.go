package evidencestore_test

import (
	"cityloop/internal/store/sqlkit/sqlkittest"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for the schema set-up

	"cityloop/internal/evidence"
	"cityloop/internal/evidence/evidencetest"
	"cityloop/internal/org"
	"cityloop/internal/pii"
	"cityloop/internal/store/evidencestore"
)

const postgresEnv = "CITYLOOP_TEST_POSTGRES_URL"

// mustOpen opens and migrates a store on dsn with a keyring, closed at
// cleanup.
func mustOpen(t *testing.T, dsn string) *evidencestore.DB {
	t.Helper()
	db, err := evidencestore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	keys, err := pii.ParseKeyring("k1:" + pii.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	db.SetKeyring(keys)
	return db
}

func sqliteDSN(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "evidence.db") }

func postgresDSN(t *testing.T) string {
	return sqlkittest.PostgresDSN(t, "cl_evidence", "the evidence store")
}

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
			evidencetest.Run(t, func(t *testing.T) evidence.Store { return mustOpen(t, d.dsn(t)) })
		})
	}
}

// TestVerify_FindsATamperedRow: a row of the chain changed in the database
// behind the application's back (an actor rewritten, an entry deleted, an
// item's hash replaced) is found, and the broken entry named.
func TestVerify_FindsATamperedRow(t *testing.T) {
	ctx := context.Background()
	enforcer := org.Actor{ID: "officer-1", Grants: []org.Grant{{Post: org.PostEnforcer}}}
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			for _, tc := range []struct {
				name     string
				sql      string
				wantSeq  int64
				mismatch bool
			}{
				{"custody actor rewritten", `UPDATE evidence_custody SET actor = 'someone-else' WHERE case_id = 'case-1' AND seq = 3`, 3, false},
				{"custody entry deleted", `DELETE FROM evidence_custody WHERE case_id = 'case-1' AND seq = 2`, 3, true}, // seq 2 was ev-b's upload entry
				{"custody time moved", `UPDATE evidence_custody SET at = at - 3600000000 WHERE case_id = 'case-1' AND seq = 4`, 4, false},
				{"item hash replaced", `UPDATE evidence_items SET sha256 = 'ff' WHERE id = 'ev-b'`, 0, true},
			} {
				t.Run(tc.name, func(t *testing.T) {
					db := mustOpen(t, d.dsn(t))
					now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
					s := &evidence.Service{Store: db, Access: evidence.PostAccess{}, Now: func() time.Time { now = now.Add(time.Minute); return now }}
					for _, id := range []string{"ev-a", "ev-b"} {
						it := evidencetest.Item(id, "case-1")
						if _, _, err := s.Record(ctx, it); err != nil {
							t.Fatal(err)
						}
					}
					for range 3 {
						if _, _, err := s.Release(ctx, enforcer, "ev-a", evidence.Exported, "复议"); err != nil {
							t.Fatal(err)
						}
					}
					r, err := s.VerifyCase(ctx, enforcer, "case-1")
					if err != nil || !r.OK || r.Entries != 5 {
						t.Fatalf("before tampering: %+v %v", r, err)
					}
					w, _ := db.Pools()
					if _, err := w.ExecContext(ctx, tc.sql); err != nil {
						t.Fatal(err)
					}
					chain, err := db.Custody(ctx, "case-1")
					if err != nil {
						t.Fatal(err)
					}
					err = evidence.Verify(chain)
					var be *evidence.BreakError
					switch {
					case tc.wantSeq == 0 && err != nil:
						t.Fatalf("chain broke: %v", err)
					case tc.wantSeq != 0 && (!errors.As(err, &be) || be.Seq != tc.wantSeq):
						t.Fatalf("Verify = %v, want broken at entry %d", err, tc.wantSeq)
					}
					r, err = s.VerifyCase(ctx, enforcer, "case-1")
					if err != nil || r.OK || (len(r.Mismatches) > 0) != tc.mismatch {
						t.Fatalf("report %+v %v", r, err)
					}
				})
			}
		})
	}
}

// TestSealedAtRest: the file name and note (a party's name, a phone) never
// reach the database in plain.
func TestSealedAtRest(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, sqliteDSN(t))
	it := evidencetest.Item("ev-a", "case-1")
	if _, err := db.CreateEvidence(ctx, it, evidence.Entry{CaseID: "case-1", At: it.UploadedAt, Actor: it.OfficerID, Action: evidence.Uploaded, EvidenceID: "ev-a"}); err != nil {
		t.Fatal(err)
	}
	_, r := db.Pools()
	var name, note string
	if err := r.QueryRowContext(ctx, `SELECT filename, note FROM evidence_items WHERE id = 'ev-a'`).Scan(&name, &note); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{name, note} {
		if !strings.HasPrefix(v, "v1:") || strings.Contains(v, "张三") || strings.Contains(v, "13800138000") {
			t.Errorf("stored %q, want sealed", v)
		}
	}
	got, err := db.FindEvidenceByID(ctx, "ev-a")
	if err != nil || got.Note != it.Note || got.Filename != it.Filename {
		t.Errorf("read back %q %q %v", got.Filename, got.Note, err)
	}
}

func TestMigrations_SameVersionsInBothDialects(t *testing.T) {
	a, err := evidencestore.MigrationFiles(evidencestore.DialectSQLite)
	if err != nil {
		t.Fatal(err)
	}
	b, err := evidencestore.MigrationFiles(evidencestore.DialectPostgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) == 0 || !slices.Equal(a, b) {
		t.Fatalf("sqlite %v, postgres %v", a, b)
	}
}

func columns(t *testing.T, db *evidencestore.DB) []string {
	t.Helper()
	q := `SELECT m.name || '.' || p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
WHERE m.type = 'table' AND m.name LIKE 'evidence\_%' ESCAPE '\' AND m.name <> 'evidence_goose_db_version'`
	if db.Dialect() == evidencestore.DialectPostgres {
		q = `SELECT table_name || '.' || column_name FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name LIKE 'evidence\_%' AND table_name <> 'evidence_goose_db_version'`
	}
	_, r := db.Pools()
	rows, err := r.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func TestMigrations_SameColumns(t *testing.T) {
	lc := columns(t, mustOpen(t, sqliteDSN(t)))
	if len(lc) != 29 {
		t.Fatalf("%d columns, want the 17 of evidence_items, 9 of evidence_custody and 3 of evidence_chains: %v", len(lc), lc)
	}
	pc := columns(t, mustOpen(t, postgresDSN(t)))
	if !slices.Equal(lc, pc) {
		t.Fatalf("sqlite %v\npostgres %v", lc, pc)
	}
}
