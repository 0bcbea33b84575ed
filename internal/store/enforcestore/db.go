package enforcestore

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

// VersionTable is where goose keeps the enforcement tables' migration version.
const VersionTable = "enforce_goose_db_version"

// DB is the penalty-case store. Safe for concurrent use; set the keyring
// before the first write.
type DB struct {
	dialect string
	w, r    *sql.DB
	keys    *pii.Keyring
}

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationsFS embed.FS

// Open connects to the app's database (the DSN forms of sqlkit.Open), with
// a writer and a small read pool of its own on SQLite.
func Open(ctx context.Context, dsn string) (*DB, error) {
	p, err := sqlkit.Open(ctx, dsn, sqlkit.Options{Name: "enforcement store", PostgresConns: 6, SQLiteReaders: 3, ForeignKeys: true})
	if err != nil {
		return nil, err
	}
	d := DialectSQLite
	if p.Postgres {
		d = DialectPostgres
	}
	return &DB{dialect: d, w: p.W, r: p.R}, nil
}

// SetKeyring makes the store seal parties' personal data with AES-256-GCM
// (each value bound to its case and field) and key parties by an HMAC of
// their identity number. Without a keyring values are stored as given and
// the key is a plain hash, as sqlstore does for reporters.
func (db *DB) SetKeyring(k *pii.Keyring) { db.keys = k }

// Dialect is DialectSQLite or DialectPostgres.
func (db *DB) Dialect() string { return db.dialect }

// Close closes the pools.
func (db *DB) Close() error {
	return sqlkit.Pools{W: db.w, R: db.r, Postgres: db.dialect == DialectPostgres}.Close()
}

// Migrate brings the enforcement tables up to date in their own version
// table; on PostgreSQL an advisory lock lets several nodes start together.
func (db *DB) Migrate(ctx context.Context) error {
	postgres := db.dialect == DialectPostgres
	err := sqlkit.Migrate(ctx, db.w, sqlkit.Migration{FS: sqlkit.DialectFS(migrationsFS, postgres), Postgres: postgres,
		VersionTable: VersionTable, LockName: "cityloop-enforce-migrate"})
	if err != nil {
		return fmt.Errorf("migrate enforcement store: %w", sqlkit.Norm(err))
	}
	return db.indexMissing(ctx)
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

// ReadPool exposes the read pool for schema and sealing checks in tests.
func (db *DB) ReadPool() *sql.DB { return db.r }

// tx runs fn in a write transaction, retrying a busy database a few times.
func (db *DB) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return sqlkit.Norm(sqlkit.Tx(ctx, db.w, 4, sqlkit.Retryable, fn))
}
