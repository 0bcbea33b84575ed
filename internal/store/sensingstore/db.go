package sensingstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"strings"
	"sync"

	"cityloop/internal/store/sqlkit"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationsFS embed.FS

// VersionTable is the goose version table of the sensing schema.
const VersionTable = "sensing_goose_db_version"

// DB is the sensing store.
type DB struct {
	postgres bool
	w, r     *sql.DB

	stmtMu      sync.Mutex
	appendStmts map[int]*sql.Stmt // prepared reading inserts by row count
	markStmt    *sql.Stmt         // prepared read of the downsampling mark (see lateBefore)
}

// Open connects to dsn as sqlstore does: sqlite:PATH (or a bare path) or postgres://….
func Open(ctx context.Context, dsn string) (*DB, error) {
	conns := max(8, 2*runtime.GOMAXPROCS(0))
	p, err := sqlkit.Open(ctx, dsn, sqlkit.Options{Name: "sensing store", PostgresConns: conns, SQLiteReaders: 4,
		WriterPragmas: []string{"temp_store(MEMORY)"}, WriterCache: 32 << 10})
	if err != nil {
		return nil, err
	}
	return &DB{postgres: p.Postgres, w: p.W, r: p.R}, nil
}

// Close closes the pools.
func (db *DB) Close() error {
	db.stmtMu.Lock()
	for _, st := range db.appendStmts {
		st.Close()
	}
	db.appendStmts = nil
	if db.markStmt != nil {
		db.markStmt.Close()
		db.markStmt = nil
	}
	db.stmtMu.Unlock()
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// Dialect is "sqlite" or "postgres".
func (db *DB) Dialect() string {
	if db.postgres {
		return "postgres"
	}
	return "sqlite"
}

// Migrate brings the sensing schema up to date, under an advisory lock on
// PostgreSQL so several nodes can start together.
func (db *DB) Migrate(ctx context.Context) error {
	fsys, err := fs.Sub(migrationsFS, "migrations/"+db.Dialect())
	if err != nil {
		return fmt.Errorf("migrate sensing: %w", err)
	}
	err = sqlkit.Migrate(ctx, db.w, sqlkit.Migration{FS: fsys, Postgres: db.postgres, VersionTable: VersionTable, LockName: "cityloop-sensing-migrate"})
	if err != nil {
		return fmt.Errorf("migrate sensing: %w", norm(err))
	}
	return nil
}

// norm maps driver errors to errs kinds (see [sqlkit.Norm]).
func norm(err error) error { return sqlkit.Norm(err) }

// tx runs fn in a write transaction, retrying a busy database a few times.
func (db *DB) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return norm(sqlkit.Tx(ctx, db.w, 3, sqlkit.Retryable, fn))
}

// values is a VALUES list of rows tuples of n parameters. SQLite gets
// anonymous "?" parameters: it looks each "$k" up by name in a list, which
// makes a large statement quadratic to prepare.
func (db *DB) values(rows, n int) string {
	if db.postgres {
		return sqlkit.Placeholders(rows, n, 1)
	}
	tuple := "(" + strings.Repeat("?, ", n-1) + "?)"
	return strings.Repeat(tuple+", ", rows-1) + tuple
}
