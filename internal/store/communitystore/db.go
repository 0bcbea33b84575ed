package communitystore

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/merchant"
	"cityloop/internal/pii"
	"cityloop/internal/store/sqlkit"
)

// VersionTable is where goose keeps this store's migration version.
const VersionTable = "community_goose_db_version"

// DB is the community store. Safe for concurrent use.
type DB struct {
	postgres bool
	w, r     *sql.DB
	keys     *pii.Keyring
}

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationsFS embed.FS

var _ merchant.Store = (*DB)(nil)

// Open connects to the app's database (the DSN forms of sqlkit.Open).
func Open(ctx context.Context, dsn string) (*DB, error) {
	// The registry is read by the console and the QR plates and written by
	// an hourly job: a few connections are plenty.
	p, err := sqlkit.Open(ctx, dsn, sqlkit.Options{Name: "community store", PostgresConns: 4, SQLiteReaders: 2})
	if err != nil {
		return nil, err
	}
	return &DB{postgres: p.Postgres, w: p.W, r: p.R}, nil
}

// Close closes the pools.
func (db *DB) Close() error { return sqlkit.Pools{W: db.w, R: db.r, Postgres: db.postgres}.Close() }

// SetKeyring makes the store seal merchants' contacts with the node's
// keys, as reporters' data is; without one they are stored as given.
func (db *DB) SetKeyring(k *pii.Keyring) { db.keys = k }

// Migrate brings the tables up to date, in their own version table.
func (db *DB) Migrate(ctx context.Context) error {
	err := sqlkit.Migrate(ctx, db.w, sqlkit.Migration{FS: sqlkit.DialectFS(migrationsFS, db.postgres), Postgres: db.postgres, VersionTable: VersionTable, LockName: "cityloop-community-migrate"})
	if err != nil {
		return fmt.Errorf("migrate community store: %w", sqlkit.Norm(err))
	}
	return nil
}

func contactAAD(id string) string { return "merchant/" + id + "/contact" }

// sealString seals a value under aad; "" stays "", and without a keyring
// the value is stored as given.
func (db *DB) sealString(plain, aad string) (string, error) {
	if db.keys == nil || plain == "" {
		return plain, nil
	}
	s, err := db.keys.Encrypt(plain, aad)
	if err != nil {
		return "", fmt.Errorf("seal %s: %w", aad, err)
	}
	return s, nil
}

// openString opens what sealString stored; values stored in plain (no
// "v1:" prefix) pass through.
func (db *DB) openString(stored, aad string) (string, error) {
	if !strings.HasPrefix(stored, "v1:") {
		return stored, nil
	}
	if db.keys == nil {
		return "", fmt.Errorf("%s is sealed but no keyring is configured", aad)
	}
	plain, err := db.keys.Decrypt(stored, aad)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", aad, err)
	}
	return plain, nil
}

func (db *DB) sealContact(id string, c *merchant.Contact) (string, error) {
	if c == nil {
		return "", nil
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("seal contact of %s: %w", id, err)
	}
	return db.sealString(string(b), contactAAD(id))
}

func (db *DB) openContact(id, stored string) (*merchant.Contact, error) {
	plain, err := db.openString(stored, contactAAD(id))
	if err != nil || plain == "" {
		return nil, err
	}
	var c merchant.Contact
	if err := json.Unmarshal([]byte(plain), &c); err != nil {
		return nil, fmt.Errorf("read contact of %s: %w", id, err)
	}
	return &c, nil
}

// CreateMerchants registers ms in one transaction: all or none. A code
// registered already is a Conflict.
func (db *DB) CreateMerchants(ctx context.Context, ms []*merchant.Merchant) error {
	type row struct {
		m             *merchant.Merchant
		zone, contact string
		b             geo.Bounds
	}
	rows := make([]row, len(ms))
	for i, m := range ms {
		z, err := json.Marshal(m.Zone)
		if err != nil {
			return fmt.Errorf("merchant %s zone: %w", m.ID, err)
		}
		c, err := db.sealContact(m.ID, m.Contact)
		if err != nil {
			return err
		}
		rows[i] = row{m, string(z), c, m.Zone.Bounds()}
	}
	now := sqlkit.Micros(time.Now())
	err := sqlkit.Tx(ctx, db.w, 4, sqlkit.Retryable, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO merchants (id, name, uscc, trade, address, lng, lat, district, street, grid, contact_sealed,
			zone, zone_min_lng, zone_min_lat, zone_max_lng, zone_max_lat, signed_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, r := range rows {
			m := r.m
			if _, err := st.ExecContext(ctx, m.ID, m.Name, m.USCC, m.Trade, m.Address, m.Point.Lng, m.Point.Lat, m.District, m.Street, m.Grid,
				r.contact, r.zone, r.b.MinLng, r.b.MinLat, r.b.MaxLng, r.b.MaxLat, sqlkit.Micros(m.SignedAt), now); err != nil {
				return fmt.Errorf("merchant %s (%s): %w", m.ID, m.USCC, err)
			}
		}
		return nil
	})
	if err != nil {
		if errs.Is(sqlkit.Norm(err), errs.KindConflict) {
			return errs.Conflict("商户或统一社会信用代码已登记 / a merchant with that id or unified social credit code is registered already")
		}
		return fmt.Errorf("create merchants: %w", sqlkit.Norm(err))
	}
	return nil
}

