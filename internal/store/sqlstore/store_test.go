package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for schema set-up

	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/store/sqlstore"
	"cityloop/internal/store/storetest"
)

const postgresEnv = "CITYLOOP_TEST_POSTGRES_URL"

// mustOpenSQLite opens and migrates a store in a fresh temporary file.
func mustOpenSQLite(tb testing.TB) *sqlstore.DB {
	tb.Helper()
	db, err := sqlstore.Open(context.Background(), "sqlite:"+filepath.Join(tb.TempDir(), "cityloop.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return db
}

// postgresURL returns the test server's URL or skips.
func postgresURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(postgresEnv)
	if u == "" {
		tb.Skip(postgresEnv + " not set: skipping the PostgreSQL store suite")
	}
	return u
}

// mustOpenPostgres opens and migrates a store in a schema of its own
// (cl_test_<random>, dropped at cleanup), so tests run in parallel.
func mustOpenPostgres(tb testing.TB) *sqlstore.DB {
	tb.Helper()
	base := postgresURL(tb)
	ctx := context.Background()
	var b [6]byte
	rand.Read(b[:])
	schema := "cl_test_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	db, err := sqlstore.Open(ctx, withSearchPath(tb, base, schema))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return db
}

// withSearchPath adds search_path=schema to a PostgreSQL URL; pgx sends
// unknown URL parameters as run-time settings when it connects.
func withSearchPath(tb testing.TB, base, schema string) string {
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("parse %s: %v", postgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return mustOpenSQLite(t) })
}

func TestPostgres(t *testing.T) {
	postgresURL(t)
	storetest.Run(t, func(t *testing.T) storetest.Store { return mustOpenPostgres(t) })
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, tc := range []struct {
		name, dsn string
	}{
		{"sqlite scheme", "sqlite:" + filepath.Join(dir, "a.db")},
		{"bare path", filepath.Join(dir, "b.db")},
		{"file URI", "file:" + filepath.Join(dir, "c.db")},
		{"sub directory is created", "sqlite:" + filepath.Join(dir, "data", "d.db")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := sqlstore.Open(ctx, tc.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if db.Dialect() != sqlstore.DialectSQLite {
				t.Errorf("Dialect() = %q", db.Dialect())
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			// Migrating again is a no-op.
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("second Migrate: %v", err)
			}
			var mode string
			if err := db.ReadPool().QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
				t.Errorf("journal_mode = %q, %v; want wal", mode, err)
			}
			var fk int
			if err := db.ReadPool().QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
				t.Errorf("foreign_keys = %d, %v; want 1", fk, err)
			}
		})
	}
	for _, dsn := range []string{"", ":memory:", "sqlite::memory:", "file::memory:?cache=shared"} {
		if db, err := sqlstore.Open(ctx, dsn); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded; want an error", dsn)
		}
	}
}

func TestClosedStore(t *testing.T) {
	db := mustOpenSQLite(t)
	db.Close()
	c := &casework.Case{ID: "c1", Status: casework.StatusPendingAccept, Source: casework.SourceCitizen, ReportedAt: time.Now(), UpdatedAt: time.Now()}
	err := db.CreateCase(context.Background(), c, nil)
	if !errs.Is(err, errs.KindUnavailable) {
		t.Errorf("CreateCase on a closed store: %v; want Unavailable", err)
	}
}

func TestPostgresOpen(t *testing.T) {
	db := mustOpenPostgres(t)
	if db.Dialect() != sqlstore.DialectPostgres {
		t.Errorf("Dialect() = %q", db.Dialect())
	}
	// Several nodes migrating one schema at once: the advisory lock lets
	// one migrate and the rest find nothing to do.
	base := postgresURL(t)
	var schema string
	if err := db.ReadPool().QueryRow("SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 3)
	for range 3 {
		go func() {
			other, err := sqlstore.Open(context.Background(), withSearchPath(t, base, schema))
			if err != nil {
				errc <- err
				return
			}
			defer other.Close()
			errc <- other.Migrate(context.Background())
		}()
	}
	for range 3 {
		if err := <-errc; err != nil {
			t.Errorf("concurrent Migrate: %v", err)
		}
	}
}
