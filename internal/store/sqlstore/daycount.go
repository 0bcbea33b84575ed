package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"cityloop/internal/bigscreen"
	"cityloop/internal/casework"
	"cityloop/internal/store/sqlkit"
)

// CasesPerDay counts, inside q.Scope, the cases reported and the cases
// closed on each city day since q.Since (the big screen's trend and its
// 今日结案): two grouped scans, where a count per day would scan the
// cases once per day of the trend.
func (db *DB) CasesPerDay(ctx context.Context, q bigscreen.DayQuery) (bigscreen.DayCounts, error) {
	out := bigscreen.DayCounts{Reported: map[int64]int{}, Closed: map[int64]int{}}
	// The offset is a whole number we wrote ourselves, not input: inlined so
	// both planners see one expression in SELECT and GROUP BY.
	off := strconv.FormatInt(int64(q.Offset/time.Microsecond), 10)
	for _, c := range []struct {
		col    string
		closed bool
		dst    map[int64]int
	}{{"reported_at", false, out.Reported}, {"closed_at", true, out.Closed}} {
		w := &where{}
		if c.closed {
			w.add("status = ?", string(casework.StatusClosed))
		}
		w.add(c.col+" >= ?", sqlkit.Micros(q.Since))
		if err := scopeFilter(w, q.Scope); err != nil {
			return out, err
		}
		day := "(" + c.col + " + " + off + ") / " + strconv.FormatInt(microsPerDay, 10)
		rows, err := db.query(ctx, "SELECT "+day+", COUNT(*) FROM cases"+w.String()+" GROUP BY "+day, w.args...)
		if err != nil {
			return out, fmt.Errorf("cases per day by %s: %w", c.col, db.norm(err))
		}
		for rows.Next() {
			var d, n int64
			if err := rows.Scan(&d, &n); err != nil {
				rows.Close()
				return out, fmt.Errorf("cases per day by %s: %w", c.col, db.norm(err))
			}
			c.dst[d] = int(n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return out, fmt.Errorf("cases per day by %s: %w", c.col, db.norm(err))
		}
	}
	return out, nil
}
