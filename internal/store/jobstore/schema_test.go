package jobstore_test

import (
	"context"
	"slices"
	"testing"

	"cityloop/internal/store/jobstore"
)

func TestMigrations_SameVersionsInBothDialects(t *testing.T) {
	a, err := jobstore.MigrationFiles(jobstore.DialectSQLite)
	if err != nil {
		t.Fatal(err)
	}
	b, err := jobstore.MigrationFiles(jobstore.DialectPostgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) == 0 || !slices.Equal(a, b) {
		t.Fatalf("sqlite %v, postgres %v", a, b)
	}
}

// columns lists table.column of the jobs tables.
func columns(t *testing.T, db *jobstore.DB) []string {
	t.Helper()
	q := `SELECT m.name || '.' || p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
WHERE m.type = 'table' AND m.name IN ('jobs', 'job_runs', 'job_leases')`
	if db.Dialect() == jobstore.DialectPostgres {
		q = `SELECT table_name || '.' || column_name FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name IN ('jobs', 'job_runs', 'job_leases')`
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
	if len(lc) != 32 {
		t.Fatalf("%d columns, want the 14 of jobs, 9 of job_runs and 9 of job_leases: %v", len(lc), lc)
	}
	pc := columns(t, mustOpen(t, postgresDSN(t))) // skips without PostgreSQL
	if !slices.Equal(lc, pc) {
		t.Fatalf("columns differ:\nsqlite   %v\npostgres %v", lc, pc)
	}
}
