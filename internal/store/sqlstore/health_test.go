package sqlstore

import (
	"context"
	"os"
	"testing"
)

// TestCheckWritable: the readiness probe succeeds on a writable store and
// fails once the database refuses writes, on both dialects.
func TestCheckWritable(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		open     func(t *testing.T) *DB
		readOnly string
	}{
		{"sqlite", openTestSQLite, "PRAGMA query_only = ON"},
		{"postgres", func(t *testing.T) *DB {
			if os.Getenv("CITYLOOP_TEST_POSTGRES_URL") == "" {
				t.Skip("CITYLOOP_TEST_POSTGRES_URL not set: skipping the PostgreSQL readiness check")
			}
			return openTestPostgres(t)
		}, "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := tc.open(t)
			for i := 0; i < 2; i++ {
				if err := db.CheckWritable(ctx); err != nil {
					t.Fatalf("writable store: %v", err)
				}
			}
			// One connection, so that the session setting below holds for the probe.
			db.w.SetMaxOpenConns(1)
			if _, err := db.w.ExecContext(ctx, tc.readOnly); err != nil {
				t.Fatal(err)
			}
			if err := db.CheckWritable(ctx); err == nil {
				t.Fatal("CheckWritable succeeded on a store that refuses writes")
			}
		})
	}
}
