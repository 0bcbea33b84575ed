package enforcestore_test

import (
	"cityloop/internal/store/sqlkit/sqlkittest"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for the schema set-up

	"cityloop/internal/enforce"
	"cityloop/internal/org"
	"cityloop/internal/pii"
	"cityloop/internal/store/enforcestore"
	"cityloop/internal/store/storetest"
)

const postgresEnv = "CITYLOOP_TEST_POSTGRES_URL"

// mustOpen opens and migrates a store on dsn with a keyring, closed at cleanup.
func mustOpen(t *testing.T, dsn string) *enforcestore.DB {
	t.Helper()
	db, err := enforcestore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	k, err := pii.ParseKeyring("k1:" + pii.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	db.SetKeyring(k)
	return db
}

func sqliteDSN(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "enforce.db") }

func postgresDSN(t *testing.T) string {
	return sqlkittest.PostgresDSN(t, "cl_enforce", "the enforcement store")
}

func TestContract_SQLite(t *testing.T) {
	storetest.RunEnforce(t, func(t *testing.T) enforce.Store { return mustOpen(t, sqliteDSN(t)) })
}

func TestContract_PostgreSQL(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skip(postgresEnv + " is not set: skipping the PostgreSQL contract of the enforcement store")
	}
	storetest.RunEnforce(t, func(t *testing.T) enforce.Store { return mustOpen(t, postgresDSN(t)) })
}

func TestMigrations_SameVersionsInBothDialects(t *testing.T) {
	a, err := enforcestore.MigrationFiles(enforcestore.DialectSQLite)
	if err != nil {
		t.Fatal(err)
	}
	b, err := enforcestore.MigrationFiles(enforcestore.DialectPostgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) == 0 || !slices.Equal(a, b) {
		t.Fatalf("sqlite %v, postgres %v", a, b)
	}
}

func columns(t *testing.T, db *enforcestore.DB) []string {
	t.Helper()
	q := `SELECT m.name || '.' || p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
WHERE m.type = 'table' AND m.name LIKE 'enforce\_%' ESCAPE '\' AND m.name <> 'enforce_goose_db_version'`
	if db.Dialect() == enforcestore.DialectPostgres {
		q = `SELECT table_name || '.' || column_name FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name LIKE 'enforce\_%' AND table_name <> 'enforce_goose_db_version'`
	}
	rows, err := db.ReadPool().QueryContext(context.Background(), q)
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
	if len(lc) < 50 {
		t.Fatalf("only %d columns: %v", len(lc), lc)
	}
	pc := columns(t, mustOpen(t, postgresDSN(t))) // skips without PostgreSQL
	if !slices.Equal(lc, pc) {
		t.Fatalf("columns differ:\nsqlite   %v\npostgres %v", lc, pc)
	}
}

// TestParty_SealedAtRest reads the raw tables: the party's name, ID
// number, phone and address appear nowhere in clear, the key is not the
// number, and the store still opens them.
func TestParty_SealedAtRest(t *testing.T) {
	db := mustOpen(t, sqliteDSN(t))
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	c := &enforce.Case{ID: "pc-1", District: "320102", Status: enforce.StatusLead, Party: enforce.Party{Kind: enforce.Person, Name: "孙悟空"},
		OccurredAt: now, Version: 1, UpdatedAt: now}
	p := enforce.PartyDetail{Kind: enforce.Person, Name: "孙悟空", IDNumber: "11010119900307123X", Phone: "13800001111", Address: "花果山水帘洞 1 号"}
	ev := enforce.Event{CaseID: c.ID, Seq: 1, Action: enforce.ActOpen, To: enforce.StatusLead, Actor: "o1", Post: org.PostEnforcer, At: now}
	if err := db.CreateCase(ctx, c, p, []enforce.Event{ev}, nil); err != nil {
		t.Fatal(err)
	}
	var dump strings.Builder
	for _, table := range []string{"enforce_cases", "enforce_parties", "enforce_events"} {
		rows, err := db.ReadPool().QueryContext(ctx, "SELECT * FROM "+table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if s, ok := v.(string); ok {
					dump.WriteString(s + "\n")
				}
			}
		}
		rows.Close()
	}
	for _, secret := range []string{"孙悟空", "11010119900307123X", "13800001111", "花果山"} {
		if strings.Contains(dump.String(), secret) {
			t.Errorf("%q is stored in clear", secret)
		}
	}
	got, err := db.FindParty(ctx, c.ID)
	if err != nil || got.Name != "孙悟空" || got.IDNumber != "11010119900307123X" || got.Phone != "13800001111" {
		t.Fatalf("opened party %+v, %v", got, err)
	}
	if !strings.HasPrefix(c.Party.ID, "b:") {
		t.Fatalf("party key %q is not a blind index", c.Party.ID)
	}
}

