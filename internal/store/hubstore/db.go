// Package hubstore holds the SQL of the interoperability parts: the Open311
// api keys and request extras, the 12345 hotline orders and clocks, and the
// data-sharing hub (dataset catalogue, records, outbox copy of the case
// timeline, subscriptions, deliveries, dead letters). It runs on SQLite and
// PostgreSQL with one set of statements, like sqlstore, and keeps its own
// goose version table (hub_goose_db_version) so its migrations never mix
// with sqlstore's.
//
// It never queries sqlstore's tables: what it needs of the cases (the
// feeder that copies timeline events into the hub's outbox, the hotline
// retention rule) it asks through [Cases], which sqlstore implements; the
// Open311 views read the cases from sqlstore themselves and only their
// extras here. Cases are created and moved only through casework.Service.
//
// It stores the records of the pure packages share, workorder and
// georeport, and never imports the adapters that use it (hub, hotline,
// open311, api, web, ingest).
package hubstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
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

// DB is the interoperability store. Safe for concurrent use.
type DB struct {
	dialect string
	w, r    *sql.DB
	keys    *pii.Keyring // seals subscription secrets; set once before use
	cases   Cases        // reads sqlstore's case tables; set once before use
}

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationsFS embed.FS

// Open connects to the same database as the app (same DSN forms as
// sqlstore.Open). On SQLite it opens one writer connection and a small read
// pool of its own; the busy timeout makes its short writes queue behind
// sqlstore's writer instead of failing.
func Open(ctx context.Context, dsn string) (*DB, error) {
	p, err := sqlkit.Open(ctx, dsn, sqlkit.Options{Name: "hub store", PostgresConns: 16, SQLiteReaders: 4, ForeignKeys: true})
	if err != nil {
		return nil, err
	}
	if p.Postgres {
		return &DB{dialect: DialectPostgres, w: p.W, r: p.R}, nil
	}
	return &DB{dialect: DialectSQLite, w: p.W, r: p.R}, nil
}

// OpenReady opens the hub store on dsn with the keys that seal its
// secrets, migrates it, and seals the secrets an older version stored in
// plain; sealed says how many there were.
func OpenReady(ctx context.Context, dsn string, keys *pii.Keyring) (db *DB, sealed int, err error) {
	db, err = Open(ctx, dsn)
	if err != nil {
		return nil, 0, err
	}
	db.SetKeyring(keys)
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, 0, err
	}
	if sealed, err = db.SealPlainSecrets(ctx); err != nil {
		db.Close()
		return nil, 0, err
	}
	return db, sealed, nil
}

// Dialect is DialectSQLite or DialectPostgres.
func (db *DB) Dialect() string { return db.dialect }

// Close closes the pools.
func (db *DB) Close() error {
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// Migrate brings the hub tables up to date, in their own version table. On
// PostgreSQL an advisory lock lets several nodes start together.
func (db *DB) Migrate(ctx context.Context) error {
	postgres := db.dialect == DialectPostgres
	err := sqlkit.Migrate(ctx, db.w, sqlkit.Migration{FS: sqlkit.DialectFS(migrationsFS, postgres), Postgres: postgres,
		VersionTable: "hub_goose_db_version", LockName: "cityloop-hub-migrate"})
	if err != nil {
		return fmt.Errorf("migrate hub store: %w", db.norm(err))
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
	err := sqlkit.Tx(ctx, db.w, 4, sqlkit.Retryable, fn)
	if err != nil {
		return db.norm(err)
	}
	return nil
}

// exec runs one write statement in its own transaction.
func (db *DB) exec(ctx context.Context, q string, args ...any) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return db.norm(err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// norm maps driver errors to errs kinds (unique → Conflict, no rows →
// NotFound, busy → Unavailable; see [sqlkit.Norm]), as sqlstore does.
func (db *DB) norm(err error) error { return sqlkit.Norm(err) }

// GetState reads a small named value (feeder watermark, hotline cursor,
// hotline settings); ok is false when unset.
func (db *DB) GetState(ctx context.Context, name string) (string, bool, error) {
	var v string
	err := db.r.QueryRowContext(ctx, `SELECT value FROM hub_state WHERE name = $1`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read state %s: %w", name, db.norm(err))
	}
	return v, true, nil
}

// SetState writes a small named value.
func (db *DB) SetState(ctx context.Context, name, value string) error {
	_, err := db.exec(ctx, `INSERT INTO hub_state (name, value) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
	if err != nil {
		return fmt.Errorf("save state %s: %w", name, err)
	}
	return nil
}
