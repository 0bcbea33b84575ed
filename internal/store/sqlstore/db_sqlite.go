package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"cityloop/internal/store/sqlkit"
)

// sqliteBusyTimeoutMS is how long a connection waits for another process's
// write lock before SQLITE_BUSY. Inside this process the single writer
// connection means we never wait on ourselves.
const sqliteBusyTimeoutMS = 5000

// openSQLite opens the file at path (a bare path or a "file:" URI, possibly
// with query parameters of its own) with two pools: one writer connection and
// a pool of read-only connections.
func openSQLite(ctx context.Context, path string) (*DB, error) {
	path = strings.TrimPrefix(path, "file:")
	path, userQuery, _ := strings.Cut(path, "?")
	if path == "" || path == ":memory:" || strings.Contains(userQuery, "mode=memory") {
		return nil, fmt.Errorf("open sqlite %q: the store needs a file (an in-memory database cannot be shared by the writer and the read pool)", path)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
	}
	w, err := sql.Open("sqlite", sqliteDSN(path, userQuery, true))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// One writer: SQLite serialises writers anyway, and one connection
	// turns lock contention into a queue in database/sql instead of
	// SQLITE_BUSY errors and retries.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// The first connection switches the file to WAL before readers open it.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, sqlkit.Norm(err))
	}
	r, err := sql.Open("sqlite", sqliteDSN(path, userQuery, false))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxLifetime(0)
	r.SetConnMaxIdleTime(0)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, sqlkit.Norm(err))
	}
	return &DB{dialect: DialectSQLite, w: w, r: r}, nil
}

// sqliteDSN builds the modernc DSN. The pragmas run on every new connection;
// modernc runs busy_timeout before the others (and we list it first too), so
// a pragma that needs a lock, like journal_mode, waits instead of failing
// when another process holds the file.
//
//   - journal_mode=WAL: readers never block the writer and vice versa.
//   - synchronous=NORMAL: in WAL mode a commit is durable against a crash of
//     this process (the WAL is in the OS page cache and replayed on open);
//     only a power loss or OS crash can lose the last commits before a
//     checkpoint. FULL would fsync the WAL on every commit.
//   - foreign_keys=ON: SQLite leaves them off by default, per connection.
//   - cache_size: 64 MiB for the writer, whose index pages are hot during
//     intake and bulk loads; 16 MiB per reader.
//   - _txlock=immediate (writer only): BEGIN takes the write lock at once,
//     so a transaction never fails half-way trying to upgrade a read lock.
//   - query_only (readers): a read connection cannot write by mistake.
//   - mmap_size (readers): read the database file through a 1 GiB memory
//     map instead of read() calls into a private cache; lists over a
//     million cases run about twice as fast (BenchmarkFindCasesStreetStatus).
//     It is address space, not memory, and SQLite falls back to reads when
//     a map cannot be made.
//   - journal_size_limit (writer only): when the WAL starts over, cut the
//     file back to 64 MiB, so one bulk load does not leave a huge WAL.
//   - wal_autocheckpoint stays at its default (1,000 pages): the COMMIT
//     that crosses it copies the WAL into the database file. Measured with
//     BenchmarkCreateCase: 10,000 pages gives ~40 % more cases/s but a p99
//     near 70 ms (the rarer, larger checkpoint lands in the tail); 1,000
//     keeps p99 under 40 ms. PASSIVE checkpoints on a connection of their
//     own instead of the automatic ones never complete while writes keep
//     coming, so the WAL grew without bound (45 GB in a long bulk load);
//     beside the automatic ones they gave nothing measurable.
func sqliteDSN(path, userQuery string, writer bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeoutMS))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "temp_store(MEMORY)")
	switch {
	case writer:
		// Erased personal data (retention purges, re-sealing) must not
		// linger in free pages of the file, where a copy of the database
		// would still show it: secure_delete zeroes what a write frees.
		q.Add("_pragma", "secure_delete(ON)")
		q.Add("_pragma", "cache_size(-65536)")
		q.Add("_pragma", "journal_size_limit(67108864)")
		q.Set("_txlock", "immediate")
	default:
		q.Add("_pragma", "cache_size(-16384)")
		q.Add("_pragma", "query_only(ON)")
		q.Add("_pragma", "mmap_size(1073741824)")
	}
	query := q.Encode()
	if userQuery != "" {
		query = userQuery + "&" + query
	}
	// Escape the characters that would end the path part of the URI.
	p := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + p + "?" + query
}
