package sqlkit

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migration says which migrations to run and where goose keeps their
// version. Each store has its own version table, so the stores sharing one
// database migrate independently.
type Migration struct {
	FS           fs.FS  // the dialect's *.sql files
	Postgres     bool   // dialect
	VersionTable string // "" = goose's default
	LockName     string // names the PostgreSQL advisory lock, e.g. "cityloop-migrate"
}

// Migrate brings the schema up to date. On PostgreSQL it holds a session
// advisory lock while it runs, so several nodes can start at once: the first
// migrates, the others wait and then find nothing to do. The lock key covers
// the database and schema, so separate schemas (one per test) migrate in
// parallel.
func Migrate(ctx context.Context, w *sql.DB, m Migration) error {
	p, err := provider(ctx, w, m)
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

// Pending reports whether the database lacks some of m's migrations: a
// node whose binary knows a schema newer than the database's must not take
// work (the readiness probe asks). It takes no lock.
func Pending(ctx context.Context, w *sql.DB, m Migration) (bool, error) {
	m.LockName = "" // reading the versions needs no lock
	p, err := provider(ctx, w, m)
	if err != nil {
		return false, err
	}
	return p.HasPending(ctx)
}

// provider is goose's provider for m, with the advisory lock on PostgreSQL
// when m names one.
func provider(ctx context.Context, w *sql.DB, m Migration) (*goose.Provider, error) {
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if m.VersionTable != "" {
		opts = append(opts, goose.WithTableName(m.VersionTable))
	}
	dialect := goose.DialectSQLite3
	if m.Postgres {
		dialect = goose.DialectPostgres
	}
	if m.Postgres && m.LockName != "" {
		var name string
		if err := w.QueryRowContext(ctx, `SELECT current_database() || '.' || COALESCE(current_schema(), '')`).Scan(&name); err != nil {
			return nil, fmt.Errorf("read current schema: %w", err)
		}
		h := fnv.New64a()
		h.Write([]byte(m.LockName + ":" + name))
		// Retry every second for up to 5 minutes (goose's default probes
		// every 5 s, which makes a second node wait needlessly).
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64())), lock.WithLockTimeout(1, 300), lock.WithUnlockTimeout(1, 60))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, w, m.FS, opts...)
}

// DialectFS is the dialect's folder of a store's embedded migrations
// (migrations/sqlite or migrations/postgres under root), the FS a
// Migration takes.
func DialectFS(root fs.FS, postgres bool) fs.FS {
	dialect := "sqlite"
	if postgres {
		dialect = "postgres"
	}
	sub, err := fs.Sub(root, "migrations/"+dialect)
	if err != nil {
		// fs.Sub refuses only a malformed path, and this one is fixed.
		panic(fmt.Sprintf("sqlkit: migrations/%s: %v", dialect, err))
	}
	return sub
}
