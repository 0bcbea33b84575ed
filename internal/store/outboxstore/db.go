package outboxstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"cityloop/internal/pii"
	"cityloop/internal/store/sqlkit"
)

// Dialects.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// VersionTable is where goose keeps the outbox tables' migration version.
const VersionTable = "outbox_goose_db_version"

// DB is the outbox store. Safe for concurrent use.
type DB struct {
	dialect string
	w, r    *sql.DB
	keys    *pii.Keyring
}

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationsFS embed.FS

// Open connects to the app's database (the DSN forms of sqlkit.Open).
func Open(ctx context.Context, dsn string) (*DB, error) {
	// A few connections are plenty: one claim per batch, one write per
	// attempt, and the administrator's listing.
	p, err := sqlkit.Open(ctx, dsn, sqlkit.Options{Name: "outbox store", PostgresConns: 4, SQLiteReaders: 2, ForeignKeys: true})
	if err != nil {
		return nil, err
	}
	d := DialectSQLite
	if p.Postgres {
		d = DialectPostgres
	}
	return &DB{dialect: d, w: p.W, r: p.R}, nil
}

// OpenReady opens the store, gives it the keyring and migrates it: what a
// node and a maintenance command both need before the first call.
func OpenReady(ctx context.Context, dsn string, keys *pii.Keyring) (*DB, error) {
	db, err := Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	db.SetKeyring(keys)
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// SetKeyring makes the store seal recipients, subjects and bodies with the
// platform's PII keys. Without one they are stored as given (tests).
func (db *DB) SetKeyring(k *pii.Keyring) { db.keys = k }

// Dialect is DialectSQLite or DialectPostgres.
func (db *DB) Dialect() string { return db.dialect }

// Close closes the pools.
func (db *DB) Close() error {
	return sqlkit.Pools{W: db.w, R: db.r, Postgres: db.dialect == DialectPostgres}.Close()
}

// Migrate brings the outbox tables up to date, in their own version table.
func (db *DB) Migrate(ctx context.Context) error {
	postgres := db.dialect == DialectPostgres
	err := sqlkit.Migrate(ctx, db.w, sqlkit.Migration{FS: sqlkit.DialectFS(migrationsFS, postgres), Postgres: postgres,
		VersionTable: VersionTable, LockName: "cityloop-outbox-migrate"})
	if err != nil {
		return fmt.Errorf("migrate outbox store: %w", sqlkit.Norm(err))
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

func micros(t time.Time) int64 { return sqlkit.Micros(t) }

func fromMicros(v int64) time.Time { return sqlkit.Time(v) }

// aad binds a sealed value to its message and column, so a value copied
// into another row or column does not open.
func aad(id, column string) string { return "outbox/" + id + "/" + column }

func (db *DB) seal(id, column, plain string) (string, error) {
	if db.keys == nil || plain == "" {
		return plain, nil
	}
	s, err := db.keys.Encrypt(plain, aad(id, column))
	if err != nil {
		return "", fmt.Errorf("seal the %s of outbox message %s: %w", column, id, err)
	}
	return s, nil
}

// sealedPrefix starts every sealed value (pii's format version).
const sealedPrefix = "v1:"

func (db *DB) open(id, column, stored string) (string, error) {
	if len(stored) < len(sealedPrefix) || stored[:len(sealedPrefix)] != sealedPrefix {
		return stored, nil
	}
	if db.keys == nil {
		return "", fmt.Errorf("the %s of outbox message %s is sealed but no keyring is configured", column, id)
	}
	plain, err := db.keys.Decrypt(stored, aad(id, column))
	if err != nil {
		return "", fmt.Errorf("open the %s of outbox message %s: %w", column, id, err)
	}
	return plain, nil
}
