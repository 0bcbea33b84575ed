package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// maxReadStmts bounds the read-statement cache: filters make query texts
// vary (IN lists of different lengths), and the rare shapes need not stay.
const maxReadStmts = 256

// readStmts caches prepared read statements by SQL text. modernc's SQLite
// parses and plans a statement on every Query; at intake rates that parsing
// was a third of the CPU (duplicate lookups, token checks). database/sql
// re-prepares a cached *sql.Stmt on each pooled connection once and keeps it.
// PostgreSQL's pgx driver caches statements per connection by itself.
type readStmts struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (db *DB) readStmt(ctx context.Context, q string) *sql.Stmt {
	if db.dialect != DialectSQLite {
		return nil
	}
	db.rs.mu.Lock()
	defer db.rs.mu.Unlock()
	if st, ok := db.rs.m[q]; ok {
		return st
	}
	if len(db.rs.m) >= maxReadStmts {
		return nil
	}
	st, err := db.r.PrepareContext(ctx, q)
	if err != nil {
		return nil // let the plain query report the error
	}
	if db.rs.m == nil {
		db.rs.m = map[string]*sql.Stmt{}
	}
	db.rs.m[q] = st
	return st
}

// query runs a read on the read pool, through a cached statement on SQLite.
func (db *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := db.readStmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return db.r.QueryContext(ctx, q, args...)
}

// queryRow is query for one row.
func (db *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := db.readStmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.r.QueryRowContext(ctx, q, args...)
}

func (rs *readStmts) close() {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for _, st := range rs.m {
		st.Close()
	}
	rs.m = nil
}
