package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/store/sqlkit"
)

var _ org.RegionStore = (*DB)(nil)

var regionCols = []string{
	"id", "code", "name", "level", "parent", "geometry", "min_lng", "min_lat", "max_lng", "max_lat",
	"area_m2", "valid_from", "valid_to", "version",
}

var (
	regionSelect    = "SELECT " + strings.Join(regionCols, ", ") + " FROM regions"
	insertRegionSQL = "INSERT INTO regions (" + strings.Join(regionCols, ", ") + ") VALUES " + sqlkit.Placeholders(1, len(regionCols), 1)
)

func regionArgs(r org.Region, at time.Time) ([]any, error) {
	var geometry any
	if len(r.Shape) > 0 {
		b, err := json.Marshal(r.Shape)
		if err != nil {
			return nil, fmt.Errorf("encode geometry of %s: %w", r.Code, err)
		}
		geometry = string(b)
	}
	from := r.ValidFrom
	if from.IsZero() {
		from = at
	}
	return []any{
		r.ID, r.Code, r.Name, int64(r.Level), r.Parent, geometry,
		r.Bounds.MinLng, r.Bounds.MinLat, r.Bounds.MaxLng, r.Bounds.MaxLat,
		r.AreaM2, sqlkit.Micros(from), sqlkit.MicrosOrNull(r.ValidTo), int64(r.Version),
	}, nil
}

func scanRegion(s scanner) (org.Region, error) {
	var (
		r              org.Region
		level, version int64
		geometry       sql.Null[string]
		validFrom      int64
		validTo        sql.Null[int64]
	)
	if err := s.Scan(&r.ID, &r.Code, &r.Name, &level, &r.Parent, &geometry,
		&r.Bounds.MinLng, &r.Bounds.MinLat, &r.Bounds.MaxLng, &r.Bounds.MaxLat,
		&r.AreaM2, &validFrom, &validTo, &version); err != nil {
		return r, err
	}
	r.Level, r.Version = org.Level(level), int(version)
	r.ValidFrom, r.ValidTo = sqlkit.Time(validFrom), sqlkit.NullTime(validTo)
	if geometry.Valid {
		if err := json.Unmarshal([]byte(geometry.V), &r.Shape); err != nil {
			return r, fmt.Errorf("region %s version %d: decode geometry: %w", r.Code, r.Version, err)
		}
	}
	return r, nil
}

func (db *DB) queryRegions(ctx context.Context, q string, args ...any) ([]org.Region, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, db.norm(err)
	}
	defer rows.Close()
	list := []org.Region{}
	for rows.Next() {
		r, err := scanRegion(rows)
		if err != nil {
			return nil, db.norm(err)
		}
		list = append(list, r)
	}
	if err := rows.Err(); err != nil {
		return nil, db.norm(err)
	}
	return list, nil
}

// CurrentRegions returns the versions in force (ValidTo is nil), by level
// and code.
func (db *DB) CurrentRegions(ctx context.Context) ([]org.Region, error) {
	list, err := db.queryRegions(ctx, regionSelect+" WHERE valid_to IS NULL ORDER BY level, code")
	if err != nil {
		return nil, fmt.Errorf("current regions: %w", err)
	}
	return list, nil
}

// RegionHistory returns every version of one code, oldest first; empty for
// an unknown code.
func (db *DB) RegionHistory(ctx context.Context, code string) ([]org.Region, error) {
	list, err := db.queryRegions(ctx, regionSelect+" WHERE code = $1 ORDER BY version", code)
	if err != nil {
		return nil, fmt.Errorf("history of region %s: %w", code, err)
	}
	return list, nil
}

// ApplyImport closes the superseded versions at `at` and inserts the new
// ones (a zero ValidFrom becomes `at`), in one transaction. When a version
// to close is no longer current, or a new version number is taken, another
// import got there first: nothing is written and the error is a Conflict.
func (db *DB) ApplyImport(ctx context.Context, plan org.ImportPlan, at time.Time) error {
	rows := make([][]any, len(plan.Insert))
	for i, r := range plan.Insert {
		row, err := regionArgs(r, at)
		if err != nil {
			return fmt.Errorf("apply region import: %w", err)
		}
		rows[i] = row
	}
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		for _, id := range plan.Supersede {
			res, err := db.txExec(ctx, tx, `UPDATE regions SET valid_to = $2 WHERE id = $1 AND valid_to IS NULL`, id, sqlkit.Micros(at))
			if err != nil {
				return db.norm(err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				return errs.Conflict("region version %s is no longer current: the regions changed since this import was checked; check it again", id)
			}
		}
		for i, row := range rows {
			if _, err := db.txExec(ctx, tx, insertRegionSQL, row...); err != nil {
				if errs.Is(db.norm(err), errs.KindConflict) {
					return errs.Conflict("region %s version %d already exists: the regions changed since this import was checked; check it again",
						plan.Insert[i].Code, plan.Insert[i].Version)
				}
				return db.norm(err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("apply region import: %w", err)
	}
	return nil
}
