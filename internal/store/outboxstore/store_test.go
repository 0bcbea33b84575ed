package outboxstore_test

import (
	"cityloop/internal/store/sqlkit/sqlkittest"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for the schema set-up

	"cityloop/internal/outbox"
	"cityloop/internal/outbox/outboxtest"
	"cityloop/internal/pii"
	"cityloop/internal/store/outboxstore"
)

const postgresEnv = "CITYLOOP_TEST_POSTGRES_URL"

// testKeys is a keyring of one fixed key, as the app's would be.
func testKeys(t *testing.T) *pii.Keyring {
	t.Helper()
	k, err := pii.ParseKeyring("t1:" + pii.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// mustOpen opens and migrates a store on dsn with keys, closed at cleanup.
func mustOpen(t *testing.T, dsn string, keys *pii.Keyring) *outboxstore.DB {
	t.Helper()
	db, err := outboxstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	db.SetKeyring(keys)
	return db
}

func sqliteDSN(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "outbox.db") }

func postgresDSN(t *testing.T) string {
	return sqlkittest.PostgresDSN(t, "cl_outbox", "the outbox store")
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
			outboxtest.Run(t, func(t *testing.T) outbox.Store { return mustOpen(t, d.dsn(t), testKeys(t)) })
		})
	}
}

// TestClaim_TwoNodes: several claimers on separate handles (own pools, as
// separate nodes have) claim small batches of 60 due messages at once
// until none is left; every message is claimed exactly once.
func TestClaim_TwoNodes(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			dsn, keys := d.dsn(t), testKeys(t)
			stores := []*outboxstore.DB{mustOpen(t, dsn, keys), mustOpen(t, dsn, keys), mustOpen(t, dsn, keys)}
			const n = 60
			for i := range n {
				outboxtest.Enqueue(t, stores[0], outboxtest.Draft(outbox.ChannelSMS, fmt.Sprint(i)), fmt.Sprintf("m%02d", i), outboxtest.T0)
			}
			var mu sync.Mutex
			seen := map[string]int{}
			var wg sync.WaitGroup
			errc := make(chan error, 6)
			for i := range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s := stores[i%len(stores)]
					for {
						ms, err := s.ClaimMessages(context.Background(), outbox.Claim{Node: fmt.Sprint("node", i), Channels: outbox.Channels,
							Now: outboxtest.T0, LeaseUntil: outboxtest.T0.Add(time.Minute), Limit: 4})
						if err != nil {
							errc <- err
							return
						}
						if len(ms) == 0 {
							return
						}
						mu.Lock()
						for _, m := range ms {
							seen[m.ID]++
						}
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			close(errc)
			for err := range errc {
				t.Error(err)
			}
			if len(seen) != n {
				t.Errorf("%d messages claimed, want %d", len(seen), n)
			}
			for id, c := range seen {
				if c != 1 {
					t.Errorf("%s claimed %d times", id, c)
				}
			}
		})
	}
}

// TestSealed: the recipient, subject and body are not in the table in
// plain, and a sealed value moved to another row does not open.
func TestSealed(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			db := mustOpen(t, d.dsn(t), testKeys(t))
			outboxtest.Enqueue(t, db, outboxtest.Draft(outbox.ChannelEmail, "a"), "a", outboxtest.T0)
			outboxtest.Enqueue(t, db, outboxtest.Draft(outbox.ChannelSMS, "b"), "b", outboxtest.T0)
			rows, err := db.ReadPool().Query(`SELECT recipient || '|' || subject || '|' || body FROM outbox_messages`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var raw string
				if err := rows.Scan(&raw); err != nil {
					t.Fatal(err)
				}
				for _, plain := range []string{"zhang@example.org", "13812345678", "行政处罚", "123456"} {
					if strings.Contains(raw, plain) {
						t.Errorf("the table holds %q in plain: %s", plain, raw)
					}
				}
			}
			if _, err := db.ReadPool().Exec(`UPDATE outbox_messages SET recipient = (SELECT recipient FROM outbox_messages WHERE id = 'a') WHERE id = 'b'`); err == nil {
				// the read pool may refuse writes (SQLite); PostgreSQL's is the writer
				if _, err := db.FindMessageByID(context.Background(), "b"); err == nil {
					t.Error("a recipient sealed for another message opened")
				}
			}
		})
	}
}

