package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"cityloop/internal/store/sqlkit"
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
	m, err := db.migration()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := sqlkit.Migrate(ctx, db.w, m); err != nil {
		return fmt.Errorf("migrate: %w", db.norm(err))
	}
	return nil
}

// MigrationsPending reports whether the database lacks some of this
// binary's migrations (the readiness probe asks).
func (db *DB) MigrationsPending(ctx context.Context) (bool, error) {
	m, err := db.migration()
	if err != nil {
		return false, fmt.Errorf("check migrations: %w", err)
	}
	p, err := sqlkit.Pending(ctx, db.w, m)
	if err != nil {
		return false, fmt.Errorf("check migrations: %w", db.norm(err))
	}
	return p, nil
}

func (db *DB) migration() (sqlkit.Migration, error) {
	fsys, err := migrations(db.dialect)
	return sqlkit.Migration{FS: fsys, Postgres: db.dialect == DialectPostgres, LockName: "cityloop-migrate"}, err
}
