package sqlkit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"cityloop/internal/errs"
)

// normCase is one row of the mapping: an error, the kind and message Norm
// must give it (message "" = returned unchanged), and whether Tx retries it.
type normCase struct {
	name    string
	err     error
	kind    errs.Kind
	msg     string
	retried bool
}

const (
	wantExists      = "the record already exists"
	wantMissingRef  = "the record refers to something that does not exist"
	wantBusy        = "the database is busy; try again in a moment"
	wantUnreachable = "the database cannot be reached; try again later"
)

func TestNorm(t *testing.T) {
	already := errs.Conflict("the username is taken")
	cases := []normCase{
		{name: "nil"},
		{name: "no rows", err: fmt.Errorf("find x: %w", sql.ErrNoRows), kind: errs.KindNotFound, msg: "not found"},
		{name: "canceled", err: fmt.Errorf("query: %w", context.Canceled)},
		{name: "deadline", err: context.DeadlineExceeded},
		{name: "already an errs.Error", err: already},
		{name: "plain error", err: errors.New("boom")},
		// PostgreSQL errors by SQLSTATE, some wrapped as Tx wraps begin and
		// commit errors.
		{name: "pg unique_violation", err: &pgconn.PgError{Code: "23505"}, kind: errs.KindConflict, msg: wantExists},
		{name: "pg foreign_key_violation", err: &pgconn.PgError{Code: "23503"}, kind: errs.KindConflict, msg: wantMissingRef},
		{name: "pg serialization_failure", err: fmt.Errorf("commit: %w", &pgconn.PgError{Code: "40001"}), kind: errs.KindUnavailable, msg: wantBusy, retried: true},
		{name: "pg deadlock_detected", err: &pgconn.PgError{Code: "40P01"}, kind: errs.KindUnavailable, msg: wantBusy, retried: true},
		{name: "pg lock_not_available", err: &pgconn.PgError{Code: "55P03"}, kind: errs.KindUnavailable, msg: wantBusy, retried: true},
		{name: "pg too_many_connections", err: fmt.Errorf("begin: %w", &pgconn.PgError{Code: "53300"}), kind: errs.KindUnavailable, msg: wantUnreachable, retried: true},
		{name: "pg admin_shutdown", err: &pgconn.PgError{Code: "57P01"}, kind: errs.KindUnavailable, msg: wantUnreachable},
		{name: "pg crash_shutdown", err: &pgconn.PgError{Code: "57P02"}, kind: errs.KindUnavailable, msg: wantUnreachable},
		{name: "pg cannot_connect_now", err: &pgconn.PgError{Code: "57P03"}, kind: errs.KindUnavailable, msg: wantUnreachable},
		{name: "pg check_violation", err: &pgconn.PgError{Code: "23514"}},
		{name: "pg undefined_table", err: &pgconn.PgError{Code: "42P01"}},
		{name: "pg mapped before", err: Norm(&pgconn.PgError{Code: "40001"}), kind: errs.KindUnavailable, msg: wantBusy, retried: true},
		{name: "pg connection refused", err: refusedPostgres(t), kind: errs.KindUnavailable, msg: wantUnreachable},
	}
	runNorm(t, append(cases, sqliteCases(t)...))
}

// TestNorm_Postgres provokes the PostgreSQL errors on a live server.
func TestNorm_Postgres(t *testing.T) {
	url := os.Getenv("CITYLOOP_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("CITYLOOP_TEST_POSTGRES_URL not set: skipping driver errors provoked on PostgreSQL")
	}
	runNorm(t, postgresCases(t, url))
}

func runNorm(t *testing.T, cases []normCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got := Norm(tt.err)
			if tt.msg == "" {
				if got != tt.err {
					t.Fatalf("Norm(%v) = %v, want it unchanged", tt.err, got)
				}
			} else {
				e, ok := errs.As(got)
				if !ok || e.Kind != tt.kind || e.Message != tt.msg {
					t.Fatalf("Norm(%v) = %#v, want %v %q", tt.err, got, tt.kind, tt.msg)
				}
				if !errors.Is(got, tt.err) {
					t.Errorf("Norm(%v) lost the driver error from its chain", tt.err)
				}
			}
			if r := Retryable(tt.err); r != tt.retried {
				t.Errorf("Retryable(%v) = %v, want %v", tt.err, r, tt.retried)
			}
			if r := Retryable(got); r != tt.retried {
				t.Errorf("Retryable(Norm(%v)) = %v, want %v", tt.err, r, tt.retried)
			}
		})
	}
}

// TestTx_Retryable checks the retry predicate the stores pass to Tx: a busy
// database is tried again, whether fn returns the driver error or the one
// Norm made of it; a constraint violation is not.
func TestTx_Retryable(t *testing.T) {
	ctx := context.Background()
	db := memSQLite(t)
	busy := provokeBusy(t)
	for _, tt := range []struct {
		name  string
		fail  error
		calls int
	}{
		{"driver busy", busy, 2},
		{"mapped busy", Norm(busy), 2},
		{"unique violation", sqliteCases(t)[0].err, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			err := Tx(ctx, db, 3, Retryable, func(*sql.Tx) error {
				calls++
				if calls == 1 {
					return tt.fail
				}
				return nil
			})
			if calls != tt.calls {
				t.Fatalf("fn ran %d times, want %d (err %v)", calls, tt.calls, err)
			}
			if (err == nil) != (tt.calls == 2) {
				t.Fatalf("err %v", err)
			}
		})
	}
}

