package hubstore_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"cityloop/internal/store/hubstore"
)

func TestMigrations_SameVersionsInBothDialects(t *testing.T) {
	a, err := hubstore.MigrationFiles(hubstore.DialectSQLite)
	if err != nil {
		t.Fatal(err)
	}
	b, err := hubstore.MigrationFiles(hubstore.DialectPostgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) == 0 || !slices.Equal(a, b) {
		t.Fatalf("sqlite %v, postgres %v", a, b)
	}
}

// columns lists table.column of the hub's tables.
func columns(t *testing.T, db *hubstore.DB) []string {
	t.Helper()
	q := `SELECT m.name || '.' || p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
WHERE m.type = 'table' AND (m.name LIKE 'hub\_%' ESCAPE '\' OR m.name LIKE 'open311\_%' ESCAPE '\' OR m.name LIKE 'hotline\_%' ESCAPE '\')`
	if db.Dialect() == hubstore.DialectPostgres {
		q = `SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = current_schema()
AND (table_name LIKE 'hub\_%' OR table_name LIKE 'open311\_%' OR table_name LIKE 'hotline\_%')`
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
		if s != "hub_goose_db_version.id" && !slices.Contains([]string{"hub_goose_db_version.version_id", "hub_goose_db_version.is_applied", "hub_goose_db_version.tstamp"}, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

func TestMigrations_SameColumns(t *testing.T) {
	ctx := context.Background()
	lite, err := hubstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	if err := lite.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := lite.Migrate(ctx); err != nil { // idempotent
		t.Fatal(err)
	}
	lc := columns(t, lite)
	if len(lc) < 50 {
		t.Fatalf("only %d columns: %v", len(lc), lc)
	}
	url := os.Getenv("CITYLOOP_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("CITYLOOP_TEST_POSTGRES_URL is not set: skipping the PostgreSQL comparison")
	}
	pg, err := hubstore.Open(ctx, freshSchema(t, url))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if err := pg.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if pc := columns(t, pg); !slices.Equal(lc, pc) {
		t.Fatalf("columns differ:\nsqlite   %v\npostgres %v", lc, pc)
	}
}
