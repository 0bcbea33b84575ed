package sqlkit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Options shape the pools. Zero values leave SQLite's and database/sql's
// defaults, except where a field says otherwise.
type Options struct {
	Name string // for error messages, e.g. "hub store"

	// PostgreSQL.
	PostgresConns       int           // pool size
	PostgresMaxLifetime time.Duration // recycle connections this old; 0 = never

	// SQLite (see [SQLiteDSN] for why each pragma is set).
	SQLiteReaders int           // read-only connections (at least 1)
	BusyTimeout   time.Duration // wait for another connection's write lock; 0 = 10 s
	ForeignKeys   bool          // foreign_keys(ON) on every connection
	TempMemory    bool          // temp_store(MEMORY) on every connection
	WriterCache   int           // cache_size of the writer, in KiB
	ReaderCache   int           // cache_size of each reader, in KiB
	ReaderMmap    int64         // mmap_size of each reader, in bytes
	// JournalLimit is the writer's journal_size_limit in bytes: the size
	// the WAL is cut back to when it starts over.
	JournalLimit  int64
	WriterPragmas []string // extra pragmas for the writer, e.g. "temp_store(MEMORY)"
}

// Pools are the opened connections; on PostgreSQL W and R are the same pool.
type Pools struct {
	W, R     *sql.DB
	Postgres bool
}

// Open connects to dsn and pings it:
//
//	sqlite:PATH, file:PATH or a bare PATH   SQLite file (created if missing,
//	                                        with its directory)
//	postgres://… or postgresql://…          PostgreSQL
//
// On SQLite it opens one writer connection and a pool of read-only ones
// (see openSQLite); on PostgreSQL one pool serves both.
func Open(ctx context.Context, dsn string, o Options) (Pools, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn, o)
	case strings.TrimSpace(dsn) == "":
		return Pools{}, fmt.Errorf("open %s: the database address is empty", o.Name)
	}
	return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"), o)
}

// Close closes both pools (once when they are the same).
func (p Pools) Close() error {
	err := p.W.Close()
	if p.R != p.W {
		err = errors.Join(err, p.R.Close())
	}
	return err
}

// Tx runs fn in a write transaction on w and commits it, retrying the whole
// transaction up to attempts times, with a growing pause, while retry says
// the error is worth it (SQLite busy past busy_timeout, a PostgreSQL
// serialization failure or deadlock). fn must have no effects outside the
// transaction. Begin and commit errors are wrapped; fn's are returned as
// they are.
func Tx(ctx context.Context, w *sql.DB, attempts int, retry func(error) bool, fn func(*sql.Tx) error) error {
	var err error
	for attempt := 0; attempt < attempts; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(attempt*attempt) * 50 * time.Millisecond):
			}
		}
		err = tryTx(ctx, w, fn)
		if err == nil || !retry(err) {
			return err
		}
	}
	return err
}

func tryTx(ctx context.Context, w *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