// sqliteCases provokes real modernc errors: the unique one first (TestTx_Retryable uses it).
func sqliteCases(t *testing.T) []normCase {
	t.Helper()
	ctx := context.Background()
	db := memSQLite(t)
	for _, q := range []string{
		`PRAGMA foreign_keys = ON`,
		`CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT UNIQUE)`,
		`CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER NOT NULL REFERENCES parent (id) CHECK (id > 0))`,
		`INSERT INTO parent VALUES (1, 'a')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	fail := func(q string) error {
		t.Helper()
		_, err := db.ExecContext(ctx, q)
		if err == nil {
			t.Fatalf("%s succeeded", q)
		}
		return err
	}
	return []normCase{
		{name: "sqlite unique", err: fail(`INSERT INTO parent VALUES (2, 'a')`), kind: errs.KindConflict, msg: wantExists},
		{name: "sqlite primary key", err: fail(`INSERT INTO parent VALUES (1, 'b')`), kind: errs.KindConflict, msg: wantExists},
		{name: "sqlite foreign key", err: fail(`INSERT INTO child VALUES (1, 9)`), kind: errs.KindConflict, msg: wantMissingRef},
		{name: "sqlite not null", err: fail(`INSERT INTO child VALUES (1, NULL)`)},
		{name: "sqlite check", err: fail(`INSERT INTO child VALUES (-1, 1)`)},
		{name: "sqlite syntax", err: fail(`INSERT INTO nowhere VALUES (1)`)},
		{name: "sqlite busy", err: provokeBusy(t), kind: errs.KindUnavailable, msg: wantBusy, retried: true},
		{name: "sqlite busy on begin", err: fmt.Errorf("begin: %w", provokeBusy(t)), kind: errs.KindUnavailable, msg: wantBusy, retried: true},
	}
}

// memSQLite is an in-memory database on one connection.
func memSQLite(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// provokeBusy writes to a file whose write lock another connection holds,
// without waiting: SQLITE_BUSY.
func provokeBusy(t *testing.T) error {
	t.Helper()
	ctx := context.Background()
	dsn := "file:" + filepath.Join(t.TempDir(), "busy.db") + "?_pragma=busy_timeout(0)"
	holder, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if _, err := holder.ExecContext(ctx, `CREATE TABLE t (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	c, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	defer c.ExecContext(ctx, `ROLLBACK`)
	other, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, err = other.ExecContext(ctx, `INSERT INTO t VALUES (1)`)
	if err == nil {
		t.Fatal("a second writer got the lock")
	}
	return err
}

// refusedPostgres connects to a port nothing listens on.
func refusedPostgres(t *testing.T) error {
	t.Helper()
	db, err := sql.Open("pgx", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=5")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.PingContext(context.Background())
	if err == nil {
		t.Fatal("connected to port 1")
	}
	return err
}

// postgresCases provokes real pgx errors in a schema of their own.
func postgresCases(t *testing.T, base string) []normCase {
	t.Helper()
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	schema := "t_sqlkit_" + uuid.NewString()[:8]
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if d, err := sql.Open("pgx", base); err == nil {
			_, _ = d.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
			d.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT UNIQUE)`,
		`CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER NOT NULL REFERENCES parent (id))`,
		`INSERT INTO parent VALUES (1, 'a')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	fail := func(q string) error {
		t.Helper()
		_, err := db.ExecContext(ctx, q)
		if err == nil {
			t.Fatalf("%s succeeded", q)
		}
		return err
	}
	cases := []normCase{
		{name: "unique", err: fail(`INSERT INTO parent VALUES (2, 'a')`), kind: errs.KindConflict, msg: wantExists},
		{name: "primary key", err: fail(`INSERT INTO parent VALUES (1, 'b')`), kind: errs.KindConflict, msg: wantExists},
		{name: "foreign key", err: fail(`INSERT INTO child VALUES (1, 9)`), kind: errs.KindConflict, msg: wantMissingRef},
		{name: "syntax", err: fail(`INSERT INTO nowhere VALUES (1)`)},
	}
	// A row lock held by one transaction, asked for with NOWAIT by another.
	holder, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	if _, err := holder.ExecContext(ctx, `SELECT id FROM parent WHERE id = 1 FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	_, err = db.ExecContext(ctx, `SELECT id FROM parent WHERE id = 1 FOR UPDATE NOWAIT`)
	if err == nil {
		t.Fatal("NOWAIT got a held row lock")
	}
	cases = append(cases, normCase{name: "lock_not_available", err: err, kind: errs.KindUnavailable, msg: wantBusy, retried: true})
	return cases
}
