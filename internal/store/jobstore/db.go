package jobstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"cityloop/internal/store/sqlkit"
)

// Dialects.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// VersionTable is where goose keeps the jobs tables' migration version.
const VersionTable = "jobs_goose_db_version"

// DB is the jobs store. Safe for concurrent use.
type DB struct {
	dialect string
	w, r    *sql.DB
	now     func() time.Time // stamps created_at; the runner passes its own times otherwise
}

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationsFS embed.FS

// Open connects to the app's database (the DSN forms of sqlkit.Open). On
// SQLite it opens one writer connection and a small read pool of its own;
// the busy timeout makes its short writes queue behind the other stores'
// writers instead of failing. now stamps the creation of job rows (nil:
// time.Now).
func Open(ctx context.Context, dsn string, now func() time.Time) (*DB, error) {
	// A few connections are plenty: a node makes one claim per job and
	// pass, and one heartbeat per running job every few seconds.
	p, err := sqlkit.Open(ctx, dsn, sqlkit.Options{Name: "jobs store", PostgresConns: 4, SQLiteReaders: 2, ForeignKeys: true})
	if err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	d := DialectSQLite
	if p.Postgres {
		d = DialectPostgres
	}
	return &DB{dialect: d, w: p.W, r: p.R, now: now}, nil
}

// Dialect is DialectSQLite or DialectPostgres.
func (db *DB) Dialect() string { return db.dialect }

// Close closes the pools.
func (db *DB) Close() error {
	return sqlkit.Pools{W: db.w, R: db.r, Postgres: db.dialect == DialectPostgres}.Close()
}

// Migrate brings the jobs tables up to date, in their own version table. On
// PostgreSQL an advisory lock lets several nodes start together.
func (db *DB) Migrate(ctx context.Context) error {
	postgres := db.dialect == DialectPostgres
	err := sqlkit.Migrate(ctx, db.w, sqlkit.Migration{FS: sqlkit.DialectFS(migrationsFS, postgres), Postgres: postgres,
		VersionTable: VersionTable, LockName: "cityloop-jobs-migrate"})
	if err != nil {
		return fmt.Errorf("migrate jobs store: %w", sqlkit.Norm(err))
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

// The time codec is sqlkit's, shared by every SQL store; these short names
// serve the rest of the package.
func micros(t time.Time) int64 { return sqlkit.Micros(t) }

func fromMicros(v int64) time.Time { return sqlkit.Time(v) }

func fromNull(v sql.Null[int64]) *time.Time { return sqlkit.NullTime(v) }