const columns = `m.id, m.name, m.uscc, m.trade, m.address, m.lng, m.lat, m.district, m.street, m.grid, m.zone, m.signed_at`

func scan(row interface{ Scan(...any) error }, extra ...any) (*merchant.Merchant, error) {
	var m merchant.Merchant
	var zone string
	var signed int64
	dest := append([]any{&m.ID, &m.Name, &m.USCC, &m.Trade, &m.Address, &m.Point.Lng, &m.Point.Lat, &m.District, &m.Street, &m.Grid, &zone, &signed}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(zone), &m.Zone); err != nil {
		return nil, fmt.Errorf("merchant %s zone: %w", m.ID, err)
	}
	m.SignedAt = sqlkit.Time(signed)
	return &m, nil
}

// tally joins each merchant's deducted points and violations of year $1.
const tally = ` LEFT JOIN merchant_credit v ON v.merchant_id = m.id AND v.year = $1`

// FindMerchantByID is one merchant with its contact opened and its tally
// for year; NotFound when missing.
func (db *DB) FindMerchantByID(ctx context.Context, id string, year int) (*merchant.Merchant, error) {
	var contact string
	var pts, n int64
	m, err := scan(db.r.QueryRowContext(ctx, `SELECT `+columns+`, m.contact_sealed, COALESCE(v.deducted, 0), COALESCE(v.violations, 0) FROM merchants m`+tally+` WHERE m.id = $2`, year, id),
		&contact, &pts, &n)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFound("没有编号为 %s 的商户 / no merchant %s", id, id)
	}
	if err != nil {
		return nil, fmt.Errorf("find merchant %s: %w", id, sqlkit.Norm(err))
	}
	if m.Contact, err = db.openContact(id, contact); err != nil {
		return nil, err
	}
	m.Credit.Deducted, m.Credit.Violations = int(pts), int(n)
	return m, nil
}

