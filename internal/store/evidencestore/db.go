package evidencestore

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

// VersionTable is where goose keeps the evidence tables' version.
const VersionTable = "evidence_goose_db_version"

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationsFS embed.FS

// DB is the evidence store. Safe for concurrent use.
type DB struct {
	dialect string
	w, r    *sql.DB
	keys    *pii.Keyring // nil: file names and notes stored as given
}

// Open connects to the app's database (the DSN forms of sqlkit.Open).
func Open(ctx context.Context, dsn string) (*DB, error) {
	// Uploads finish a few at a time; reads are lists of one case.
	p, err := sqlkit.Open(ctx, dsn, sqlkit.Options{Name: "evidence store", PostgresConns: 4, SQLiteReaders: 2, ForeignKeys: true})
	if err != nil {
		return nil, err
	}
	d := DialectSQLite
	if p.Postgres {
		d = DialectPostgres
	}
	return &DB{dialect: d, w: p.W, r: p.R}, nil
}

// SetKeyring makes the store seal file names and notes (where a party's
// name or phone often sits) with AES-256-GCM, each bound to its item and
// field, like reporters' contact details in sqlstore. Call it before use.
func (db *DB) SetKeyring(k *pii.Keyring) { db.keys = k }

// Dialect is DialectSQLite or DialectPostgres.
func (db *DB) Dialect() string { return db.dialect }

// Close closes the pools.
func (db *DB) Close() error {
	return sqlkit.Pools{W: db.w, R: db.r, Postgres: db.dialect == DialectPostgres}.Close()
}

// Migrate brings the evidence tables up to date in their own version table.
func (db *DB) Migrate(ctx context.Context) error {
	postgres := db.dialect == DialectPostgres
	err := sqlkit.Migrate(ctx, db.w, sqlkit.Migration{FS: sqlkit.DialectFS(migrationsFS, postgres), Postgres: postgres,
		VersionTable: VersionTable, LockName: "cityloop-evidence-migrate"})
	if err != nil {
		return fmt.Errorf("migrate evidence store: %w", sqlkit.Norm(err))
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

// Pools exposes the write and read pools to tests (schema inspection, and
// tampering with a row to show that verification finds it).
func (db *DB) Pools() (w, r *sql.DB) { return db.w, db.r }

func (db *DB) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return sqlkit.Norm(sqlkit.Tx(ctx, db.w, 4, sqlkit.Retryable, fn))
}
