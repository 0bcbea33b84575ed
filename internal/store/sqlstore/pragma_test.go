package sqlstore

import (
	"context"
	"path/filepath"
	"testing"
)

// TestSQLitePragmas: the tuning of the main store's pools survives the
// move of the opener into sqlkit (see poolOptions and sqlkit.SQLiteDSN).
func TestSQLitePragmas(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tt := range []struct {
		pool, pragma string
		want         int64
	}{
		{"writer", "busy_timeout", 5000},
		{"writer", "foreign_keys", 1},
		{"writer", "synchronous", 1}, // NORMAL
		{"writer", "temp_store", 2},  // MEMORY
		{"writer", "secure_delete", 1},
		{"writer", "cache_size", -65536},
		{"writer", "journal_size_limit", 67108864},
		{"writer", "query_only", 0},
		{"reader", "busy_timeout", 5000},
		{"reader", "foreign_keys", 1},
		{"reader", "temp_store", 2},
		{"reader", "cache_size", -16384},
		{"reader", "mmap_size", 1073741824},
		{"reader", "query_only", 1},
	} {
		pool := db.w
		if tt.pool == "reader" {
			pool = db.r
		}
		var got int64
		if err := pool.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil || got != tt.want {
			t.Errorf("%s: PRAGMA %s = %d, %v; want %d", tt.pool, tt.pragma, got, err, tt.want)
		}
	}
	var mode string
	if err := db.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v", mode, err)
	}
	if n := db.r.Stats().MaxOpenConnections; n < 4 {
		t.Errorf("read pool of %d connections", n)
	}
	if n := db.w.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("writer pool of %d connections, want 1", n)
	}
}
