package sqlstore

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestSecureDelete: text that a write erases does not stay readable in the
// database file's free pages (retention purges personal data this way).
func TestSecureDelete(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "t.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	const marker = "secret-13812345678-marker"
	if _, err := db.w.ExecContext(ctx, `INSERT INTO counters (name, value) VALUES ($1, 1)`, marker); err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.ExecContext(ctx, `DELETE FROM counters WHERE name = $1`, marker); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(path + "*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(marker)) {
			t.Errorf("%s still holds the erased text", filepath.Base(f))
		}
	}
}