// TestResealParties: after a key rotation every party opens under the new
// key alone and its earlier acts are still found by its ID number, once
// the old key has left the ring; a second run changes nothing.
func TestResealParties(t *testing.T) {
	for _, tc := range []struct {
		name string
		dsn  func(*testing.T) string
	}{{"sqlite", sqliteDSN}, {"postgres", postgresDSN}} {
		t.Run(tc.name, func(t *testing.T) {
			dsn := tc.dsn(t)
			db := mustOpen(t, dsn)
			ctx := context.Background()
			oldSpec := "k1:" + pii.NewKey()
			oldKeys, _ := pii.ParseKeyring(oldSpec)
			db.SetKeyring(oldKeys)
			now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
			p := enforce.PartyDetail{Kind: enforce.Person, Name: "孙悟空", IDNumber: "11010119900307123X", Phone: "13800001111", Address: "花果山水帘洞 1 号"}
			for i, id := range []string{"pc-1", "pc-2"} {
				c := &enforce.Case{ID: id, District: "320102", Status: enforce.StatusLead, Party: enforce.Party{Kind: enforce.Person, Name: "孙悟空"},
					OccurredAt: now.AddDate(0, 0, i), Version: 1, UpdatedAt: now}
				ev := enforce.Event{CaseID: c.ID, Seq: 1, Action: enforce.ActOpen, To: enforce.StatusLead, Actor: "o1", Post: org.PostEnforcer, At: now}
				if err := db.CreateCase(ctx, c, p, []enforce.Event{ev}, nil); err != nil {
					t.Fatal(err)
				}
			}
			newSpec := "k2:" + pii.NewKey()
			both, _ := pii.ParseKeyring(newSpec + "," + oldSpec)
			db.SetKeyring(both)
			if n, err := db.ResealParties(ctx); err != nil || n != 2 {
				t.Fatalf("reseal = %d, %v; want 2 parties", n, err)
			}
			if n, err := db.ResealParties(ctx); err != nil || n != 0 {
				t.Fatalf("second reseal = %d, %v; want 0", n, err)
			}
			newOnly, _ := pii.ParseKeyring(newSpec)
			db.SetKeyring(newOnly)
			got, err := db.FindParty(ctx, "pc-1")
			if err != nil || got.Name != "孙悟空" || got.IDNumber != "11010119900307123X" || got.Phone != "13800001111" {
				t.Fatalf("party under the new key alone: %+v, %v", got, err)
			}
			list, total, err := db.FindCases(ctx, enforce.Filter{Party: "11010119900307123X", Limit: 10})
			if err != nil || total != 2 || len(list) != 2 {
				t.Fatalf("cases of the party by ID number under the new key: %d %d %v", len(list), total, err)
			}
		})
	}
}

// TestResealPlaces: after a key rotation a registered place and the
// reminders sent to it are found under the new key alone; a second run
// changes nothing.
func TestResealPlaces(t *testing.T) {
	for _, tc := range []struct {
		name string
		dsn  func(*testing.T) string
	}{{"sqlite", sqliteDSN}, {"postgres", postgresDSN}} {
		t.Run(tc.name, func(t *testing.T) {
			db := mustOpen(t, tc.dsn(t))
			ctx := context.Background()
			oldSpec := "k1:" + pii.NewKey()
			oldKeys, _ := pii.ParseKeyring(oldSpec)
			db.SetKeyring(oldKeys)
			at := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
			place := enforce.Place{Kind: enforce.PlaceShop, Ref: "SHOP-0042", Name: "李记烧烤", Phone: "13800002222", UpdatedAt: at}
			if err := db.PutPlace(ctx, place); err != nil {
				t.Fatal(err)
			}
			if _, err := db.RecordReminder(ctx, place.Kind, place.Ref, enforce.SentReminder{ID: "r1", IdempotencyKey: "cam1/t1", PlaceKind: place.Kind,
				Camera: "cam1", Category: "event:0504", Track: "t1", Channel: "sms", MessageID: "m1", At: at}); err != nil {
				t.Fatal(err)
			}
			newSpec := "k2:" + pii.NewKey()
			both, _ := pii.ParseKeyring(newSpec + "," + oldSpec)
			db.SetKeyring(both)
			if n, err := db.ResealPlaces(ctx); err != nil || n != 1 {
				t.Fatalf("reseal = %d, %v; want 1 place", n, err)
			}
			if n, err := db.ResealPlaces(ctx); err != nil || n != 0 {
				t.Fatalf("second reseal = %d, %v; want 0", n, err)
			}
			newOnly, _ := pii.ParseKeyring(newSpec)
			db.SetKeyring(newOnly)
			got, err := db.FindPlace(ctx, place.Kind, place.Ref)
			if err != nil || got.Name != "李记烧烤" || got.Phone != "13800002222" {
				t.Fatalf("place under the new key alone: %+v, %v", got, err)
			}
			if rs, err := db.FindReminders(ctx, place.Kind, place.Ref); err != nil || len(rs) != 1 {
				t.Fatalf("reminders under the new key alone: %d, %v", len(rs), err)
			}
		})
	}
}