// FindMerchants lists the merchants matching f, by district, address and
// id, with their tally for f.Year, and the number of all matches.
func (db *DB) FindMerchants(ctx context.Context, f merchant.Filter) ([]*merchant.Merchant, int, error) {
	lo, hi := 0, -1
	if f.MinDeducted != nil {
		lo = *f.MinDeducted
	}
	if f.MaxDeducted != nil {
		hi = *f.MaxDeducted
	}
	like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(f.Query) + "%"
	where := ` WHERE ($2 = '' OR m.district = $2 OR m.street = $2 OR m.grid = $2)
		AND ($3 = '' OR m.name LIKE $4 ESCAPE '\' OR m.address LIKE $4 ESCAPE '\' OR m.uscc = $3)
		AND COALESCE(v.deducted, 0) >= $5 AND ($6 < 0 OR COALESCE(v.deducted, 0) <= $6)`
	args := []any{f.Year, f.District, f.Query, like, lo, hi}
	var total int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM merchants m`+tally+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count merchants: %w", sqlkit.Norm(err))
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+columns+`, COALESCE(v.deducted, 0), COALESCE(v.violations, 0) FROM merchants m`+tally+where+
		` ORDER BY m.district, m.address, m.id LIMIT $7 OFFSET $8`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("find merchants: %w", sqlkit.Norm(err))
	}
	defer rows.Close()
	out := []*merchant.Merchant{}
	for rows.Next() {
		var pts, n int64
		m, err := scan(rows, &pts, &n)
		if err != nil {
			return nil, 0, fmt.Errorf("find merchants: %w", sqlkit.Norm(err))
		}
		m.Credit.Deducted, m.Credit.Violations = int(pts), int(n)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("find merchants: %w", sqlkit.Norm(err))
	}
	return out, total, nil
}

// FindMerchantsInBox lists the merchants whose zone's box meets box
// (contacts not opened), for linking cases.
func (db *DB) FindMerchantsInBox(ctx context.Context, b geo.Bounds) ([]*merchant.Merchant, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+columns+` FROM merchants m
		WHERE m.zone_min_lng <= $1 AND m.zone_max_lng >= $2 AND m.zone_min_lat <= $3 AND m.zone_max_lat >= $4`,
		b.MaxLng, b.MinLng, b.MaxLat, b.MinLat)
	if err != nil {
		return nil, fmt.Errorf("find merchants in box: %w", sqlkit.Norm(err))
	}
	defer rows.Close()
	var out []*merchant.Merchant
	for rows.Next() {
		m, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("find merchants in box: %w", sqlkit.Norm(err))
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find merchants in box: %w", sqlkit.Norm(err))
	}
	return out, nil
}

// RecordViolations stores the links not stored yet, with each merchant's
// tally of the year, in one transaction, and returns how many were new.
func (db *DB) RecordViolations(ctx context.Context, vs []merchant.Violation) (int, error) {
	made := 0
	err := sqlkit.Tx(ctx, db.w, 4, sqlkit.Retryable, func(tx *sql.Tx) error {
		made = 0
		st, err := tx.PrepareContext(ctx, `INSERT INTO merchant_violations (merchant_id, case_id, case_code, category, duty, points, at, year)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (merchant_id, case_id) DO NOTHING`)
		if err != nil {
			return err
		}
		defer st.Close()
		tally, err := tx.PrepareContext(ctx, `INSERT INTO merchant_credit (merchant_id, year, deducted, violations) VALUES ($1, $2, $3, 1)
			ON CONFLICT (merchant_id, year) DO UPDATE SET deducted = merchant_credit.deducted + excluded.deducted, violations = merchant_credit.violations + 1`)
		if err != nil {
			return err
		}
		defer tally.Close()
		for _, v := range vs {
			res, err := st.ExecContext(ctx, v.MerchantID, v.CaseID, v.CaseCode, v.Category, string(v.Duty), v.Points, sqlkit.Micros(v.At), v.Year)
			if err != nil {
				return fmt.Errorf("case %s at merchant %s: %w", v.CaseCode, v.MerchantID, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue // linked before
			}
			if _, err := tally.ExecContext(ctx, v.MerchantID, v.Year, v.Points); err != nil {
				return fmt.Errorf("tally of merchant %s: %w", v.MerchantID, err)
			}
			made++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("record violations: %w", sqlkit.Norm(err))
	}
	return made, nil
}

// FindViolations lists a merchant's violations of year, newest first.
func (db *DB) FindViolations(ctx context.Context, id string, year int) ([]merchant.Violation, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT merchant_id, case_id, case_code, category, duty, points, at, year FROM merchant_violations
		WHERE merchant_id = $1 AND year = $2 ORDER BY at DESC, case_id`, id, year)
	if err != nil {
		return nil, fmt.Errorf("find violations of %s: %w", id, sqlkit.Norm(err))
	}
	defer rows.Close()
	out := []merchant.Violation{}
	for rows.Next() {
		var v merchant.Violation
		var duty string
		var at int64
		if err := rows.Scan(&v.MerchantID, &v.CaseID, &v.CaseCode, &v.Category, &duty, &v.Points, &at, &v.Year); err != nil {
			return nil, fmt.Errorf("find violations of %s: %w", id, sqlkit.Norm(err))
		}
		v.Duty, v.At = merchant.Duty(duty), sqlkit.Time(at)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find violations of %s: %w", id, sqlkit.Norm(err))
	}
	return out, nil
}

const linkCursor = "merchant-case-link"

// LinkCursor is where the case-linking job stopped (zero: never ran).
func (db *DB) LinkCursor(ctx context.Context) (time.Time, error) {
	var at int64
	err := db.r.QueryRowContext(ctx, `SELECT at FROM community_cursors WHERE name = $1`, linkCursor).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read link cursor: %w", sqlkit.Norm(err))
	}
	return sqlkit.Time(at), nil
}

// SetLinkCursor moves the case-linking job's cursor to at.
func (db *DB) SetLinkCursor(ctx context.Context, at time.Time) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO community_cursors (name, at) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET at = excluded.at`,
		linkCursor, sqlkit.Micros(at))
	if err != nil {
		return fmt.Errorf("set link cursor: %w", sqlkit.Norm(err))
	}
	return nil
}
