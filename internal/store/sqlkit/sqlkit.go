// Package sqlkit opens the connection pools that CityLoop's secondary SQL
// stores (hub, sensing) share with the main store's database: the same DSN
// forms, the same SQLite pragmas, one SQLite writer connection and a small
// read pool, or one PostgreSQL pool. sqlstore keeps its own, more tuned
// opener; these stores only need the common shape.
//
// All three SQL stores (sqlstore, hubstore, sensingstore) share the rest:
// the write transaction with retries ([Tx]), the migration runner
// ([Migrate]) and the mapping of driver errors to errs kinds by code
// ([Norm], with [Retryable] as the retry predicate for [Tx]).
package sqlkit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // the "sqlite" driver
)

// Options shape the pools.
type Options struct {
	Name          string   // for error messages, e.g. "hub store"
	PostgresConns int      // pool size on PostgreSQL
	SQLiteReaders int      // read-only connections on SQLite
	WriterPragmas []string // extra pragmas for the SQLite writer, e.g. "cache_size(-32768)"
	ForeignKeys   bool     // PRAGMA foreign_keys=ON on SQLite
}

// Pools are the opened connections; on PostgreSQL W and R are the same pool.
type Pools struct {
	W, R     *sql.DB
	Postgres bool
}

// Open connects to dsn: postgres://… or postgresql://…, or sqlite:PATH,
// file:PATH or a bare PATH.
func Open(ctx context.Context, dsn string, o Options) (Pools, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			return Pools{}, fmt.Errorf("open %s: the PostgreSQL URL is not valid", o.Name)
		}
		db := stdlib.OpenDB(*cfg)
		db.SetMaxOpenConns(o.PostgresConns)
		db.SetMaxIdleConns(o.PostgresConns)
		db.SetConnMaxIdleTime(5 * time.Minute)
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return Pools{}, fmt.Errorf("open %s: %w", o.Name, err)
		}
		return Pools{W: db, R: db, Postgres: true}, nil
	case strings.TrimSpace(dsn) == "":
		return Pools{}, fmt.Errorf("open %s: the database address is empty", o.Name)
	}
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
	path, userQuery, _ := strings.Cut(path, "?")
	if path == "" || path == ":memory:" {
		return Pools{}, fmt.Errorf("open %s: SQLite needs a file shared with the main store", o.Name)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return Pools{}, fmt.Errorf("open %s: %w", o.Name, err)
		}
	}
	w, err := sql.Open("sqlite", SQLiteDSN(path, userQuery, true, o))
	if err != nil {
		return Pools{}, fmt.Errorf("open %s: %w", o.Name, err)
	}
	// One writer connection: SQLite has one writer at a time, and queueing in
	// database/sql is cheaper than busy retries.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return Pools{}, fmt.Errorf("open %s: %w", o.Name, err)
	}
	r, err := sql.Open("sqlite", SQLiteDSN(path, userQuery, false, o))
	if err != nil {
		w.Close()
		return Pools{}, fmt.Errorf("open %s: %w", o.Name, err)
	}
	r.SetMaxOpenConns(max(o.SQLiteReaders, 1))
	r.SetMaxIdleConns(max(o.SQLiteReaders, 1))
	r.SetConnMaxLifetime(0)
	return Pools{W: w, R: r}, nil
}

// SQLiteDSN mirrors sqlstore's pragmas: busy_timeout first (the file is
// shared with sqlstore's writer, so a short write waits for its lock
// instead of failing), WAL, synchronous NORMAL; the writer takes the lock
// at BEGIN, readers are query-only.
func SQLiteDSN(path, userQuery string, writer bool, o Options) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if o.ForeignKeys {
		q.Add("_pragma", "foreign_keys(ON)")
	}
	if writer {
		// As sqlstore: what a write frees is zeroed, so erased personal
		// data does not linger in the file's free pages.
		q.Add("_pragma", "secure_delete(ON)")
		for _, p := range o.WriterPragmas {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(ON)")
	}
	query := q.Encode()
	if userQuery != "" {
		query = userQuery + "&" + query
	}
	p := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + p + "?" + query
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
