package bulletinstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"

	"cityloop/internal/bulletin"
	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/store/sqlkit"
)

// VersionTable is where goose keeps this store's migration version.
const VersionTable = "bulletins_goose_db_version"

// DB is the bulletin archive. Safe for concurrent use.
type DB struct {
	postgres bool
	w, r     *sql.DB
}

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationsFS embed.FS

var _ bulletin.Store = (*DB)(nil)

// Open connects to the app's database (the DSN forms of sqlkit.Open).
func Open(ctx context.Context, dsn string) (*DB, error) {
	// Bulletins are written a few times a month and read on request: a
	// couple of connections are plenty.
	p, err := sqlkit.Open(ctx, dsn, sqlkit.Options{Name: "bulletin store", PostgresConns: 3, SQLiteReaders: 2})
	if err != nil {
		return nil, err
	}
	return &DB{postgres: p.Postgres, w: p.W, r: p.R}, nil
}

// Close closes the pools.
func (db *DB) Close() error { return sqlkit.Pools{W: db.w, R: db.r, Postgres: db.postgres}.Close() }

// Migrate brings the table up to date, in its own version table.
func (db *DB) Migrate(ctx context.Context) error {
	err := sqlkit.Migrate(ctx, db.w, sqlkit.Migration{FS: sqlkit.DialectFS(migrationsFS, db.postgres), Postgres: db.postgres, VersionTable: VersionTable, LockName: "cityloop-bulletins-migrate"})
	if err != nil {
		return fmt.Errorf("migrate bulletin store: %w", sqlkit.Norm(err))
	}
	return nil
}

// q rewrites ? placeholders as $n on PostgreSQL.
func (db *DB) q(s string) string {
	if !db.postgres {
		return s
	}
	out, n := make([]byte, 0, len(s)+8), 0
	for i := 0; i < len(s); i++ {
		if s[i] == '?' {
			n++
			out = fmt.Appendf(out, "$%d", n)
			continue
		}
		out = append(out, s[i])
	}
	return string(out)
}

// SaveBulletin stores b and its files, replacing the bulletin of the same
// kind, scope and period and keeping its ID. The PDF may be empty (a node
// without a Chinese font), stored as an empty blob: bulletin.Service
// answers its download with the font's error.
func (db *DB) SaveBulletin(ctx context.Context, b *bulletin.Bulletin, f bulletin.Files) error {
	if b.ID == "" || !b.Kind.Valid() || b.Scope == "" || len(f.HTML) == 0 || len(f.XLSX) == 0 {
		return errs.Invalid("通报不完整 / a bulletin needs an id, a kind, a scope, its HTML and its XLSX")
	}
	if f.PDF == nil {
		f.PDF = []byte{} // NOT NULL: nil would be sent as NULL
	}
	err := sqlkit.Tx(ctx, db.w, 4, sqlkit.Retryable, func(tx *sql.Tx) error {
		var id string
		err := tx.QueryRowContext(ctx, db.q(`SELECT id FROM bulletins WHERE kind = ? AND scope = ? AND period_from = ?`),
			string(b.Kind), b.Scope, sqlkit.Micros(b.From)).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, db.q(`INSERT INTO bulletins (id, kind, scope, scope_level, scope_name, period_from, period_to, title, scheme, created_at, created_by, html, pdf, xlsx)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
				b.ID, string(b.Kind), b.Scope, int64(b.ScopeLevel), b.ScopeName, sqlkit.Micros(b.From), sqlkit.Micros(b.To), b.Title, b.Scheme,
				sqlkit.Micros(b.CreatedAt), b.CreatedBy, f.HTML, f.PDF, f.XLSX)
			return err
		case err != nil:
			return err
		}
		b.ID = id
		_, err = tx.ExecContext(ctx, db.q(`UPDATE bulletins SET scope_level = ?, scope_name = ?, period_to = ?, title = ?, scheme = ?, created_at = ?, created_by = ?, html = ?, pdf = ?, xlsx = ? WHERE id = ?`),
			int64(b.ScopeLevel), b.ScopeName, sqlkit.Micros(b.To), b.Title, b.Scheme, sqlkit.Micros(b.CreatedAt), b.CreatedBy, f.HTML, f.PDF, f.XLSX, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("save bulletin %s %s %s: %w", b.Kind, b.Scope, b.From.Format("2006-01-02"), sqlkit.Norm(err))
	}
	return nil
}

const columns = `id, kind, scope, scope_level, scope_name, period_from, period_to, title, scheme, created_at, created_by`

func scan(row interface{ Scan(...any) error }) (*bulletin.Bulletin, error) {
	var b bulletin.Bulletin
	var kind string
	var level, from, to, at int64
	if err := row.Scan(&b.ID, &kind, &b.Scope, &level, &b.ScopeName, &from, &to, &b.Title, &b.Scheme, &at, &b.CreatedBy); err != nil {
		return nil, err
	}
	b.Kind, b.ScopeLevel = bulletin.Kind(kind), org.Level(level)
	b.From, b.To, b.CreatedAt = sqlkit.Time(from), sqlkit.Time(to), sqlkit.Time(at)
	return &b, nil
}

// FindBulletins lists bulletins of kind ("" every kind), newest period
// first, the city's before the districts', at most limit (1–1000).
func (db *DB) FindBulletins(ctx context.Context, kind bulletin.Kind, limit int) ([]*bulletin.Bulletin, error) {
	limit = min(max(limit, 1), 1000)
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT `+columns+` FROM bulletins WHERE (? = '' OR kind = ?) ORDER BY period_from DESC, kind, scope_level, scope LIMIT ?`),
		string(kind), string(kind), limit)
	if err != nil {
		return nil, fmt.Errorf("find bulletins: %w", sqlkit.Norm(err))
	}
	defer rows.Close()
	out := []*bulletin.Bulletin{}
	for rows.Next() {
		b, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("find bulletins: %w", sqlkit.Norm(err))
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find bulletins: %w", sqlkit.Norm(err))
	}
	return out, nil
}

// FindBulletinByID is one bulletin's record; NotFound when missing.
func (db *DB) FindBulletinByID(ctx context.Context, id string) (*bulletin.Bulletin, error) {
	b, err := scan(db.r.QueryRowContext(ctx, db.q(`SELECT `+columns+` FROM bulletins WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFound("没有编号为 %s 的通报 / no bulletin %s", id, id)
	}
	if err != nil {
		return nil, fmt.Errorf("find bulletin %s: %w", id, sqlkit.Norm(err))
	}
	return b, nil
}

// BulletinFile is one rendering of a bulletin.
func (db *DB) BulletinFile(ctx context.Context, id string, f bulletin.Format) ([]byte, error) {
	col, ok := map[bulletin.Format]string{bulletin.HTML: "html", bulletin.PDF: "pdf", bulletin.XLSX: "xlsx"}[f]
	if !ok {
		return nil, errs.Invalid("文件格式须为 pdf、xlsx 或 html / the format must be pdf, xlsx or html")
	}
	var b []byte
	err := db.r.QueryRowContext(ctx, db.q(`SELECT `+col+` FROM bulletins WHERE id = ?`), id).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFound("没有编号为 %s 的通报 / no bulletin %s", id, id)
	}
	if err != nil {
		return nil, fmt.Errorf("read bulletin %s %s: %w", id, f, sqlkit.Norm(err))
	}
	return b, nil
}
