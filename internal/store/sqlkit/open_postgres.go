package sqlkit

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// openPostgres opens a pool through pgx's database/sql adapter. pgx caches
// prepared statements per connection, so repeated statements are parsed
// once. Any extra parameter in the URL that pgx does not know, such as
// search_path=…, is sent as a run-time setting when a connection starts.
func openPostgres(ctx context.Context, dsn string, o Options) (Pools, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// The parse error may quote the password; say only what failed.
		return Pools{}, fmt.Errorf("open %s: the PostgreSQL URL is not valid", o.Name)
	}
	db := stdlib.OpenDB(*cfg)
	n := max(o.PostgresConns, 1)
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(o.PostgresMaxLifetime)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return Pools{}, fmt.Errorf("open %s: postgres %s@%s:%d/%s: %w", o.Name, cfg.User, cfg.Host, cfg.Port, cfg.Database, Norm(err))
	}
	return Pools{W: db, R: db, Postgres: true}, nil
}
