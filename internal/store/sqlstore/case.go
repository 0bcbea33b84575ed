package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/org"
	"cityloop/internal/rollup"
	"cityloop/internal/store/sqlkit"
	"cityloop/internal/worktime"
)

var _ casework.Store = (*DB)(nil)

// caseCols is the column order of every case statement; caseArgs and
// scanCase follow it.
var caseCols = []string{
	"id", "code", "status", "is_open", "source", "category", "filing_condition", "urgency",
	"description", "address", "lng", "lat", "grid", "community", "street", "district",
	"department", "suggested_department", "reporter_id", "reporter_name", "reporter_phone",
	"external_ref", "photos", "after_photos", "merged_into", "recurrence_of", "self_handled",
	"rework_count", "return_count", "shirk_count", "extension_count", "urge_count",
	"pending_request", "stage", "stage_clock", "case_clock", "stage_due_at", "stage_warn_at",
	"case_due_at", "overdue", "closed_late", "disposed_late", "closure_kind", "satisfaction", "reported_at",
	"filed_at", "dispatched_at", "disposed_at", "closed_at", "updated_at", "version",
	"stages_seen", "stages_done", "stages_late",
	"reporter_phone_blind", // last: written with the sealed phone, never read back
}

var eventCols = []string{
	"id", "case_id", "seq", "action", "from_status", "to_status", "actor_id", "actor_name",
	"post", "at", "note", "photos", "lng", "lat", "data",
}

var (
	caseSelect = "SELECT " + strings.Join(caseCols, ", ") + " FROM cases"

	// updateCaseSQL sets every column but id and code: $1 is the id, $2 the
	// version the caller read, $3… the new values in caseCols order.
	updateCaseSQL = func() string {
		var set []string
		for i, c := range caseCols[2:] {
			set = append(set, fmt.Sprintf("%s = $%d", c, i+3))
		}
		return "UPDATE cases SET " + strings.Join(set, ", ") + " WHERE id = $1 AND version = $2"
	}()

	maxSeqSQL = `SELECT COALESCE(MAX(seq), 0) FROM case_events WHERE case_id = $1`

	// Case-number counters; see codeBook.
	ensureCounterSQL = `INSERT INTO counters (name, value) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING`
	saveCounterSQL   = `UPDATE counters SET value = $2 WHERE name = $1`
)

// caseCode formats a case number: the year of the report, then a 7-digit
// sequence within that year, e.g. "20260000123".
func caseCode(year int, n int64) string { return fmt.Sprintf("%04d%07d", year, n) }

func codeCounter(year int) string { return fmt.Sprintf("case:%04d", year) }

// caseArgs encodes c in caseCols order.
func (db *DB) caseArgs(c *casework.Case, code string, version int) ([]any, error) {
	js := func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	}
	nullJS := func(v any, isNil bool) (any, error) {
		if isNil {
			return nil, nil
		}
		return js(v)
	}
	photos, err := js(c.Photos)
	if err != nil {
		return nil, fmt.Errorf("encode photos: %w", err)
	}
	after, err := js(c.AfterPhotos)
	if err != nil {
		return nil, fmt.Errorf("encode after photos: %w", err)
	}
	pending, err := nullJS(c.Pending, c.Pending == nil)
	if err != nil {
		return nil, fmt.Errorf("encode pending request: %w", err)
	}
	stageClock, err := nullJS(c.StageClock, c.StageClock == nil)
	if err != nil {
		return nil, fmt.Errorf("encode stage clock: %w", err)
	}
	caseClock, err := nullJS(c.CaseClock, c.CaseClock == nil)
	if err != nil {
		return nil, fmt.Errorf("encode case clock: %w", err)
	}
	category := ""
	if c.Category != nil {
		category = c.Category.String()
	}
	reporter, phone, err := db.sealContact(c)
	if err != nil {
		return nil, err
	}
	return []any{
		c.ID, code, string(c.Status), !c.Status.Terminal(), string(c.Source), category, int64(c.Condition), string(c.Urgency),
		c.Description, c.Address, c.Point.Lng, c.Point.Lat, c.Grid, c.Community, c.Street, c.District,
		c.Department, c.Suggested, c.ReporterID, reporter, phone,
		c.ExternalRef, photos, after, c.MergedInto, c.Recurrence, c.SelfHandled,
		int64(c.Reworks), int64(c.Returns), int64(c.Shirks), int64(c.Extensions), int64(c.Urges),
		pending, c.Stage, stageClock, caseClock, sqlkit.MicrosOrNull(c.StageDue), sqlkit.MicrosOrNull(c.StageWarn),
		sqlkit.MicrosOrNull(c.CaseDue), c.Overdue, c.ClosedLate, c.DisposedLate, c.ClosureKind, c.Satisfaction, sqlkit.Micros(c.ReportedAt),
		sqlkit.MicrosOrNull(c.FiledAt), sqlkit.MicrosOrNull(c.DispatchedAt), sqlkit.MicrosOrNull(c.DisposedAt), sqlkit.MicrosOrNull(c.ClosedAt), sqlkit.Micros(c.UpdatedAt), int64(version),
		int64(c.StagesSeen), int64(c.StagesDone), int64(c.StagesLate),
		db.blindPhone(c.Phone),
	}, nil
}

