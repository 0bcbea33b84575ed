package app

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
)

func execPostgres(url, stmt string) error {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

// TestAPI_ClosedLoopPostgres runs the API walk on PostgreSQL too.
func TestAPI_ClosedLoopPostgres(t *testing.T) {
	url := os.Getenv("CITYLOOP_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("CITYLOOP_TEST_POSTGRES_URL not set: skipping the PostgreSQL end-to-end test")
	}
	pgDSN = freshPostgres(t, url)
	defer func() { pgDSN = "" }()
	TestAPI_ClosedLoop(t)
}
