package sqlstore_test

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"cityloop/internal/store/sqlstore"
)

// TestMigrationVersions checks that both dialects have the same migration
// versions, so a store can move between them.
func TestMigrationVersions(t *testing.T) {
	versions := map[string][]string{}
	for _, d := range []string{sqlstore.DialectSQLite, sqlstore.DialectPostgres} {
		files, err := sqlstore.MigrationFiles(d)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Fatalf("no %s migrations", d)
		}
		for _, f := range files {
			v, _, ok := strings.Cut(f, "_")
			if !ok {
				t.Errorf("%s migration %s: want VERSION_name.sql", d, f)
			}
			versions[d] = append(versions[d], v)
		}
		slices.Sort(versions[d])
	}
	if d := cmp.Diff(versions[sqlstore.DialectSQLite], versions[sqlstore.DialectPostgres]); d != "" {
		t.Errorf("migration versions differ (-sqlite +postgres):\n%s", d)
	}
}

// TestSchemaSame checks that, migrated, both dialects have the same tables
// and columns (names only; types differ by design).
func TestSchemaSame(t *testing.T) {
	pg := mustOpenPostgres(t)
	lite := mustOpenSQLite(t)
	sqliteCols := columns(t, lite.ReadPool(), `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
  AND m.name NOT LIKE '%\_fts%' ESCAPE '\'`) // an FTS5 table and its shadow tables are SQLite's form of what PostgreSQL keeps as a GIN index
	pgCols := columns(t, pg.ReadPool(), `SELECT table_name, column_name FROM information_schema.columns
WHERE table_schema = current_schema()`)
	if d := cmp.Diff(sqliteCols, pgCols); d != "" {
		t.Errorf("tables and columns differ (-sqlite +postgres):\n%s", d)
	}
	if !slices.Contains(sqliteCols, "cases.stage_due_at") {
		t.Errorf("schema query found no cases.stage_due_at: %v", sqliteCols)
	}
}

func columns(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		out = append(out, table+"."+col)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}
