package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"cityloop/internal/analysis"
	"cityloop/internal/casework"
	"cityloop/internal/store/sqlkit"
)

// The aggregate queries of package analysis. Each one is a single GROUP BY
// over the cases table, filtered by the same caseFilter (and so the same
// jurisdiction scope) as the case list, so a figure and the list behind it
// count the same cases. Hours of the week and weeks are integer arithmetic
// on reported_at (UTC microseconds) shifted by the city's offset, the same
// expression on SQLite and PostgreSQL; it is exact because every stored
// time is after 1970, where integer division is floor division.

const microsPerHour = int64(time.Hour / time.Microsecond)

// analysisWhere is the WHERE of q.
func analysisWhere(q analysis.Query) (*where, error) {
	f := casework.Filter{Category: q.Category, Region: q.Region, RegionLevel: q.RegionLevel, Scope: q.Scope}
	if !q.From.IsZero() {
		f.From = &q.From
	}
	if !q.To.IsZero() {
		f.To = &q.To
	}
	w, err := caseFilter(f)
	if err != nil {
		return nil, err
	}
	if len(q.Sources) > 0 {
		s := make([]string, len(q.Sources))
		for i, src := range q.Sources {
			s[i] = string(src)
		}
		w.in("source", s)
	}
	return w, nil
}

// localExpr is reported_at on the city's clock. The offset is a number we
// computed, not input: inlined so that SELECT and GROUP BY carry the same
// expression for both planners.
func localExpr(off time.Duration) string {
	return "(reported_at + " + strconv.FormatInt(int64(off/time.Microsecond), 10) + ")"
}

func weekExpr(off time.Duration) string {
	return "((" + localExpr(off) + " / " + strconv.FormatInt(microsPerDay, 10) + " + 3) / 7)"
}

func hourOfWeekExpr(off time.Duration) string {
	return "((" + localExpr(off) + " / " + strconv.FormatInt(microsPerHour, 10) + " + 72) % 168)"
}

// groupCount runs "SELECT key, COUNT(*) … GROUP BY key" and scans the rows.
func (db *DB) groupCount(ctx context.Context, what, key string, q analysis.Query, extra ...string) ([]analysis.Count, error) {
	w, err := analysisWhere(q)
	if err != nil {
		return nil, err
	}
	for _, c := range extra {
		w.add(c)
	}
	rows, err := db.query(ctx, "SELECT "+key+", COUNT(*) FROM cases"+w.String()+" GROUP BY "+key, w.args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, db.norm(err))
	}
	defer rows.Close()
	var out []analysis.Count
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("%s: %w", what, db.norm(err))
		}
		out = append(out, analysis.Count{Key: k, N: int(n)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, db.norm(err))
	}
	return out, nil
}

// CountByGrid counts cases per unit grid; cases outside every grid (none
// are filed so) are left out.
func (db *DB) CountByGrid(ctx context.Context, q analysis.Query) ([]analysis.Count, error) {
	return db.groupCount(ctx, "cases per grid", "grid", q, "grid <> ''")
}

// CountByCategory counts cases per sub-class; unclassified cases count
// under "".
func (db *DB) CountByCategory(ctx context.Context, q analysis.Query) ([]analysis.Count, error) {
	return db.groupCount(ctx, "cases per sub-class", "category", q)
}

// CountByHourOfWeek counts cases per hour of the week on the city's clock.
func (db *DB) CountByHourOfWeek(ctx context.Context, q analysis.Query) (analysis.HourOfWeek, error) {
	var h analysis.HourOfWeek
	w, err := analysisWhere(q)
	if err != nil {
		return h, err
	}
	e := hourOfWeekExpr(q.Offset)
	rows, err := db.query(ctx, "SELECT "+e+", COUNT(*) FROM cases"+w.String()+" GROUP BY "+e, w.args...)
	if err != nil {
		return h, fmt.Errorf("cases per hour of week: %w", db.norm(err))
	}
	defer rows.Close()
	for rows.Next() {
		var i, n int64
		if err := rows.Scan(&i, &n); err != nil {
			return h, fmt.Errorf("cases per hour of week: %w", db.norm(err))
		}
		if i >= 0 && i < 168 {
			h[i] += int(n)
		}
	}
	return h, db.norm(rows.Err())
}

