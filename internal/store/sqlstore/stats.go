package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/store/sqlkit"
)

const microsPerDay = int64(24 * time.Hour / time.Microsecond)

// CaseStats aggregates the leader's overview charts inside q.Scope: reports
// per city day since q.Since, the top sub-classes reported since
// q.MonthStart, and open and red (stage deadline passed) cases per district.
// The scope goes through scopeFilter, like every other case query.
func (db *DB) CaseStats(ctx context.Context, q casework.StatsQuery) (casework.CaseStats, error) {
	st := casework.CaseStats{PerDay: map[int64]int{}}
	if q.TopN <= 0 {
		q.TopN = 10
	}

	w := &where{}
	w.add("reported_at >= ?", sqlkit.Micros(q.Since))
	if err := scopeFilter(w, q.Scope); err != nil {
		return st, err
	}
	off := int64(q.ZoneOffset / time.Microsecond)
	// The offset is a whole number we wrote ourselves, not input: inlined so
	// both planners see one expression in SELECT and GROUP BY.
	day := "(reported_at + " + strconv.FormatInt(off, 10) + ") / " + strconv.FormatInt(microsPerDay, 10)
	rows, err := db.query(ctx, "SELECT "+day+", COUNT(*) FROM cases"+w.String()+" GROUP BY "+day, w.args...)
	if err != nil {
		return st, fmt.Errorf("cases per day: %w", db.norm(err))
	}
	for rows.Next() {
		var d, n int64
		if err := rows.Scan(&d, &n); err != nil {
			rows.Close()
			return st, db.norm(err)
		}
		st.PerDay[d] = int(n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, db.norm(err)
	}

	w = &where{}
	w.add("reported_at >= ?", sqlkit.Micros(q.MonthStart))
	w.add("category <> ''")
	if err := scopeFilter(w, q.Scope); err != nil {
		return st, err
	}
	args := append(w.args, int64(q.TopN))
	rows, err = db.query(ctx, fmt.Sprintf("SELECT category, COUNT(*) AS n FROM cases%s GROUP BY category ORDER BY n DESC, category LIMIT $%d", w.String(), len(args)), args...)
	if err != nil {
		return st, fmt.Errorf("cases per sub-class: %w", db.norm(err))
	}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			rows.Close()
			return st, db.norm(err)
		}
		st.TopCategories = append(st.TopCategories, casework.KeyCount{Key: k, Count: int(n)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, db.norm(err)
	}

	// $1 (now) comes first in the text, so it is the first argument.
	w = &where{args: []any{sqlkit.Micros(q.Now)}}
	w.add("is_open = ?", true)
	if err := scopeFilter(w, q.Scope); err != nil {
		return st, err
	}
	rows, err = db.query(ctx, "SELECT COALESCE(district, ''), COUNT(*), SUM(CASE WHEN stage_due_at < $1 THEN 1 ELSE 0 END) FROM cases"+w.String()+" GROUP BY district ORDER BY district", w.args...)
	if err != nil {
		return st, fmt.Errorf("cases per district: %w", db.norm(err))
	}
	defer rows.Close()
	for rows.Next() {
		var d string
		var n, red int64
		if err := rows.Scan(&d, &n, &red); err != nil {
			return st, db.norm(err)
		}
		st.Districts = append(st.Districts, casework.DistrictCount{District: d, Open: int(n), Overdue: int(red)})
	}
	return st, db.norm(rows.Err())
}
