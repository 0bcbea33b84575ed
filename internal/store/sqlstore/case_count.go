package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/org"
)

// tallyDay is the length of the case_tally "day" dimension: UTC days.
const tallyDay = 24 * time.Hour

// tallyPlan is a filter's total as a sum over case_tally rows (see
// migration 00013): one dimension value, or a range of report days, with
// the filter's statuses and overdue flag; edges are the parts of a date
// range that do not cover whole days, counted from the cases.
type tallyPlan struct {
	dim, val string
	days     bool
	from, to string // day range [from, to), 8-digit day numbers; "" is open
	statuses []string
	overdue  *bool
	edges    []casework.Filter
}

// planTally says whether f's total can be read from case_tally, and how.
// It can when f filters on statuses, the overdue flag and at most one of:
// a district or street (as the filter's region or the caller's only
// jurisdiction), a department, a category, a source, or a range of report
// times. Anything else (two dimensions, communities and grids, lights,
// predicates, references) is counted from the cases, where the narrower
// filter keeps the count small.
func planTally(f casework.Filter) (tallyPlan, bool) {
	var p tallyPlan
	if len(f.Is) > 0 || f.Light != "" || f.ExternalRef != "" || f.ReporterID != "" || len(f.ReporterIDs) > 0 {
		return p, false
	}
	has := false // a dimension is set
	set := func(dim, val string) bool {
		if has && (p.dim != dim || p.val != val) {
			return false
		}
		has, p.dim, p.val = true, dim, val
		return true
	}
	if f.Region != "" {
		switch f.RegionLevel {
		case org.LevelCity:
		case org.LevelDistrict:
			set("district", f.Region)
		case org.LevelStreet:
			set("street", f.Region)
		default:
			return p, false
		}
	}
	if sc := f.Scope; sc != nil && !sc.All {
		switch {
		case len(sc.Regions) == 1 && len(sc.Departments) == 0 && sc.Regions[0].Department == "":
			r := sc.Regions[0]
			switch r.Level {
			case org.LevelDistrict:
				if !set("district", r.Code) {
					return p, false
				}
			case org.LevelStreet:
				if !set("street", r.Code) {
					return p, false
				}
			default:
				return p, false
			}
		case len(sc.Regions) == 0 && len(sc.Departments) == 1:
			if !set("department", sc.Departments[0]) {
				return p, false
			}
		default:
			return p, false
		}
	}
	if f.Department != "" && !set("department", f.Department) {
		return p, false
	}
	if f.Category != nil && !set("category", f.Category.String()) {
		return p, false
	}
	if f.Source != "" && !set("source", string(f.Source)) {
		return p, false
	}
	if f.From != nil || f.To != nil {
		if has {
			return p, false
		}
		p.days = true
		p.dim = "day"
		// Whole days inside [From, To); the parts before the first and
		// after the last whole day are edges.
		edge := f
		edge.Scope, edge.Limit, edge.Offset = nil, 0, 0
		var first, last time.Time // the whole days are [first, last)
		if f.From != nil {
			first = f.From.UTC().Truncate(tallyDay)
			if first.Before(*f.From) {
				first = first.Add(tallyDay)
			}
			p.from = dayKey(first)
		}
		if f.To != nil {
			last = f.To.UTC().Truncate(tallyDay)
			p.to = dayKey(last)
		}
		if f.From != nil && f.To != nil && !first.Before(last) {
			return p, false // less than a day: count the cases
		}
		if f.From != nil && first.After(*f.From) {
			e := edge
			e.From, e.To = f.From, &first
			p.edges = append(p.edges, e)
		}
		if f.To != nil && last.Before(*f.To) {
			e := edge
			e.From, e.To = &last, f.To
			p.edges = append(p.edges, e)
		}
	} else if !has {
		p.dim, p.val = "", ""
	}
	for _, s := range f.Statuses {
		p.statuses = append(p.statuses, string(s))
	}
	p.overdue = f.Overdue
	return p, true
}

// dayKey is t's UTC day in case_tally's "day" dimension.
func dayKey(t time.Time) string {
	return fmt.Sprintf("%08d", t.Unix()/int64(tallyDay/time.Second))
}

