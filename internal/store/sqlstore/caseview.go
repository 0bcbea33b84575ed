package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/store/sqlkit"
)

// The reads below serve the parts that sit beside the case tables on the
// same database (the Open311 views of package open311; hubstore's outbox
// feeder and its hotline retention), which must not query the case tables
// themselves: cases and case_events are sqlstore's. They read a case's head
// only (headCols), never its contact details or clocks, so they decrypt
// nothing and decode little.

// headCols are the columns of a case's head, in scanHead's order: what
// identifies, routes and dates a case.
const headCols = "c.id, c.code, c.status, c.source, c.category, c.description, c.address, c.lng, c.lat, c.grid, c.street, c.district, " +
	"c.department, c.suggested_department, c.external_ref, c.reported_at, c.updated_at, c.case_due_at"

// scanHead reads headCols into a case; the other fields stay zero.
func scanHead(s scanner, dest ...any) (*casework.Case, error) {
	var (
		c                 casework.Case
		category          string
		reported, updated int64
		due               sql.Null[int64]
	)
	err := s.Scan(append([]any{&c.ID, &c.Code, &c.Status, &c.Source, &category, &c.Description, &c.Address, &c.Point.Lng, &c.Point.Lat,
		&c.Grid, &c.Street, &c.District, &c.Department, &c.Suggested, &c.ExternalRef, &reported, &updated, &due}, dest...)...)
	if err != nil {
		return nil, err
	}
	if category != "" {
		ref, err := catalog.ParseRef(category)
		if err != nil {
			return nil, fmt.Errorf("case %s: stored category %q: %w", c.ID, category, err)
		}
		c.Category = &ref
	}
	c.ReportedAt, c.UpdatedAt, c.CaseDue = sqlkit.Time(reported), sqlkit.Time(updated), sqlkit.NullTime(due)
	return &c, nil
}

// EventIDsAfter lists timeline event ids greater than after, in order, up
// to limit. It reads only the primary key index of case_events.
func (db *DB) EventIDsAfter(ctx context.Context, after string, limit int) ([]string, error) {
	rows, err := db.query(ctx, `SELECT id FROM case_events WHERE id > $1 ORDER BY id LIMIT $2`, after, int64(limit))
	if err != nil {
		return nil, fmt.Errorf("read timeline ids: %w", db.norm(err))
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read timeline ids: %w", db.norm(err))
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read timeline ids: %w", db.norm(err))
	}
	return out, nil
}

// FindEventsWithCases returns the events with these ids, in id order, and
// the heads of their cases by case id (see headCols). Unknown ids are left
// out.
func (db *DB) FindEventsWithCases(ctx context.Context, ids []string) ([]casework.Event, map[string]*casework.Case, error) {
	if len(ids) == 0 {
		return nil, map[string]*casework.Case{}, nil
	}
	// IN over the list: SQLite probes the primary key for each id, in id
	// order, so the rows need no sort.
	return db.eventsWithCases(ctx, "read timeline", "WHERE e.id IN (SELECT j.value FROM "+
		sqlkit.JSONList(db.dialect == DialectPostgres, "$1", "j")+") ORDER BY e.id", sqlkit.Strings(ids))
}

// FindEventsBetween returns up to limit events of [from, to), oldest id
// first, and the heads of their cases by case id. Event ids are UUIDv7
// whose time prefix is when the event was stored, so the window is first
// cut on the primary key (a minute wider on each side; no index on
// case_events.at is needed), then on the event time itself.
func (db *DB) FindEventsBetween(ctx context.Context, from, to time.Time, limit int) ([]casework.Event, map[string]*casework.Case, error) {
	return db.eventsWithCases(ctx, "find updates", `WHERE e.id >= $1 AND e.id < $2 AND e.at >= $3 AND e.at < $4 ORDER BY e.id LIMIT $5`,
		uuidv7Floor(from.Add(-time.Minute)), uuidv7Floor(to.Add(time.Minute)), sqlkit.Micros(from), sqlkit.Micros(to), int64(limit))
}

// eventsWithCases reads events joined with their cases; rest (WHERE,
// ORDER BY, LIMIT) follows the join.
func (db *DB) eventsWithCases(ctx context.Context, what, rest string, args ...any) ([]casework.Event, map[string]*casework.Case, error) {
	rows, err := db.query(ctx, `SELECT `+headCols+`, e.`+strings.Join(eventCols, ", e.")+`
FROM case_events e JOIN cases c ON c.id = e.case_id `+rest, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", what, db.norm(err))
	}
	defer rows.Close()
	events := []casework.Event{}
	cases := map[string]*casework.Case{}
	for rows.Next() {
		var ev eventScan
		c, err := scanHead(rows, ev.dest()...)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", what, db.norm(err))
		}
		e, err := ev.event()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", what, err)
		}
		events = append(events, e)
		if _, ok := cases[c.ID]; !ok {
			cases[c.ID] = c
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", what, db.norm(err))
	}
	return events, cases, nil
}

