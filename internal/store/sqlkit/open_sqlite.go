package sqlkit

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// defaultBusyTimeout is [Options.BusyTimeout] when unset.
const defaultBusyTimeout = 10 * time.Second

// openSQLite opens the file at path (a bare path or a "file:" URI, possibly
// with query parameters of its own) with two pools: one writer connection
// and a pool of read-only connections.
func openSQLite(ctx context.Context, path string, o Options) (Pools, error) {
	path = strings.TrimPrefix(path, "file:")
	path, userQuery, _ := strings.Cut(path, "?")
	if path == "" || path == ":memory:" || strings.Contains(userQuery, "mode=memory") {
		return Pools{}, fmt.Errorf("open %s: sqlite %q: the store needs a file (an in-memory database cannot be shared by the writer, the read pool and the other stores)", o.Name, path)
	}
	fail := func(err error) (Pools, error) {
		return Pools{}, fmt.Errorf("open %s: sqlite %s: %w", o.Name, path, Norm(err))
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fail(err)
		}
	}
	w, err := sql.Open("sqlite", SQLiteDSN(path, userQuery, true, o))
	if err != nil {
		return fail(err)
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
		return fail(err)
	}
	r, err := sql.Open("sqlite", SQLiteDSN(path, userQuery, false, o))
	if err != nil {
		w.Close()
		return fail(err)
	}
	n := max(o.SQLiteReaders, 1)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxLifetime(0)
	r.SetConnMaxIdleTime(0)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return fail(err)
	}
	return Pools{W: w, R: r}, nil
}

// SQLiteDSN builds the modernc DSN of a writer or reader connection. The
// pragmas run on every new connection; modernc runs busy_timeout before the
// others (and we list it first too), so a pragma that needs a lock, like
// journal_mode, waits instead of failing when another process, or another
// store's writer on the same file, holds it.
//
//   - busy_timeout: how long a connection waits for another connection's
//     write lock before SQLITE_BUSY. Inside one store the single writer
//     connection means it never waits on itself; the stores sharing the
//     file (sqlstore, hubstore, sensingstore, jobstore) each have a writer,
//     so a short write queues behind another store's instead of failing.
//   - journal_mode=WAL: readers never block the writer and vice versa.
//   - synchronous=NORMAL: in WAL mode a commit is durable against a crash of
//     this process (the WAL is in the OS page cache and replayed on open);
//     only a power loss or OS crash can lose the last commits before a
//     checkpoint. FULL would fsync the WAL on every commit.
//   - foreign_keys=ON ([Options.ForeignKeys]): SQLite leaves them off by
//     default, per connection.
//   - temp_store=MEMORY ([Options.TempMemory]): sorts and temporary
//     indexes stay in memory instead of temporary files.
//   - secure_delete (writer only): erased personal data (retention purges,
//     re-sealing) must not linger in free pages of the file, where a copy
//     of the database would still show it: secure_delete zeroes what a
//     write frees.
//   - cache_size ([Options.WriterCache], [Options.ReaderCache]): sqlstore
//     gives its writer 64 MiB, whose index pages are hot during intake and
//     bulk loads, and 16 MiB to each reader.
//   - _txlock=immediate (writer only): BEGIN takes the write lock at once,
//     so a transaction never fails half-way trying to upgrade a read lock.
//   - query_only (readers): a read connection cannot write by mistake.
//   - mmap_size ([Options.ReaderMmap], readers): read the database file
//     through a memory map instead of read() calls into a private cache;
//     with 1 GiB, lists over a million cases run about twice as fast
//     (sqlstore's BenchmarkFindCasesStreetStatus). It is address space, not
//     memory, and SQLite falls back to reads when a map cannot be made.
//   - journal_size_limit ([Options.JournalLimit], writer only): when the
//     WAL starts over, cut the file back (sqlstore: to 64 MiB), so one bulk
//     load does not leave a huge WAL.
//   - wal_autocheckpoint stays at its default (1,000 pages): the COMMIT
//     that crosses it copies the WAL into the database file. Measured with
//     sqlstore's BenchmarkCreateCase: 10,000 pages gives ~40 % more cases/s
//     but a p99 near 70 ms (the rarer, larger checkpoint lands in the
//     tail); 1,000 keeps p99 under 40 ms. PASSIVE checkpoints on a
//     connection of their own instead of the automatic ones never complete
//     while writes keep coming, so the WAL grew without bound (45 GB in a
//     long bulk load); beside the automatic ones they gave nothing
//     measurable.
//
// userQuery, the DSN's own parameters, comes first; the path is escaped so
// that "?", "#" and "%" in a file name stay part of it.
func SQLiteDSN(path, userQuery string, writer bool, o Options) string {
	busy := o.BusyTimeout
	if busy <= 0 {
		busy = defaultBusyTimeout
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busy.Milliseconds(), 10)+")")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if o.ForeignKeys {
		q.Add("_pragma", "foreign_keys(ON)")
	}
	if o.TempMemory {
		q.Add("_pragma", "temp_store(MEMORY)")
	}
	if writer {
		q.Add("_pragma", "secure_delete(ON)")
		if o.WriterCache > 0 {
			q.Add("_pragma", "cache_size(-"+strconv.Itoa(o.WriterCache)+")")
		}
		if o.JournalLimit > 0 {
			q.Add("_pragma", "journal_size_limit("+strconv.FormatInt(o.JournalLimit, 10)+")")
		}
		for _, p := range o.WriterPragmas {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
	} else {
		if o.ReaderCache > 0 {
			q.Add("_pragma", "cache_size(-"+strconv.Itoa(o.ReaderCache)+")")
		}
		q.Add("_pragma", "query_only(ON)")
		if o.ReaderMmap > 0 {
			q.Add("_pragma", "mmap_size("+strconv.FormatInt(o.ReaderMmap, 10)+")")
		}
	}
	query := q.Encode()
	if userQuery != "" {
		query = userQuery + "&" + query
	}
	// Escape the characters that would end the path part of the URI.
	p := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + p + "?" + query
}