func TestMigrations_SameVersionsInBothDialects(t *testing.T) {
	a, err := outboxstore.MigrationFiles(outboxstore.DialectSQLite)
	if err != nil {
		t.Fatal(err)
	}
	b, err := outboxstore.MigrationFiles(outboxstore.DialectPostgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) == 0 || !slices.Equal(a, b) {
		t.Fatalf("sqlite %v, postgres %v", a, b)
	}
}

func columns(t *testing.T, db *outboxstore.DB) []string {
	t.Helper()
	q := `SELECT m.name || '.' || p.name || ':' || p."notnull" FROM sqlite_master m JOIN pragma_table_info(m.name) p
WHERE m.type = 'table' AND m.name LIKE 'outbox_%' AND m.name <> 'outbox_goose_db_version'`
	if db.Dialect() == outboxstore.DialectPostgres {
		q = `SELECT table_name || '.' || column_name || ':' || CASE is_nullable WHEN 'NO' THEN '1' ELSE '0' END FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name LIKE 'outbox_%' AND table_name <> 'outbox_goose_db_version'`
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

// TestMigrations_SameColumns: both dialects have the same tables, columns
// and NOT NULLs (SQLite's INTEGER PRIMARY KEY reports nullable; it is not).
func TestMigrations_SameColumns(t *testing.T) {
	lc := columns(t, mustOpen(t, sqliteDSN(t), nil))
	if len(lc) != 22+9+8 {
		t.Fatalf("%d columns, want the 22 of outbox_messages, 9 of outbox_attempts and 8 of outbox_receipts: %v", len(lc), lc)
	}
	pc := columns(t, mustOpen(t, postgresDSN(t), nil))
	norm := func(cs []string) []string {
		out := slices.Clone(cs)
		for i, c := range out {
			if strings.HasSuffix(c, ".id:0") || strings.HasSuffix(c, ".id:1") {
				out[i] = strings.TrimSuffix(strings.TrimSuffix(c, ":0"), ":1")
			}
		}
		return out
	}
	if !slices.Equal(norm(lc), norm(pc)) {
		t.Fatalf("columns differ:\nsqlite   %v\npostgres %v", lc, pc)
	}
}

// TestResealMessages: after a new key is put in front, every message is
// sealed again under it, still opens, and opens once the old key is gone;
// a second run rewrites nothing.
func TestResealMessages(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			oldKey, newKey := pii.NewKey(), pii.NewKey()
			old, _ := pii.ParseKeyring("k1:" + oldKey)
			dsn := d.dsn(t)
			db := mustOpen(t, dsn, old)
			outboxtest.Enqueue(t, db, outboxtest.Draft(outbox.ChannelEmail, "a"), "a", outboxtest.T0)
			outboxtest.Enqueue(t, db, outboxtest.Draft(outbox.ChannelSMS, "b"), "b", outboxtest.T0)
			both, _ := pii.ParseKeyring("k2:" + newKey + ",k1:" + oldKey)
			db.SetKeyring(both)
			n, err := db.ResealMessages(context.Background())
			if err != nil || n != 2 {
				t.Fatalf("resealed %d, %v", n, err)
			}
			if n, err := db.ResealMessages(context.Background()); err != nil || n != 0 {
				t.Fatalf("second run resealed %d, %v", n, err)
			}
			only, _ := pii.ParseKeyring("k2:" + newKey)
			db.SetKeyring(only)
			m, err := db.FindMessageByID(context.Background(), "a")
			if err != nil || m.To != "zhang@example.org" || m.Subject != "行政处罚决定书送达" {
				t.Fatalf("after rotation: %+v %v", m, err)
			}
		})
	}
}
