package inspectstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"cityloop/internal/pii"
	"cityloop/internal/store/sqlkit"
)

// Dialects.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// VersionTable is where goose keeps the inspection tables' migration version.
const VersionTable = "inspect_goose_db_version"

// DB is the inspection store. Safe for concurrent use once SetKeyring has
// been called (app sets it before serving).
type DB struct {
	dialect string
	w, r    *sql.DB
	keys    *pii.Keyring
}

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationsFS embed.FS

// Open connects to the app's database (the DSN forms of sqlkit.Open).
func Open(ctx context.Context, dsn string) (*DB, error) {
	// Plans are written by a few leaders a month and read by the public
	// portal; a small pool is plenty.
	p, err := sqlkit.Open(ctx, dsn, sqlkit.Options{Name: "inspection store", PostgresConns: 4, SQLiteReaders: 2, ForeignKeys: true})
	if err != nil {
		return nil, err
	}
	d := DialectSQLite
	if p.Postgres {
		d = DialectPostgres
	}
	return &DB{dialect: d, w: p.W, r: p.R}, nil
}

// SetKeyring makes the store seal personal data and unrevealed seeds; nil
// stores them as given.
func (db *DB) SetKeyring(k *pii.Keyring) { db.keys = k }

// Dialect is DialectSQLite or DialectPostgres.
func (db *DB) Dialect() string { return db.dialect }

// Close closes the pools.
func (db *DB) Close() error {
	return sqlkit.Pools{W: db.w, R: db.r, Postgres: db.dialect == DialectPostgres}.Close()
}

// Migrate brings the inspection tables up to date, in their own version
// table. On PostgreSQL an advisory lock lets several nodes start together.
func (db *DB) Migrate(ctx context.Context) error {
	postgres := db.dialect == DialectPostgres
	err := sqlkit.Migrate(ctx, db.w, sqlkit.Migration{FS: sqlkit.DialectFS(migrationsFS, postgres), Postgres: postgres,
		VersionTable: VersionTable, LockName: "cityloop-inspect-migrate"})
	if err != nil {
		return fmt.Errorf("migrate inspection store: %w", sqlkit.Norm(err))
	}
	return nil
}

// MigrationFiles lists the embedded migration names of a dialect (for the
// schema test).
func MigrationFiles(dialect string) ([]string, error) {
	fsys, err := fs.Sub(migrationsFS, "migrations/"+dialect)
	if err != nil {
		return nil, err
	}
	return fs.Glob(fsys, "*.sql")
}

// ReadPool exposes the read pool for schema inspection in tests.
func (db *DB) ReadPool() *sql.DB { return db.r }

// tx runs fn in a write transaction, retrying a busy database a few times.
func (db *DB) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return sqlkit.Norm(sqlkit.Tx(ctx, db.w, 4, sqlkit.Retryable, fn))
}
