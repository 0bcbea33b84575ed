package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"cityloop/internal/errs"
	"cityloop/internal/facility"
	"cityloop/internal/geo"
	"cityloop/internal/store/sqlkit"
)

const facilityCols = `id, kind, name, address, lng, lat, grid, district, hours, accessible, open_24h, updated_at`

// PutFacility creates or replaces a facility; created reports a new one.
func (db *DB) PutFacility(ctx context.Context, f *facility.Facility) (created bool, err error) {
	err = db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := db.txExec(ctx, tx, `UPDATE facilities SET kind = $2, name = $3, address = $4, lng = $5, lat = $6, grid = $7,
			district = $8, hours = $9, accessible = $10, open_24h = $11, updated_at = $12 WHERE id = $1`,
			f.ID, string(f.Kind), f.Name, f.Address, f.Point.Lng, f.Point.Lat, f.Grid, f.District, f.Hours, f.Accessible, f.Open24h, sqlkit.Micros(f.UpdatedAt))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil || n > 0 {
			created = false
			return err
		}
		created = true
		_, err = db.txExec(ctx, tx, `INSERT INTO facilities (`+facilityCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			f.ID, string(f.Kind), f.Name, f.Address, f.Point.Lng, f.Point.Lat, f.Grid, f.District, f.Hours, f.Accessible, f.Open24h, sqlkit.Micros(f.UpdatedAt))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("save facility %s: %w", f.ID, db.norm(err))
	}
	return created, nil
}

// DeleteFacility removes a facility; an unknown id is NotFound.
func (db *DB) DeleteFacility(ctx context.Context, id string) error {
	var n int64
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := db.txExec(ctx, tx, `DELETE FROM facilities WHERE id = $1`, id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("delete facility %s: %w", id, db.norm(err))
	}
	if n == 0 {
		return errs.NotFound("no facility %s", id)
	}
	return nil
}

// FindFacilities lists facilities of kind ordered by id; a non-nil box keeps
// those inside it (edges included). limit ≤ 0 means all.
func (db *DB) FindFacilities(ctx context.Context, kind facility.Kind, box *geo.Bounds, limit int) ([]*facility.Facility, error) {
	q := `SELECT ` + facilityCols + ` FROM facilities WHERE kind = $1`
	args := []any{string(kind)}
	if box != nil {
		q += ` AND lat >= $2 AND lat <= $3 AND lng >= $4 AND lng <= $5`
		args = append(args, box.MinLat, box.MaxLat, box.MinLng, box.MaxLng)
	}
	q += ` ORDER BY id`
	if limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, limit)
	}
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list facilities: %w", db.norm(err))
	}
	defer rows.Close()
	out := []*facility.Facility{}
	for rows.Next() {
		var (
			f    facility.Facility
			kind string
			at   int64
		)
		if err := rows.Scan(&f.ID, &kind, &f.Name, &f.Address, &f.Point.Lng, &f.Point.Lat, &f.Grid, &f.District, &f.Hours,
			&f.Accessible, &f.Open24h, &at); err != nil {
			return nil, fmt.Errorf("list facilities: %w", db.norm(err))
		}
		f.Kind, f.UpdatedAt = facility.Kind(kind), sqlkit.Time(at)
		out = append(out, &f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list facilities: %w", db.norm(err))
	}
	return out, nil
}

// CountFacilities counts facilities of kind.
func (db *DB) CountFacilities(ctx context.Context, kind facility.Kind) (int, error) {
	var n int64
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM facilities WHERE kind = $1`, string(kind)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count facilities: %w", db.norm(err))
	}
	return int(n), nil
}
