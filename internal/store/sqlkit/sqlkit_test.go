package sqlkit

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	w := SQLiteDSN("data/a?b#c.db", "cache=shared", true, Options{WriterPragmas: []string{"temp_store(MEMORY)"}, WriterCache: 100, JournalLimit: 4096, ReaderMmap: 1 << 20})
	for _, want := range []string{"file:data/a%3fb%23c.db?", "cache=shared&", "busy_timeout%2810000%29", "_txlock=immediate", "cache_size%28-100%29",
		"secure_delete", "journal_size_limit%284096%29", "temp_store"} {
		if !strings.Contains(w, want) {
			t.Errorf("writer DSN %q lacks %q", w, want)
		}
	}
	if strings.Contains(w, "mmap_size") || strings.Contains(w, "query_only") {
		t.Errorf("writer DSN %q has a reader's pragma", w)
	}
	r := SQLiteDSN("a.db", "", false, Options{BusyTimeout: 5 * time.Second, ReaderCache: 16, ReaderMmap: 1 << 20, JournalLimit: 4096, WriterCache: 100})
	for _, want := range []string{"query_only", "busy_timeout%285000%29", "cache_size%28-16%29", "mmap_size%281048576%29"} {
		if !strings.Contains(r, want) {
			t.Errorf("reader DSN %q lacks %q", r, want)
		}
	}
	for _, not := range []string{"_txlock", "secure_delete", "journal_size_limit", "cache_size%28-100%29"} {
		if strings.Contains(r, not) {
			t.Errorf("reader DSN %q has the writer's %q", r, not)
		}
	}
	if strings.Index(w, "busy_timeout") > strings.Index(w, "journal_mode") {
		t.Error("busy_timeout must come first so the other pragmas wait for locks")
	}
}
