package inspectstore_test

import (
	"context"
	"slices"
	"testing"

	"cityloop/internal/store/inspectstore"
)

func TestMigrations_SameVersionsInBothDialects(t *testing.T) {
	a, err := inspectstore.MigrationFiles(inspectstore.DialectSQLite)
	if err != nil {
		t.Fatal(err)
	}
	b, err := inspectstore.MigrationFiles(inspectstore.DialectPostgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) == 0 || !slices.Equal(a, b) {
		t.Fatalf("sqlite %v, postgres %v", a, b)
	}
}

// columns lists table.column of the inspection tables.
func columns(t *testing.T, db *inspectstore.DB) []string {
	t.Helper()
	q := `SELECT m.name || '.' || p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
WHERE m.type = 'table' AND m.name LIKE 'inspection_%'`
	if db.Dialect() == inspectstore.DialectPostgres {
		q = `SELECT table_name || '.' || column_name FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name LIKE 'inspection_%'`
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
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func TestMigrations_SameColumns(t *testing.T) {
	lc := columns(t, mustOpen(t, sqliteDSN(t)))
	if len(lc) != 58 {
		t.Fatalf("%d columns, want the 58 of the seven inspection tables: %v", len(lc), lc)
	}
	pc := columns(t, mustOpen(t, postgresDSN(t))) // skips without PostgreSQL
	if !slices.Equal(lc, pc) {
		t.Fatalf("columns differ:\nsqlite   %v\npostgres %v", lc, pc)
	}
}

func TestMigrate_Idempotent(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			db := mustOpen(t, d.dsn(t))
			if err := db.Migrate(context.Background()); err != nil {
				t.Fatalf("second migrate: %v", err)
			}
			var n int
			if err := db.ReadPool().QueryRow(`SELECT COUNT(*) FROM ` + inspectstore.VersionTable).Scan(&n); err != nil || n < 2 {
				t.Fatalf("%s has %d rows (%v); want goose's own and ours", inspectstore.VersionTable, n, err)
			}
		})
	}
}
