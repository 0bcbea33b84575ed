package sqlkit

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name, dsn, wantErr string
	}{
		{"empty", " ", "empty"},
		{"memory", "sqlite::memory:", "needs a file"},
		{"bad postgres url", "postgres://%zz", "not valid"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(ctx, tt.dsn, Options{Name: "test store"})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "test store") {
				t.Fatalf("err %v, want one naming the store and %q", err, tt.wantErr)
			}
		})
	}
	p, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "sub", "x.db"), Options{Name: "test store", SQLiteReaders: 2, ForeignKeys: true})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.W.ExecContext(ctx, `CREATE TABLE t (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	if _, err := p.R.ExecContext(ctx, `INSERT INTO t VALUES (1)`); err == nil {
		t.Fatal("the read pool accepted a write")
	}
	var fk int
	if err := p.R.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys = %d, %v", fk, err)
	}
}

func TestSQLiteDSN(t *testing.T) {
	w := SQLiteDSN("data/a?b#c.db", "cache=shared", true, Options{WriterPragmas: []string{"cache_size(-100)"}})
	for _, want := range []string{"file:data/a%3fb%23c.db?", "cache=shared&", "busy_timeout", "_txlock=immediate", "cache_size"} {
		if !strings.Contains(w, want) {
			t.Errorf("writer DSN %q lacks %q", w, want)
		}
	}
	if r := SQLiteDSN("a.db", "", false, Options{}); !strings.Contains(r, "query_only") || strings.Contains(r, "_txlock") {
		t.Errorf("reader DSN %q", r)
	}
	if strings.Index(w, "busy_timeout") > strings.Index(w, "journal_mode") {
		t.Error("busy_timeout must come first so the other pragmas wait for locks")
	}
}