// FindCaseHeads returns the heads of the cases whose number or id is in
// codes, newest report first, at most limit.
func (db *DB) FindCaseHeads(ctx context.Context, codes []string, limit int) ([]*casework.Case, error) {
	if len(codes) == 0 {
		return []*casework.Case{}, nil
	}
	args := make([]any, 0, len(codes)+1)
	for _, c := range codes {
		args = append(args, c)
	}
	in := sqlkit.List(len(codes), 1)
	args = append(args, int64(limit))
	return db.caseHeads(ctx, `(c.code IN (`+in+`) OR c.id IN (`+in+`))`, fmt.Sprintf("$%d", len(args)), args)
}

// FindCaseHeadsReported returns the heads of the cases reported in [from,
// to), newest report first, at most limit: of these categories (dictionary
// refs) when any are given, and only open or only ended cases when open is
// set. The window uses the (reported_at, id) index.
func (db *DB) FindCaseHeadsReported(ctx context.Context, from, to time.Time, categories []string, open *bool, limit int) ([]*casework.Case, error) {
	args := []any{sqlkit.Micros(from), sqlkit.Micros(to)}
	conds := []string{"c.reported_at >= $1", "c.reported_at < $2"}
	if len(categories) > 0 {
		conds = append(conds, "c.category IN ("+sqlkit.List(len(categories), len(args)+1)+")")
		for _, c := range categories {
			args = append(args, c)
		}
	}
	if open != nil {
		if *open {
			conds = append(conds, "c.is_open")
		} else {
			conds = append(conds, "NOT c.is_open")
		}
	}
	args = append(args, int64(limit))
	return db.caseHeads(ctx, strings.Join(conds, " AND "), fmt.Sprintf("$%d", len(args)), args)
}

func (db *DB) caseHeads(ctx context.Context, where, limitMark string, args []any) ([]*casework.Case, error) {
	rows, err := db.query(ctx, `SELECT `+headCols+` FROM cases c WHERE `+where+` ORDER BY c.reported_at DESC, c.id DESC LIMIT `+limitMark, args...)
	if err != nil {
		return nil, fmt.Errorf("find case heads: %w", db.norm(err))
	}
	defer rows.Close()
	out := make([]*casework.Case, 0, 64)
	for rows.Next() {
		c, err := scanHead(rows)
		if err != nil {
			return nil, fmt.Errorf("find case heads: %w", db.norm(err))
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find case heads: %w", db.norm(err))
	}
	return out, nil
}

// ReportPhotos returns the photos of each case's report event (the
// reporter's; verification photos are appended to the case's own list
// later), by case id. Cases whose report has no photo are left out.
func (db *DB) ReportPhotos(ctx context.Context, caseIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(caseIDs) == 0 {
		return out, nil
	}
	// One pass over the list, probing the (case_id, seq) index; the first
	// report event of a case counts.
	rows, err := db.query(ctx, `SELECT e.case_id, e.seq, e.photos FROM `+sqlkit.JSONList(db.dialect == DialectPostgres, "$1", "j")+`
JOIN case_events e ON e.case_id = j.value WHERE e.action = 'report'`, sqlkit.Strings(caseIDs))
	if err != nil {
		return nil, fmt.Errorf("read report photos: %w", db.norm(err))
	}
	defer rows.Close()
	first := map[string]int64{}
	for rows.Next() {
		var id, photos string
		var seq int64
		if err := rows.Scan(&id, &seq, &photos); err != nil {
			return nil, fmt.Errorf("read report photos: %w", db.norm(err))
		}
		if s, ok := first[id]; ok && s <= seq {
			continue
		}
		first[id] = seq
		var list []string
		if photos != "null" && photos != "[]" && json.Unmarshal([]byte(photos), &list) == nil && list != nil {
			out[id] = list
		} else {
			delete(out, id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read report photos: %w", db.norm(err))
	}
	return out, nil
}

// CaseCode returns the number of the case with id, or NotFound.
func (db *DB) CaseCode(ctx context.Context, id string) (string, error) {
	var code string
	if err := db.queryRow(ctx, `SELECT code FROM cases WHERE id = $1`, id).Scan(&code); err != nil {
		return "", fmt.Errorf("find case %s: %w", id, db.norm(err))
	}
	return code, nil
}

// EndedBefore returns those of ids whose case has left the loop (not open)
// and was last changed before cutoff: the rule [DB.PurgeContacts] applies
// to reporters, for stores that erase personal data along with them.
func (db *DB) EndedBefore(ctx context.Context, ids []string, cutoff time.Time) ([]string, error) {
	var out []string
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.query(ctx, `SELECT c.id FROM `+sqlkit.JSONList(db.dialect == DialectPostgres, "$2", "j")+`
JOIN cases c ON c.id = j.value WHERE NOT c.is_open AND c.updated_at < $1`, sqlkit.Micros(cutoff), sqlkit.Strings(ids))
	if err != nil {
		return nil, fmt.Errorf("find ended cases: %w", db.norm(err))
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("find ended cases: %w", db.norm(err))
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find ended cases: %w", db.norm(err))
	}
	return out, nil
}

// uuidv7Floor is the smallest UUIDv7 string of the millisecond of t, the
// form of the event ids this store makes.
func uuidv7Floor(t time.Time) string {
	ms := uint64(t.UnixMilli())
	var b [6]byte
	for i := range b {
		b[i] = byte(ms >> (40 - 8*i))
	}
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-0000-0000-000000000000"
}