// countCases is the total of f: from case_tally when planTally allows,
// otherwise COUNT(*) over the cases.
func (db *DB) countCases(ctx context.Context, f casework.Filter, w *where) (int64, error) {
	p, ok := planTally(f)
	if !ok {
		from := "cases"
		if f.Light != "" && !narrowRegion(f) {
			from = db.openCases("cases_open_due")
		}
		var n int64
		err := db.queryRow(ctx, "SELECT COUNT(*) FROM "+from+w.String(), w.args...).Scan(&n)
		return n, err
	}
	tw := &where{}
	tw.add("dim = ?", p.dim)
	switch {
	case !p.days:
		tw.add("val = ?", p.val)
	default:
		if p.from != "" {
			tw.add("val >= ?", p.from)
		}
		if p.to != "" {
			tw.add("val < ?", p.to)
		}
	}
	if len(p.statuses) == 1 {
		tw.add("status = ?", p.statuses[0])
	} else if len(p.statuses) > 1 {
		tw.in("status", p.statuses)
	}
	if p.overdue != nil {
		tw.add("overdue = ?", *p.overdue)
	}
	var n int64
	if err := db.queryRow(ctx, "SELECT COALESCE(SUM(n), 0) FROM case_tally"+tw.String(), tw.args...).Scan(&n); err != nil {
		return 0, err
	}
	for _, e := range p.edges {
		ew, err := caseFilter(e)
		if err != nil {
			return 0, err
		}
		var k int64
		if err := db.queryRow(ctx, "SELECT COUNT(*) FROM cases"+ew.String(), ew.args...).Scan(&k); err != nil {
			return 0, err
		}
		n += k
	}
	return n, nil
}

// splitByStatus writes the page query of a filter on several statuses, or
// on none but with a district, street, community, department or source, as
// one index range per status merged by report time: every list index
// starts with (dimension, status, reported_at, id), and a range of several
// statuses cannot be read in report order, so the database would sort
// every matching case (tens or hundreds of thousands at a million) to keep
// 50. Each branch reads at most need index entries. ok is false for the
// filters one range answers (a single status, lights, grids, queues sorted
// by deadline). lateral (PostgreSQL) writes the ranges as one LATERAL
// subquery over the statuses instead (see splitLateral).
func splitByStatus(f casework.Filter, need int, lateral bool) (q string, args []any, ok bool, err error) {
	if f.SortByDue || f.Light != "" || len(f.Statuses) == 1 || f.ExternalRef != "" || f.ReporterID != "" || len(f.ReporterIDs) > 0 || len(f.Is) > 0 {
		return "", nil, false, nil
	}
	if f.Region != "" && f.RegionLevel == org.LevelGrid {
		return "", nil, false, nil
	}
	statuses := f.Statuses
	if len(statuses) == 0 {
		dim := f.Department != "" || f.Source != "" ||
			(f.Region != "" && f.RegionLevel != org.LevelCity)
		if !dim {
			return "", nil, false, nil
		}
		// Every status a case can hold: a status missing from
		// casework.Statuses would drop its cases from these lists.
		statuses = casework.Statuses
	}
	if lateral {
		return splitLateral(f, statuses, need)
	}
	var parts []string
	w := &where{}
	for i, st := range statuses {
		fs := f
		fs.Statuses = []casework.Status{st}
		mark := len(w.conds)
		if _, err := caseFilterInto(w, fs); err != nil {
			return "", nil, false, err
		}
		conds := w.conds[mark:]
		w.args = append(w.args, int64(need))
		parts = append(parts, fmt.Sprintf("SELECT id, reported_at FROM (SELECT id, reported_at FROM cases WHERE %s ORDER BY reported_at DESC, id DESC LIMIT $%d) AS s%d",
			strings.Join(conds, " AND "), len(w.args), i))
	}
	return strings.Join(parts, " UNION ALL "), w.args, true, nil
}

// splitLateral is splitByStatus's query on PostgreSQL: one subquery on the
// filter's (dimension, status, reported_at, id) index, run once per status
// of a VALUES list. As a UNION ALL of one branch per status, the planner
// judged each branch alone and, for the open statuses (a few per cent of
// the cases), chose the (status, reported_at, id) index and filtered the
// district or street on table rows: at a million cases a street's branch
// read thousands of rows to find 50 (EXPLAIN ANALYZE; 21-25 ms per list).
// It also planned fourteen branches on every request. The LATERAL
// subquery is planned once, with the dimension and the status as its
// index's key, and reads at most need entries per status.
func splitLateral(f casework.Filter, statuses []casework.Status, need int) (string, []any, bool, error) {
	fs := f
	fs.Statuses = nil
	w, err := caseFilter(fs)
	if err != nil {
		return "", nil, false, err
	}
	vals := make([]string, len(statuses))
	for i, st := range statuses {
		w.args = append(w.args, string(st))
		vals[i] = fmt.Sprintf("($%d::text)", len(w.args))
	}
	conds := append(slices.Clone(w.conds), "status = v.st")
	w.args = append(w.args, int64(need))
	q := fmt.Sprintf("SELECT s.id, s.reported_at FROM (VALUES %s) AS v (st) CROSS JOIN LATERAL (SELECT id, reported_at FROM cases WHERE %s ORDER BY reported_at DESC, id DESC LIMIT $%d) AS s",
		strings.Join(vals, ", "), strings.Join(conds, " AND "), len(w.args))
	return q, w.args, true, nil
}