// CountByWeek counts cases per week (analysis.WeekOf).
func (db *DB) CountByWeek(ctx context.Context, q analysis.Query) ([]analysis.WeekCount, error) {
	w, err := analysisWhere(q)
	if err != nil {
		return nil, err
	}
	e := weekExpr(q.Offset)
	rows, err := db.query(ctx, "SELECT "+e+", COUNT(*) FROM cases"+w.String()+" GROUP BY "+e, w.args...)
	if err != nil {
		return nil, fmt.Errorf("cases per week: %w", db.norm(err))
	}
	defer rows.Close()
	var out []analysis.WeekCount
	for rows.Next() {
		var wk, n int64
		if err := rows.Scan(&wk, &n); err != nil {
			return nil, fmt.Errorf("cases per week: %w", db.norm(err))
		}
		out = append(out, analysis.WeekCount{Week: wk, N: int(n)})
	}
	return out, db.norm(rows.Err())
}

// CountByCellWeek counts cases per grid, sub-class and week; unclassified
// or unlocated cases are left out (they have no cell).
func (db *DB) CountByCellWeek(ctx context.Context, q analysis.Query) ([]analysis.CellWeek, error) {
	w, err := analysisWhere(q)
	if err != nil {
		return nil, err
	}
	w.add("grid <> ''")
	w.add("category <> ''")
	e := weekExpr(q.Offset)
	rows, err := db.query(ctx, "SELECT grid, category, "+e+", COUNT(*) FROM cases"+w.String()+" GROUP BY grid, category, "+e, w.args...)
	if err != nil {
		return nil, fmt.Errorf("cases per grid, sub-class and week: %w", db.norm(err))
	}
	defer rows.Close()
	var out []analysis.CellWeek
	for rows.Next() {
		var r analysis.CellWeek
		var wk, n int64
		if err := rows.Scan(&r.Cell.Grid, &r.Cell.Category, &wk, &n); err != nil {
			return nil, fmt.Errorf("cases per grid, sub-class and week: %w", db.norm(err))
		}
		r.Week, r.N = wk, int(n)
		out = append(out, r)
	}
	return out, db.norm(rows.Err())
}

// RecurrenceByCell counts, per grid and sub-class, the cases of the period,
// those closed as a recurrence (recurrence_of set), those reported within
// window after the previous case of the same cell, and those that are
// either. The previous case is found by a window function (LAG) over the
// cell's cases, which both SQLite (3.25+) and PostgreSQL run in one pass;
// the inner query reaches one window before the period so that the
// period's first case may follow one reported just before it. Merged
// duplicates are left out, since a duplicate is the same problem reported
// twice, not the problem coming back.
func (db *DB) RecurrenceByCell(ctx context.Context, q analysis.Query, window time.Duration) ([]analysis.RecurrenceRow, error) {
	inner := q
	if !q.From.IsZero() {
		inner.From = q.From.Add(-window)
	}
	w, err := analysisWhere(inner)
	if err != nil {
		return nil, err
	}
	w.add("grid <> ''")
	w.add("category <> ''")
	w.add("merged_into = ''")
	win := strconv.FormatInt(int64(window/time.Microsecond), 10)
	repeated := "(prev IS NOT NULL AND reported_at - prev <= " + win + ")"
	query := "SELECT grid, category, COUNT(*)," +
		" SUM(CASE WHEN recurrence_of <> '' THEN 1 ELSE 0 END)," +
		" SUM(CASE WHEN " + repeated + " THEN 1 ELSE 0 END)," +
		" SUM(CASE WHEN recurrence_of <> '' OR " + repeated + " THEN 1 ELSE 0 END)" +
		" FROM (SELECT grid, category, recurrence_of, reported_at," +
		" LAG(reported_at) OVER (PARTITION BY grid, category ORDER BY reported_at, id) AS prev" +
		" FROM cases" + w.String() + ") t"
	args := w.args
	if !q.From.IsZero() {
		args = append(args, sqlkit.Micros(q.From))
		query += " WHERE reported_at >= $" + strconv.Itoa(len(args))
	}
	query += " GROUP BY grid, category"
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("recurrence per grid and sub-class: %w", db.norm(err))
	}
	defer rows.Close()
	var out []analysis.RecurrenceRow
	for rows.Next() {
		var r analysis.RecurrenceRow
		var n, rec, rep, either sql.NullInt64
		if err := rows.Scan(&r.Cell.Grid, &r.Cell.Category, &n, &rec, &rep, &either); err != nil {
			return nil, fmt.Errorf("recurrence per grid and sub-class: %w", db.norm(err))
		}
		r.Cases, r.Recurrence, r.Repeated, r.Recurring = int(n.Int64), int(rec.Int64), int(rep.Int64), int(either.Int64)
		out = append(out, r)
	}
	return out, db.norm(rows.Err())
}
