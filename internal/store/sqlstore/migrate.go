package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"hash/fnv"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// migrationsFS holds one directory of goose .sql files per dialect, with the
// same version numbers in both (a test checks it).
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationsFS embed.FS

func migrations(dialect string) (fs.FS, error) {
	return fs.Sub(migrationsFS, "migrations/"+dialect)
}

// Migrate brings the schema up to date. On PostgreSQL it holds a session
// advisory lock while it runs, so several nodes can start at once: the first
// migrates, the others wait and then find nothing to do.
func (db *DB) Migrate(ctx context.Context) error {
	fsys, err := migrations(db.dialect)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	dialect := goose.DialectSQLite3
	if db.dialect == DialectPostgres {
		dialect = goose.DialectPostgres
		id, err := db.migrationLockID(ctx)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		// Retry every second for up to 5 minutes (goose's default probes
		// every 5 s, which makes a second node wait needlessly).
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(id), lock.WithLockTimeout(1, 300), lock.WithUnlockTimeout(1, 60))
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db.w, fsys, opts...)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", db.norm(err))
	}
	return nil
}

// migrationLockID is the advisory lock key for this database and schema:
// nodes sharing a schema exclude each other, while separate schemas (one per
// test) migrate in parallel.
func (db *DB) migrationLockID(ctx context.Context) (int64, error) {
	var name string
	if err := db.w.QueryRowContext(ctx, `SELECT current_database() || '.' || COALESCE(current_schema(), '')`).Scan(&name); err != nil {
		return 0, fmt.Errorf("read current schema: %w", db.norm(err))
	}
	h := fnv.New64a()
	h.Write([]byte("cityloop-migrate:" + name))
	return int64(h.Sum64()), nil
}
