package sqlstore

import (
	"context"
	"database/sql"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"cityloop/internal/pii"
	"cityloop/internal/store/sqlkit"
)

// Dialect names, as returned by [DB.Dialect].
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// DB is an open store on SQLite or PostgreSQL. Every method is safe for
// concurrent use.
type DB struct {
	dialect string
	// w runs writes. On SQLite it holds exactly one connection, because
	// SQLite has one writer at a time: queueing in database/sql is cheaper
	// than SQLITE_BUSY retries. On PostgreSQL w and r are the same pool.
	w *sql.DB
	// r runs reads: on SQLite a pool of read-only connections that WAL lets
	// run beside the writer.
	r *sql.DB
	// intake batches CreateCase calls into group commits (see intake.go).
	intake *batcher
	// Statements whose text depends on the dialect (see initSQL).
	insertCaseSQL, insertEventSQL, readCounterSQL string
	// stmts holds statements prepared on w (SQLite only), by SQL text.
	stmts    sync.Map
	prepMu   sync.Mutex
	prepared atomic.Bool

	// rs caches prepared read statements (SQLite; see readstmt.go).
	rs readStmts
	// keys seals personal data at rest (see pii.go); nil stores it as given.
	keys atomic.Pointer[pii.Keyring]

	// noRollups leaves the rollups alone on writes: only for
	// BenchmarkWriteRollups, which measures what keeping them costs.
	noRollups bool

	closeOnce sync.Once
	closeErr  error
}

// Open connects to the store named by dsn:
//
//	sqlite:PATH, file:PATH or a bare PATH   SQLite file (created if missing)
//	postgres://… or postgresql://…          PostgreSQL
//
// It opens the pools with [sqlkit.Open] (see poolOptions). It does not
// migrate; call [DB.Migrate].
func Open(ctx context.Context, dsn string) (*DB, error) {
	p, err := sqlkit.Open(ctx, dsn, poolOptions())
	if err != nil {
		return nil, err
	}
	db := &DB{dialect: DialectSQLite, w: p.W, r: p.R}
	if p.Postgres {
		db.dialect = DialectPostgres
	}
	db.initSQL()
	db.intake = newBatcher(db)
	return db, nil
}

// poolOptions are the pools of the main store, the busiest of the stores on
// the database (sqlkit.SQLiteDSN says why each pragma is set):
//
//   - SQLite: one writer connection and 2 read connections per CPU (at
//     least 4); a 5 s busy timeout (the other stores' writers hold the lock
//     only briefly); foreign keys; temporary tables in memory; a 64 MiB
//     page cache for the writer, whose index pages are hot during intake
//     and bulk loads, and 16 MiB per reader; a 1 GiB memory map per reader
//     (lists over a million cases run about twice as fast,
//     BenchmarkFindCasesStreetStatus); the WAL cut back to 64 MiB when it
//     starts over, so one bulk load does not leave a huge file.
//   - PostgreSQL: 4 connections per CPU (at least 16), recycled hourly.
func poolOptions() sqlkit.Options {
	return sqlkit.Options{
		Name:                "store",
		PostgresConns:       max(16, 4*runtime.GOMAXPROCS(0)),
		PostgresMaxLifetime: time.Hour,
		SQLiteReaders:       max(4, 2*runtime.GOMAXPROCS(0)),
		BusyTimeout:         5 * time.Second,
		ForeignKeys:         true,
		TempMemory:          true,
		WriterCache:         64 << 10, // KiB
		ReaderCache:         16 << 10, // KiB
		ReaderMmap:          1 << 30,
		JournalLimit:        64 << 20,
	}
}

// initSQL builds the statements whose text differs by dialect.
func (db *DB) initSQL() {
	db.insertCaseSQL = db.bulkInsertSQL("cases", caseCols, 1)
	db.insertEventSQL = db.bulkInsertSQL("case_events", eventCols, 1)
	db.readCounterSQL = `SELECT value FROM counters WHERE name = $1`
	if db.dialect == DialectPostgres {
		db.readCounterSQL += " FOR UPDATE"
	}
}

// Dialect is DialectSQLite or DialectPostgres.
func (db *DB) Dialect() string { return db.dialect }

// Close waits for queued intake to be written, then closes the pools.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		if db.intake != nil {
			db.intake.close()
		}
		db.rs.close()
		db.closeErr = sqlkit.Pools{W: db.w, R: db.r}.Close()
	})
	return db.closeErr
}

// norm maps a driver error to an errs kind where one applies (see
// [sqlkit.Norm]) and returns other errors as they are.
func (db *DB) norm(err error) error { return sqlkit.Norm(err) }

// writeTx runs fn in a write transaction and commits it. It retries the whole
// transaction a few times when the database reports it is busy (another
// process holding SQLite's write lock past busy_timeout, a PostgreSQL
// serialization failure or deadlock); fn must therefore not have effects
// outside the transaction.
func (db *DB) writeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	db.prepare(ctx)
	return sqlkit.Tx(ctx, db.w, 3, sqlkit.Retryable, fn)
}

// micros serves lease.go and otp.go, which are moving to the jobs runner;
// the codec itself is [sqlkit.Micros]. Delete it with those files.
func micros(t time.Time) int64 { return sqlkit.Micros(t) }

// hotStatements are prepared once on SQLite's writer connection, before any
// transaction that uses them (preparing inside a transaction would wait for
// the one connection the transaction holds). modernc does not cache
// prepared statements, while pgx caches them per connection by itself, so
// PostgreSQL needs none of this.
func (db *DB) hotStatements() []string {
	return []string{
		ensureCounterSQL, db.readCounterSQL, saveCounterSQL, db.insertCaseSQL, db.insertEventSQL, updateCaseSQL, maxSeqSQL,
		"SAVEPOINT intake", "ROLLBACK TO SAVEPOINT intake", "RELEASE SAVEPOINT intake",
		db.bulkInsertSQL("cases", caseCols, bulkCasesPerStmt),
		db.bulkInsertSQL("case_events", eventCols, bulkEventsPerStmt),
		db.upsertRollupSQL(1), db.upsertRollupSQL(rollupRowsPerStmt), selectFactsSQL,
	}
}

// prepare fills the statement cache; it runs outside transactions and
// quietly retries next time when the tables do not exist yet.
func (db *DB) prepare(ctx context.Context) {
	if db.dialect != DialectSQLite || db.prepared.Load() {
		return
	}
	db.prepMu.Lock()
	defer db.prepMu.Unlock()
	if db.prepared.Load() {
		return
	}
	for _, q := range db.hotStatements() {
		if _, ok := db.stmts.Load(q); ok {
			continue
		}
		s, err := db.w.PrepareContext(ctx, q)
		if err != nil {
			return // not migrated yet: statements run unprepared
		}
		db.stmts.Store(q, s)
	}
	db.prepared.Store(true)
}

// txExec runs a write statement in tx, through the prepared statement on
// SQLite when there is one.
func (db *DB) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if s, ok := db.stmts.Load(query); ok {
		return tx.StmtContext(ctx, s.(*sql.Stmt)).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// txQueryRow is txExec for a statement that returns one row.
func (db *DB) txQueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if s, ok := db.stmts.Load(query); ok {
		return tx.StmtContext(ctx, s.(*sql.Stmt)).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}
