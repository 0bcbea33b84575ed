package sqlstore

import (
	"context"
	"fmt"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/store/sqlkit"
	"cityloop/internal/worktime"
)

// Census reads the case figures of /metrics: statuses and sources from
// case_tally (kept by triggers, a few dozen rows), lights by counting the
// open cases with a deadline in the partial index cases_open_due, which
// holds only those (at the demo city's 100,000 cases a few thousand
// entries), so a scrape never reads the cases table.
func (db *DB) Census(ctx context.Context, now time.Time) (casework.Census, error) {
	c := casework.Census{Open: map[casework.Status]int64{}, Lights: map[worktime.Light]int64{}, BySource: map[casework.Source]int64{}}
	open := map[casework.Status]bool{}
	for _, s := range casework.OpenStatuses {
		open[s] = true
	}
	rows, err := db.query(ctx, `SELECT dim, val, status, SUM(n) FROM case_tally WHERE dim IN ('', 'source') GROUP BY dim, val, status`)
	if err != nil {
		return c, fmt.Errorf("read case tally: %w", db.norm(err))
	}
	defer rows.Close()
	for rows.Next() {
		var dim, val, status string
		var n int64
		if err := rows.Scan(&dim, &val, &status, &n); err != nil {
			return c, fmt.Errorf("read case tally: %w", db.norm(err))
		}
		switch {
		case dim == "source":
			c.BySource[casework.Source(val)] += n
		case open[casework.Status(status)]:
			c.Open[casework.Status(status)] += n
		}
	}
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("read case tally: %w", db.norm(err))
	}
	at := sqlkit.Micros(now)
	var red, yellow, all int64
	q := `SELECT COALESCE(SUM(CASE WHEN stage_due_at < $1 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN stage_due_at >= $1 AND stage_warn_at <= $1 THEN 1 ELSE 0 END), 0), COUNT(*)
		FROM ` + db.openCases("cases_open_due") + ` WHERE stage_due_at IS NOT NULL`
	if err := db.queryRow(ctx, q, at).Scan(&red, &yellow, &all); err != nil {
		return c, fmt.Errorf("count open cases by light: %w", db.norm(err))
	}
	c.Lights[worktime.Red], c.Lights[worktime.Yellow], c.Lights[worktime.Green] = red, yellow, all-red-yellow
	return c, nil
}
