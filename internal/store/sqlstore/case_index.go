package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/store/sqlkit"
)

// The in-memory duplicate index (package caseindex) starts from these two
// reads. They return cases with only the fields a duplicate or recurrence
// search reads, so a city's worth of open cases streams in one pass
// without decoding photos, clocks or sealed contact details.

const indexSelect = `SELECT id, code, status, category, lng, lat, grid, community, street, district, department,
reported_at, closed_at, version FROM cases`

// EachIndexedCase calls fn with every case FindNearby could return from now
// on: the open cases with a category, and the closed ones closed at or
// after closedSince. It reads them in one streaming query; fn's error stops
// it and is returned.
func (db *DB) EachIndexedCase(ctx context.Context, closedSince time.Time, fn func(*casework.Case) error) error {
	rows, err := db.r.QueryContext(ctx, indexSelect+` WHERE category <> '' AND (is_open OR (status = $1 AND closed_at >= $2))`,
		string(casework.StatusClosed), sqlkit.Micros(closedSince))
	if err != nil {
		return fmt.Errorf("read cases for the duplicate index: %w", db.norm(err))
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanIndexed(rows)
		if err != nil {
			return fmt.Errorf("read cases for the duplicate index: %w", db.norm(err))
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read cases for the duplicate index: %w", db.norm(err))
	}
	return nil
}

// IndexedCases returns the cases with these ids (those that exist, in no
// particular order), with the fields of [DB.EachIndexedCase]. The index
// re-reads the cases other nodes changed with it.
func (db *DB) IndexedCases(ctx context.Context, ids []string) ([]*casework.Case, error) {
	out := []*casework.Case{}
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		marks := make([]string, len(part))
		args := make([]any, len(part))
		for i, id := range part {
			marks[i], args[i] = fmt.Sprintf("$%d", i+1), id
		}
		rows, err := db.r.QueryContext(ctx, indexSelect+" WHERE id IN ("+strings.Join(marks, ", ")+")", args...)
		if err != nil {
			return nil, fmt.Errorf("read %d cases for the duplicate index: %w", len(part), db.norm(err))
		}
		for rows.Next() {
			c, err := scanIndexed(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("read cases for the duplicate index: %w", db.norm(err))
			}
			out = append(out, c)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("read cases for the duplicate index: %w", db.norm(err))
		}
	}
	return out, nil
}

func scanIndexed(s scanner) (*casework.Case, error) {
	var (
		c                 casework.Case
		category          string
		reported, version int64
		closed            sql.Null[int64]
	)
	if err := s.Scan(&c.ID, &c.Code, &c.Status, &category, &c.Point.Lng, &c.Point.Lat, &c.Grid, &c.Community,
		&c.Street, &c.District, &c.Department, &reported, &closed, &version); err != nil {
		return nil, err
	}
	if category != "" {
		ref, err := catalog.ParseRef(category)
		if err != nil {
			return nil, fmt.Errorf("case %s: stored category %q: %w", c.ID, category, err)
		}
		c.Category = &ref
	}
	c.ReportedAt, c.ClosedAt, c.Version = sqlkit.Time(reported), sqlkit.NullTime(closed), int(version)
	return &c, nil
}
