package communitystore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/permit"
	"cityloop/internal/store/sqlkit"
)

var _ permit.Store = (*DB)(nil)

func phoneAAD(id string) string { return "permit/" + id + "/phone" }

func micros0(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return sqlkit.Micros(*t)
}

func time0(v int64) *time.Time {
	if v == 0 {
		return nil
	}
	t := sqlkit.Time(v)
	return &t
}

// CreatePermit stores a new application, its phone sealed.
func (db *DB) CreatePermit(ctx context.Context, p *permit.Permit) error {
	phone, err := db.sealString(p.Phone, phoneAAD(p.ID))
	if err != nil {
		return err
	}
	_, err = db.w.ExecContext(ctx, `INSERT INTO permits (id, kind, status, number, applicant, uscc, phone_sealed, address, lng, lat, district, details,
		valid_from, valid_to, submitted_at, due_at, decided_at, decided_by, reason, reminded_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
		p.ID, string(p.Kind), string(p.Status), p.Number, p.Applicant, p.USCC, phone, p.Address, p.Point.Lng, p.Point.Lat, p.District, p.Details,
		sqlkit.Micros(p.ValidFrom), sqlkit.Micros(p.ValidTo), sqlkit.Micros(p.SubmittedAt), sqlkit.Micros(p.DueAt), micros0(p.DecidedAt), p.DecidedBy, p.Reason,
		micros0(p.RemindedAt), p.Version)
	if err != nil {
		return fmt.Errorf("create permit %s: %w", p.ID, sqlkit.Norm(err))
	}
	return nil
}

// DecidePermit writes the decision if nobody decided first, numbering an
// approval in the same transaction.
func (db *DB) DecidePermit(ctx context.Context, p *permit.Permit, prefix string) error {
	err := sqlkit.Tx(ctx, db.w, 4, sqlkit.Retryable, func(tx *sql.Tx) error {
		number := ""
		if prefix != "" {
			var last int64
			err := tx.QueryRowContext(ctx, `INSERT INTO permit_numbers (prefix, last) VALUES ($1, 1)
				ON CONFLICT (prefix) DO UPDATE SET last = permit_numbers.last + 1 RETURNING last`, prefix).Scan(&last)
			if err != nil {
				return err
			}
			number = fmt.Sprintf("%s%05d", prefix, last)
		}
		res, err := tx.ExecContext(ctx, `UPDATE permits SET status = $1, number = $2, decided_at = $3, decided_by = $4, reason = $5, version = $6
			WHERE id = $7 AND version = $8`, string(p.Status), number, micros0(p.DecidedAt), p.DecidedBy, p.Reason, p.Version, p.ID, p.Version-1)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Conflict("申请已被他人处理，请刷新 / someone decided the application first; reload it")
		}
		p.Number = number
		return nil
	})
	if err != nil {
		if errs.Is(err, errs.KindConflict) {
			return err
		}
		return fmt.Errorf("decide permit %s: %w", p.ID, sqlkit.Norm(err))
	}
	return nil
}

const permitColumns = `id, kind, status, number, applicant, uscc, phone_sealed, address, lng, lat, district, details,
	valid_from, valid_to, submitted_at, due_at, decided_at, decided_by, reason, reminded_at, version`

func (db *DB) scanPermit(row interface{ Scan(...any) error }) (*permit.Permit, error) {
	var p permit.Permit
	var kind, status, phone string
	var from, to, sub, due, dec, rem int64
	if err := row.Scan(&p.ID, &kind, &status, &p.Number, &p.Applicant, &p.USCC, &phone, &p.Address, &p.Point.Lng, &p.Point.Lat, &p.District, &p.Details,
		&from, &to, &sub, &due, &dec, &p.DecidedBy, &p.Reason, &rem, &p.Version); err != nil {
		return nil, err
	}
	p.Kind, p.Status = permit.Kind(kind), permit.Status(status)
	p.ValidFrom, p.ValidTo, p.SubmittedAt, p.DueAt = sqlkit.Time(from), sqlkit.Time(to), sqlkit.Time(sub), sqlkit.Time(due)
	p.DecidedAt, p.RemindedAt = time0(dec), time0(rem)
	var err error
	if p.Phone, err = db.openString(phone, phoneAAD(p.ID)); err != nil {
		return nil, err
	}
	return &p, nil
}

// FindPermitByID is one permit; NotFound when missing.
func (db *DB) FindPermitByID(ctx context.Context, id string) (*permit.Permit, error) {
	p, err := db.scanPermit(db.r.QueryRowContext(ctx, `SELECT `+permitColumns+` FROM permits WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFound("没有编号为 %s 的许可申请 / no permit application %s", id, id)
	}
	if err != nil {
		return nil, fmt.Errorf("find permit %s: %w", id, sqlkit.Norm(err))
	}
	return p, nil
}

// FindPermits lists permits of f, newest application first, and counts
// all matches. Expired is approved with valid_to ≤ f.Now; approved means
// still in force.
func (db *DB) FindPermits(ctx context.Context, f permit.Filter) ([]*permit.Permit, int, error) {
	status, cmp := string(f.Status), ""
	switch f.Status {
	case permit.StatusApproved:
		cmp = ` AND valid_to > $3`
	case permit.StatusExpired:
		status, cmp = string(permit.StatusApproved), ` AND valid_to <= $3`
	default:
		cmp = ` AND CAST($3 AS BIGINT) IS NOT NULL` // every term; $3 is still bound
	}
	where := ` WHERE ($1 = '' OR kind = $1) AND ($2 = '' OR status = $2)` + cmp
	args := []any{string(f.Kind), status, sqlkit.Micros(f.Now)}
	var total int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM permits`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count permits: %w", sqlkit.Norm(err))
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+permitColumns+` FROM permits`+where+` ORDER BY submitted_at DESC, id LIMIT $4 OFFSET $5`,
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("find permits: %w", sqlkit.Norm(err))
	}
	defer rows.Close()
	out := []*permit.Permit{}
	for rows.Next() {
		p, err := db.scanPermit(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("find permits: %w", sqlkit.Norm(err))
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("find permits: %w", sqlkit.Norm(err))
	}
	return out, total, nil
}

// PermitsToRemind lists approved permits not reminded yet that end by before.
func (db *DB) PermitsToRemind(ctx context.Context, before time.Time) ([]*permit.Permit, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+permitColumns+` FROM permits WHERE status = 'approved' AND reminded_at = 0 AND valid_to <= $1 ORDER BY valid_to, id`,
		sqlkit.Micros(before))
	if err != nil {
		return nil, fmt.Errorf("permits to remind: %w", sqlkit.Norm(err))
	}
	defer rows.Close()
	var out []*permit.Permit
	for rows.Next() {
		p, err := db.scanPermit(rows)
		if err != nil {
			return nil, fmt.Errorf("permits to remind: %w", sqlkit.Norm(err))
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("permits to remind: %w", sqlkit.Norm(err))
	}
	return out, nil
}

// MarkReminded records that the holder of permit id was reminded at at.
func (db *DB) MarkReminded(ctx context.Context, id string, at time.Time) error {
	if _, err := db.w.ExecContext(ctx, `UPDATE permits SET reminded_at = $1 WHERE id = $2`, sqlkit.Micros(at), id); err != nil {
		return fmt.Errorf("mark permit %s reminded: %w", id, sqlkit.Norm(err))
	}
	return nil
}
