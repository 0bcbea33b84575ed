package sqlstore

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"cityloop/internal/store/sqlkit"
)

// openPostgres opens a pool through pgx's database/sql adapter. pgx caches
// prepared statements per connection, so repeated statements are parsed once.
// Any extra parameter in the URL that pgx does not know, such as
// search_path=…, is sent as a run-time setting when a connection starts.
func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// The parse error may quote the password; say only what failed.
		return nil, fmt.Errorf("open postgres: the connection URL is not valid")
	}
	db := stdlib.OpenDB(*cfg)
	n := max(16, 4*runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(time.Hour)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres %s@%s:%d/%s: %w", cfg.User, cfg.Host, cfg.Port, cfg.Database, sqlkit.Norm(err))
	}
	return &DB{dialect: DialectPostgres, w: db, r: db}, nil
}