type scanner interface{ Scan(dest ...any) error }

func (db *DB) scanCase(s scanner) (*casework.Case, error) {
	var (
		c                                                 casework.Case
		isOpen                                            bool
		category, photos, after                           string
		pending, stageClock, caseClock                    sql.Null[string]
		stageDue, stageWarn, caseDue                      sql.Null[int64]
		filed, dispatched, disposed, closed               sql.Null[int64]
		reported, updated                                 int64
		cond, reworks, returns, shirks, extensions, urges int64
		version                                           int64
		seen, done, late                                  int64
		blind                                             string
	)
	err := s.Scan(
		&c.ID, &c.Code, &c.Status, &isOpen, &c.Source, &category, &cond, &c.Urgency,
		&c.Description, &c.Address, &c.Point.Lng, &c.Point.Lat, &c.Grid, &c.Community, &c.Street, &c.District,
		&c.Department, &c.Suggested, &c.ReporterID, &c.Reporter, &c.Phone,
		&c.ExternalRef, &photos, &after, &c.MergedInto, &c.Recurrence, &c.SelfHandled,
		&reworks, &returns, &shirks, &extensions, &urges,
		&pending, &c.Stage, &stageClock, &caseClock, &stageDue, &stageWarn,
		&caseDue, &c.Overdue, &c.ClosedLate, &c.DisposedLate, &c.ClosureKind, &c.Satisfaction, &reported,
		&filed, &dispatched, &disposed, &closed, &updated, &version,
		&seen, &done, &late,
		&blind,
	)
	if err != nil {
		return nil, err
	}
	db.openContact(&c)
	c.Condition, c.Reworks, c.Returns, c.Shirks = int(cond), int(reworks), int(returns), int(shirks)
	c.Extensions, c.Urges, c.Version = int(extensions), int(urges), int(version)
	c.StagesSeen, c.StagesDone, c.StagesLate = int(seen), int(done), int(late)
	if category != "" {
		ref, err := catalog.ParseRef(category)
		if err != nil {
			return nil, fmt.Errorf("case %s: stored category %q: %w", c.ID, category, err)
		}
		c.Category = &ref
	}
	if err := json.Unmarshal([]byte(photos), &c.Photos); err != nil {
		return nil, fmt.Errorf("case %s: decode photos: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(after), &c.AfterPhotos); err != nil {
		return nil, fmt.Errorf("case %s: decode after photos: %w", c.ID, err)
	}
	if pending.Valid {
		c.Pending = new(casework.Request)
		if err := json.Unmarshal([]byte(pending.V), c.Pending); err != nil {
			return nil, fmt.Errorf("case %s: decode pending request: %w", c.ID, err)
		}
	}
	if stageClock.Valid {
		c.StageClock = new(worktime.Clock)
		if err := json.Unmarshal([]byte(stageClock.V), c.StageClock); err != nil {
			return nil, fmt.Errorf("case %s: decode stage clock: %w", c.ID, err)
		}
	}
	if caseClock.Valid {
		c.CaseClock = new(worktime.Clock)
		if err := json.Unmarshal([]byte(caseClock.V), c.CaseClock); err != nil {
			return nil, fmt.Errorf("case %s: decode case clock: %w", c.ID, err)
		}
	}
	c.StageDue, c.StageWarn, c.CaseDue = sqlkit.NullTime(stageDue), sqlkit.NullTime(stageWarn), sqlkit.NullTime(caseDue)
	c.FiledAt, c.DispatchedAt = sqlkit.NullTime(filed), sqlkit.NullTime(dispatched)
	c.DisposedAt, c.ClosedAt = sqlkit.NullTime(disposed), sqlkit.NullTime(closed)
	c.ReportedAt, c.UpdatedAt = sqlkit.Time(reported), sqlkit.Time(updated)
	return &c, nil
}

// prepareEvents gives each event its case, sequence number (from first) and
// an ID when it has none, and encodes it in eventCols order.
func prepareEvents(caseID string, events []casework.Event, first int) ([][]any, error) {
	rows := make([][]any, len(events))
	for i := range events {
		e := &events[i]
		if e.ID == "" {
			id, err := uuid.NewV7()
			if err != nil {
				return nil, fmt.Errorf("make event id: %w", err)
			}
			e.ID = id.String()
		}
		e.CaseID = caseID
		e.Seq = first + i
		row, err := eventArgs(e)
		if err != nil {
			return nil, err
		}
		rows[i] = row
	}
	return rows, nil
}

func eventArgs(e *casework.Event) ([]any, error) {
	photos, err := json.Marshal(e.Photos)
	if err != nil {
		return nil, fmt.Errorf("encode event photos: %w", err)
	}
	data, err := json.Marshal(e.Data)
	if err != nil {
		return nil, fmt.Errorf("encode event %s data: %w", e.Action, err)
	}
	var lng, lat any
	if e.Point != nil {
		lng, lat = e.Point.Lng, e.Point.Lat
	}
	return []any{
		e.ID, e.CaseID, int64(e.Seq), string(e.Action), string(e.From), string(e.To), e.Actor, e.Name,
		string(e.Post), sqlkit.Micros(e.At), e.Note, string(photos), lng, lat, string(data),
	}, nil
}

func scanEvent(s scanner) (casework.Event, error) {
	var es eventScan
	if err := s.Scan(es.dest()...); err != nil {
		return es.e, err
	}
	return es.event()
}

// eventScan holds one event's columns (eventCols) while they are scanned,
// alone (scanEvent) or in a row with other columns (caseview.go).
type eventScan struct {
	e              casework.Event
	seq, at        int64
	photos, data   string
	lng, lat       sql.Null[float64]
	from, to, post string
}

func (es *eventScan) dest() []any {
	e := &es.e
	return []any{&e.ID, &e.CaseID, &es.seq, &e.Action, &es.from, &es.to, &e.Actor, &e.Name,
		&es.post, &es.at, &e.Note, &es.photos, &es.lng, &es.lat, &es.data}
}

func (es *eventScan) event() (casework.Event, error) {
	e := es.e
	e.Seq, e.At = int(es.seq), sqlkit.Time(es.at)
	e.From, e.To, e.Post = casework.Status(es.from), casework.Status(es.to), org.Post(es.post)
	if es.lng.Valid && es.lat.Valid {
		e.Point = &geo.Point{Lng: es.lng.V, Lat: es.lat.V}
	}
	if err := json.Unmarshal([]byte(es.photos), &e.Photos); err != nil {
		return e, fmt.Errorf("event %s: decode photos: %w", e.ID, err)
	}
	if err := json.Unmarshal([]byte(es.data), &e.Data); err != nil {
		return e, fmt.Errorf("event %s: decode data: %w", e.ID, err)
	}
	return e, nil
}

// CreateCase stores a new case with its first events. It gives the case its
// Code (from the counter of c.ReportedAt's year, in the same transaction) and
// Version 1, and the events their Seq 1…n, CaseID and, when empty, an ID.
//
// Concurrent calls are group-committed (see intake.go): a single writer
// goroutine writes whatever is queued in one transaction and answers every
// caller only after COMMIT. So a nil error means the case is durable, and a
// failing case fails alone. If ctx ends while the case is queued or being
// written, CreateCase returns ctx's error, and the case may or may not have
// been stored.
func (db *DB) CreateCase(ctx context.Context, c *casework.Case, events []casework.Event) error {
	if c.ID == "" {
		return errs.Invalid("the case has no id")
	}
	if c.ReportedAt.IsZero() {
		return errs.Invalid("case %s has no report time", c.ID)
	}
	row, err := db.caseArgs(c, "", 1)
	if err != nil {
		return fmt.Errorf("create case %s: %w", c.ID, err)
	}
	evs, err := prepareEvents(c.ID, events, 1)
	if err != nil {
		return fmt.Errorf("create case %s: %w", c.ID, err)
	}
	code, err := db.intake.submit(ctx, &intakeReq{ctx: ctx, year: c.ReportedAt.Year(), row: row, events: evs, rollup: rollup.Delta(nil, c)})
	if err != nil {
		return fmt.Errorf("create case %s: %w", c.ID, err)
	}
	c.Code, c.Version = code, 1
	return nil
}

// insertCase writes one case with the given code and its events in tx. It
// is the body of a group-commit item.
func (db *DB) insertCase(ctx context.Context, tx *sql.Tx, code string, row []any, events [][]any) error {
	row[1] = code
	if _, err := db.txExec(ctx, tx, db.insertCaseSQL, row...); err != nil {
		return fmt.Errorf("insert case: %w", db.norm(err))
	}
	for _, ev := range events {
		if _, err := db.txExec(ctx, tx, db.insertEventSQL, ev...); err != nil {
			return fmt.Errorf("insert event %v: %w", ev[0], db.norm(err))
		}
	}
	return nil
}

// codeBook hands out case numbers inside one write transaction. It reads
// each year's counter once, before any savepoint (on PostgreSQL it locks the
// row, so other nodes wait for this transaction), numbers only the cases
// that are stored, and writes the counters back before COMMIT. A case rolled
// back to its savepoint uses no number, and a failed transaction returns
// all of them, so codes have no gaps.
type codeBook struct {
	base map[int]int64 // counter value read, by year
	last map[int]int64 // last number given out, by year
}

// openCodes reads (creating if needed) the counters of years.
func (db *DB) openCodes(ctx context.Context, tx *sql.Tx, years []int) (*codeBook, error) {
	b := &codeBook{base: map[int]int64{}, last: map[int]int64{}}
	years = slices.Clone(years)
	slices.Sort(years) // lock rows in one order: no deadlocks between nodes
	for _, y := range slices.Compact(years) {
		if _, err := db.txExec(ctx, tx, ensureCounterSQL, codeCounter(y)); err != nil {
			return nil, fmt.Errorf("create counter %s: %w", codeCounter(y), db.norm(err))
		}
		var v int64
		if err := db.txQueryRow(ctx, tx, db.readCounterSQL, codeCounter(y)).Scan(&v); err != nil {
			return nil, fmt.Errorf("read counter %s: %w", codeCounter(y), db.norm(err))
		}
		b.base[y], b.last[y] = v, v
	}
	return b, nil
}

// peek is the code the next stored case of year gets; take confirms it.
func (b *codeBook) peek(year int) (string, int64) {
	n := b.last[year] + 1
	return caseCode(year, n), n
}

func (b *codeBook) take(year int, n int64) { b.last[year] = n }

// save writes the counters that moved.
func (b *codeBook) save(ctx context.Context, db *DB, tx *sql.Tx) error {
	for y, last := range b.last {
		if last == b.base[y] {
			continue
		}
		if _, err := db.txExec(ctx, tx, saveCounterSQL, codeCounter(y), last); err != nil {
			return fmt.Errorf("save counter %s: %w", codeCounter(y), db.norm(err))
		}
	}
	return nil
}

// UpdateCase stores c over the version prevVersion the caller read and
// appends events after the case's last one, in one transaction. When the
// stored version is no longer prevVersion it writes nothing and returns a
// Conflict. On success c.Version is prevVersion+1.
func (db *DB) UpdateCase(ctx context.Context, c *casework.Case, prevVersion int, events []casework.Event) error {
	row, err := db.caseArgs(c, c.Code, prevVersion+1)
	if err != nil {
		return fmt.Errorf("update case %s: %w", c.ID, err)
	}
	args := append([]any{c.ID, int64(prevVersion)}, row[2:]...)
	err = db.writeTx(ctx, func(tx *sql.Tx) error {
		// The stored case's facts, to move its rollup contribution. Read
		// before the UPDATE, at the version the caller read: if someone
		// moved the case since, the UPDATE below would fail anyway.
		old, stored, err := db.storedFacts(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		if stored != prevVersion {
			return db.whyNotUpdated(ctx, tx, c)
		}
		res, err := db.txExec(ctx, tx, updateCaseSQL, args...)
		if err != nil {
			return db.norm(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return db.whyNotUpdated(ctx, tx, c)
		}
		var last int64
		if err := db.txQueryRow(ctx, tx, maxSeqSQL, c.ID).Scan(&last); err != nil {
			return db.norm(err)
		}
		evs, err := prepareEvents(c.ID, events, int(last)+1)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			if _, err := db.txExec(ctx, tx, db.insertEventSQL, ev...); err != nil {
				return fmt.Errorf("insert event %v: %w", ev[0], db.norm(err))
			}
		}
		return db.writeRollups(ctx, tx, rollup.Delta(old, c))
	})
	if err != nil {
		return fmt.Errorf("update case %s: %w", c.ID, err)
	}
	c.Version = prevVersion + 1
	return nil
}

// whyNotUpdated tells a missing case from a lost update.
func (db *DB) whyNotUpdated(ctx context.Context, tx *sql.Tx, c *casework.Case) error {
	var v int64
	err := tx.QueryRowContext(ctx, `SELECT version FROM cases WHERE id = $1`, c.ID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.NotFound("case %s does not exist", c.ID)
	}
	if err != nil {
		return db.norm(err)
	}
	name := c.Code
	if name == "" {
		name = c.ID
	}
	return errs.Conflict("case %s was changed by someone else; reload and try again", name).With("version", v)
}

// FindCaseByID returns one case, or NotFound.
func (db *DB) FindCaseByID(ctx context.Context, id string) (*casework.Case, error) {
	c, err := db.scanCase(db.queryRow(ctx, caseSelect+" WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFound("case %s does not exist", id)
	}
	if err != nil {
		return nil, fmt.Errorf("find case %s: %w", id, db.norm(err))
	}
	return c, nil
}

// FindCaseByCode returns the case with a human case number, or NotFound.
func (db *DB) FindCaseByCode(ctx context.Context, code string) (*casework.Case, error) {
	c, err := db.scanCase(db.queryRow(ctx, caseSelect+" WHERE code = $1", code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFound("case %s does not exist", code)
	}
	if err != nil {
		return nil, fmt.Errorf("find case %s: %w", code, db.norm(err))
	}
	return c, nil
}

// Default and largest page sizes of FindCases.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// regionColumn is the case column that holds a region of level l, or "" for
// the city (every case).
func regionColumn(l org.Level) (string, bool) {
	switch l {
	case org.LevelCity:
		return "", true
	case org.LevelDistrict:
		return "district", true
	case org.LevelStreet:
		return "street", true
	case org.LevelCommunity:
		return "community", true
	case org.LevelGrid:
		return "grid", true
	}
	return "", false
}

// where accumulates AND-ed conditions; each "?" in a condition becomes the
// next $N.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	var b strings.Builder
	k := 0
	for i := 0; i < len(cond); i++ {
		if cond[i] == '?' {
			w.args = append(w.args, args[k])
			k++
			fmt.Fprintf(&b, "$%d", len(w.args))
			continue
		}
		b.WriteByte(cond[i])
	}
	w.conds = append(w.conds, b.String())
}

// in adds "col IN (…)" for vals.
func (w *where) in(col string, vals []string) {
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	w.add(col+" IN ("+marks+")", args...)
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// caseFilter turns a Filter into conditions.
func caseFilter(f casework.Filter) (*where, error) {
	return caseFilterInto(&where{}, f)
}

// caseFilterInto adds f's conditions to w, numbering parameters after w's.
func caseFilterInto(w *where, f casework.Filter) (*where, error) {
	if len(f.Statuses) > 0 {
		s := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			s[i] = string(st)
		}
		if len(s) == 1 {
			w.add("status = ?", s[0])
		} else {
			w.in("status", s)
		}
	}
	if f.Category != nil {
		w.add("category = ?", f.Category.String())
	}
	if f.Region != "" {
		col, ok := regionColumn(f.RegionLevel)
		if !ok {
			return nil, errs.Invalid("region %s: unknown region level %d", f.Region, int(f.RegionLevel)).WithField("region_level", "must be city, district, street, community or grid")
		}
		if col != "" {
			w.add(col+" = ?", f.Region)
		}
	}
	if f.Source != "" {
		w.add("source = ?", string(f.Source))
	}
	if f.Department != "" {
		w.add("department = ?", f.Department)
	}
	if f.Overdue != nil {
		w.add("overdue = ?", *f.Overdue)
	}
	if f.From != nil {
		w.add("reported_at >= ?", sqlkit.Micros(*f.From))
	}
	if f.To != nil {
		w.add("reported_at < ?", sqlkit.Micros(*f.To))
	}
	if f.ExternalRef != "" {
		w.add("external_ref = ?", f.ExternalRef)
	}
	if f.ReporterID != "" {
		w.add("reporter_id = ?", f.ReporterID)
	}
	if len(f.ReporterIDs) > 0 {
		w.in("reporter_id", f.ReporterIDs)
	}
	if len(f.Is) > 0 {
		c, err := predicateSQL(f.Is)
		if err != nil {
			return nil, err
		}
		w.add(c)
	}
	if err := scopeFilter(w, f.Scope); err != nil {
		return nil, err
	}
	if f.Light != "" {
		if f.Now.IsZero() {
			return nil, errs.Invalid("a light filter needs the time to judge it at")
		}
		now := sqlkit.Micros(f.Now)
		switch f.Light {
		case worktime.Red:
			w.add("stage_due_at < ?", now)
		case worktime.Yellow:
			w.add("stage_warn_at <= ? AND stage_due_at >= ?", now, now)
		case worktime.Green:
			// A case without a deadline has no light (Case.Light), whatever
			// its warning time.
			w.add("stage_due_at IS NOT NULL AND stage_warn_at > ?", now)
		default:
			return nil, errs.Invalid("light %q is not green, yellow or red", f.Light).WithField("light", "must be green, yellow or red")
		}
	}
	return w, nil
}

// scopeFilter adds the caller's jurisdiction as one condition, so that
// every list, count and detail query through caseFilter is scoped the same
// way (issue: nobody sees what is not theirs).
func scopeFilter(w *where, sc *casework.Scope) error {
	if sc == nil || sc.All {
		return nil
	}
	var terms []string
	var args []any
	for _, r := range sc.Regions {
		col, ok := regionColumn(r.Level)
		if !ok || col == "" {
			return errs.Invalid("scope: region %s has an unknown level", r.Code)
		}
		if r.Department != "" {
			terms = append(terms, "("+col+" = ? AND department = ?)")
			args = append(args, r.Code, r.Department)
		} else {
			terms = append(terms, col+" = ?")
			args = append(args, r.Code)
		}
	}
	for _, d := range sc.Departments {
		terms = append(terms, "department = ?")
		args = append(args, d)
	}
	if len(terms) == 0 {
		w.add("1 = 0") // a scope that sees nothing
		return nil
	}
	w.add("("+strings.Join(terms, " OR ")+")", args...)
	return nil
}

// FindCaseByIDIn returns the case if it lies inside scope; a case outside
// it is NotFound, exactly like a case that does not exist, so a caller
// cannot learn what it may not see.
func (db *DB) FindCaseByIDIn(ctx context.Context, id string, sc *casework.Scope) (*casework.Case, error) {
	w := &where{}
	w.add("id = ?", id)
	if err := scopeFilter(w, sc); err != nil {
		return nil, err
	}
	list, err := db.queryCases(ctx, caseSelect+w.String(), w.args...)
	if err != nil {
		return nil, fmt.Errorf("find case %s: %w", id, err)
	}
	if len(list) == 0 {
		return nil, errs.NotFound("case %s does not exist", id)
	}
	return list[0], nil
}

// FindCases returns one page of the cases that match f, newest report first
// (ties by id, descending), and how many match in all. Limit defaults to
// DefaultLimit and is capped at MaxLimit.
func (db *DB) FindCases(ctx context.Context, f casework.Filter) ([]*casework.Case, int, error) {
	w, err := caseFilter(f)
	if err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	offset := max(f.Offset, 0)
	if strings.TrimSpace(f.Text) != "" {
		return db.findByText(ctx, f, limit, offset) // case_search.go
	}

	// The count and the page run at once, on two read connections: the
	// list costs the slower of the two rather than their sum. A queue
	// needs its total first: it decides how to read the page.
	var total int64
	countErr := make(chan error, 1)
	if f.SortByDue && f.Light == "" {
		total, err = db.countCases(ctx, f, w)
		countErr <- err
	} else {
		go func() {
			var err error
			total, err = db.countCases(ctx, f, w)
			countErr <- err
		}()
	}
	// Pick the page's ids from an index that ends in (reported_at, id),
	// without touching the table, then fetch just those rows.
	var list []*casework.Case
	order := "reported_at DESC, id DESC"
	if f.SortByDue {
		// A long queue walks the deadline index in order and stops at the
		// page; a short one (a few hundred cases) is read from its status
		// or region index and sorted.
		walk := f.Light == "" && total > shortQueue || f.Light != "" && !narrowRegion(f)
		list, err = db.pageByDue(ctx, w, limit, offset, walk)
	} else if sub, subArgs, ok, serr := splitByStatus(f, limit+offset, db.dialect == DialectPostgres); serr != nil {
		err = serr
	} else if ok {
		args := append(subArgs, int64(limit), int64(offset))
		q := fmt.Sprintf("%s WHERE id IN (SELECT id FROM (%s) AS page ORDER BY %s LIMIT $%d OFFSET $%d) ORDER BY %s",
			caseSelect, sub, order, len(args)-1, len(args), order)
		list, err = db.queryCases(ctx, q, args...)
	} else {
		args := append(slices.Clip(w.args), int64(limit), int64(offset))
		from := "cases"
		if f.Light != "" && !narrowRegion(f) {
			from = db.openCases("cases_open_reported")
		}
		q := fmt.Sprintf("%s WHERE id IN (SELECT id FROM %s%s ORDER BY %s LIMIT $%d OFFSET $%d) ORDER BY %s",
			caseSelect, from, w.String(), order, len(args)-1, len(args), order)
		list, err = db.queryCases(ctx, q, args...)
	}
	if cerr := <-countErr; cerr != nil {
		return nil, 0, fmt.Errorf("count cases: %w", db.norm(cerr))
	}
	if err != nil {
		return nil, 0, fmt.Errorf("find cases: %w", err)
	}
	return list, int(total), nil
}

func (db *DB) queryCases(ctx context.Context, q string, args ...any) ([]*casework.Case, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, db.norm(err)
	}
	defer rows.Close()
	list := []*casework.Case{}
	for rows.Next() {
		c, err := db.scanCase(rows)
		if err != nil {
			return nil, db.norm(err)
		}
		list = append(list, c)
	}
	if err := rows.Err(); err != nil {
		return nil, db.norm(err)
	}
	return list, nil
}

// FindNearby returns cases of q.Category whose point lies in q.Bounds:
// open cases reported since q.Since, or (q.Closed) cases closed since
// q.Since. Newest report first; Limit defaults to DefaultLimit.
func (db *DB) FindNearby(ctx context.Context, q casework.NearbyQuery) ([]*casework.Case, error) {
	if q.Bounds.IsEmpty() {
		return []*casework.Case{}, nil
	}
	w := &where{}
	w.add("category = ?", q.Category.String())
	w.add("lat BETWEEN ? AND ?", q.Bounds.MinLat, q.Bounds.MaxLat)
	w.add("lng BETWEEN ? AND ?", q.Bounds.MinLng, q.Bounds.MaxLng)
	if q.Exclude != "" {
		w.add("id <> ?", q.Exclude)
	}
	// The unary + keeps both planners off the (category, reported_at) index,
	// which would scan every recent case of the category; the place is far
	// more selective, through the (category, lat, lng) index.
	if q.Closed {
		w.add("status = ?", string(casework.StatusClosed))
		w.add("+closed_at >= ?", sqlkit.Micros(q.Since))
	} else {
		w.add("is_open")
		w.add("+reported_at >= ?", sqlkit.Micros(q.Since))
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	args := append(w.args, int64(min(limit, MaxLimit)))
	list, err := db.queryCases(ctx, fmt.Sprintf("%s%s ORDER BY reported_at DESC, id DESC LIMIT $%d", caseSelect, w.String(), len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("find cases near %s: %w", q.Category, err)
	}
	return list, nil
}

// FindDue returns open cases whose stage deadline passed before now and that
// are not yet marked overdue, the longest overdue first.
func (db *DB) FindDue(ctx context.Context, now time.Time, limit int) ([]*casework.Case, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	list, err := db.queryCases(ctx, caseSelect+` WHERE is_open AND overdue = FALSE AND stage_due_at < $1
ORDER BY stage_due_at, id LIMIT $2`, sqlkit.Micros(now), int64(min(limit, MaxLimit)))
	if err != nil {
		return nil, fmt.Errorf("find due cases: %w", err)
	}
	return list, nil
}

// Timeline returns the case's events in order. A case without events (or
// an unknown id) has an empty timeline.
func (db *DB) Timeline(ctx context.Context, caseID string) ([]casework.Event, error) {
	rows, err := db.query(ctx, "SELECT "+strings.Join(eventCols, ", ")+" FROM case_events WHERE case_id = $1 ORDER BY seq", caseID)
	if err != nil {
		return nil, fmt.Errorf("timeline of case %s: %w", caseID, db.norm(err))
	}
	defer rows.Close()
	list := []casework.Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("timeline of case %s: %w", caseID, db.norm(err))
		}
		list = append(list, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("timeline of case %s: %w", caseID, db.norm(err))
	}
	return list, nil
}

// CountCases returns the number of stored cases.
func (db *DB) CountCases(ctx context.Context) (int, error) {
	var n int64
	if err := db.queryRow(ctx, "SELECT COUNT(*) FROM cases").Scan(&n); err != nil {
		return 0, fmt.Errorf("count cases: %w", db.norm(err))
	}
	return int(n), nil
}