// openCases is the FROM of a query that only cases with a stage deadline
// can match (a light, the deadline part of a queue): on SQLite it names the
// partial covering index to read (migration 00013), because without
// statistics SQLite prefers any equality on a status or department index
// and then reads thousands of rows to sort or filter them. PostgreSQL's
// planner has statistics and chooses for itself.
func (db *DB) openCases(index string) string {
	if db.dialect == DialectSQLite {
		return "cases INDEXED BY " + index
	}
	return "cases"
}

// pageByDue is a queue's page: the cases with a stage deadline, most urgent
// first (read in order from cases_open_due, stopping at the page), then,
// when the page is not full, those without one by id, as the sort
// "deadline, nulls last, id" orders them.
func (db *DB) pageByDue(ctx context.Context, w *where, limit, offset int, walk bool) ([]*casework.Case, error) {
	withDue := append(slices.Clone(w.conds), "stage_due_at IS NOT NULL")
	args := append(slices.Clone(w.args), int64(limit), int64(offset))
	from := "cases"
	if walk {
		from = db.openCases("cases_open_due")
	}
	q := fmt.Sprintf("SELECT id FROM %s WHERE %s ORDER BY stage_due_at, id LIMIT $%d OFFSET $%d",
		from, strings.Join(withDue, " AND "), len(args)-1, len(args))
	ids, err := db.queryIDs(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("queue page: %w", err)
	}
	if len(ids) < limit {
		before := int64(offset + len(ids)) // cases with a deadline before the rest
		if len(ids) == 0 && offset > 0 {
			cq := fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE %s", from, strings.Join(withDue, " AND "))
			if err := db.queryRow(ctx, cq, w.args...).Scan(&before); err != nil {
				return nil, fmt.Errorf("queue page: %w", db.norm(err))
			}
		}
		noDue := append(slices.Clone(w.conds), "stage_due_at IS NULL")
		args := append(slices.Clone(w.args), int64(limit-len(ids)), max(0, int64(offset)-before))
		q := fmt.Sprintf("SELECT id FROM cases WHERE %s ORDER BY id LIMIT $%d OFFSET $%d",
			strings.Join(noDue, " AND "), len(args)-1, len(args))
		more, err := db.queryIDs(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("queue page: %w", err)
		}
		ids = append(ids, more...)
	}
	return db.casesInOrder(ctx, ids)
}

func (db *DB) queryIDs(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, db.norm(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, db.norm(err)
		}
		ids = append(ids, id)
	}
	return ids, db.norm(rows.Err())
}

// casesInOrder reads the cases of ids, in the order of ids.
func (db *DB) casesInOrder(ctx context.Context, ids []string) ([]*casework.Case, error) {
	if len(ids) == 0 {
		return []*casework.Case{}, nil
	}
	w := &where{}
	w.in("id", ids)
	list, err := db.queryCases(ctx, caseSelect+w.String(), w.args...)
	if err != nil {
		return nil, err
	}
	at := make(map[string]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	slices.SortFunc(list, func(a, b *casework.Case) int { return at[a.ID] - at[b.ID] })
	return list, nil
}

// shortQueue is the size up to which a queue's page is read from the
// filter's own index and sorted rather than by walking the deadline index.
const shortQueue = 1000

// narrowRegion reports a filter inside a street, community or grid (its
// region or its caller's only jurisdiction): its own index holds a few
// hundred open cases, fewer than a walk of every case with a deadline reads.
func narrowRegion(f casework.Filter) bool {
	small := func(l org.Level) bool {
		return l == org.LevelStreet || l == org.LevelCommunity || l == org.LevelGrid
	}
	if f.Region != "" && small(f.RegionLevel) {
		return true
	}
	sc := f.Scope
	return sc != nil && !sc.All && len(sc.Departments) == 0 && len(sc.Regions) == 1 && small(sc.Regions[0].Level)
}
