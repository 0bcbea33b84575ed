// Package sqlkittest gives store tests their databases: a SQLite file in
// the test's temporary directory, and a PostgreSQL schema of the test's
// own on the server CITYLOOP_TEST_POSTGRES_URL names, so the stores'
// tests run in parallel beside each other on one server. It imports the
// pgx driver and testing; only tests import it.
package sqlkittest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for the schema set-up
)

// PostgresEnv names the variable with the test server's URL.
const PostgresEnv = "CITYLOOP_TEST_POSTGRES_URL"

// SQLiteDSN is a SQLite file called name in the test's temporary directory.
func SQLiteDSN(t testing.TB, name string) string {
	return "sqlite:" + filepath.Join(t.TempDir(), name)
}

// PostgresDSN is the test server's URL with a schema of its own
// (prefix_<random>, dropped at cleanup) as search_path; pgx sends the URL
// parameter as a run-time setting. It skips the test, naming what, when
// the variable is unset.
func PostgresDSN(t testing.TB, prefix, what string) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skip(PostgresEnv + " is not set: skipping the PostgreSQL tests of " + what)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := prefix + "_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
