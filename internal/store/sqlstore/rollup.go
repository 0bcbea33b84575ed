package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/rollup"
	"cityloop/internal/store/sqlkit"
)

// The indicator rollups (table case_rollups, migration 00012): per unit,
// reporting day and source, the counts of every rollup.Measure, kept in the
// same transaction as every case write (intake, bulk load, UpdateCase), so
// TallyCases can answer a period by summing a few rows per unit instead of
// scanning the cases. Package rollup decides what a case contributes and
// how a change moves it; this file only reads and writes the rows.

// rollupKeyCols are the key columns of case_rollups, in rollup.Key order.
var rollupKeyCols = []string{"unit", "code", "grain", "day", "source", "district", "street", "community", "grid"}

// rollupCol is the column of measure i ("r_" + name), or of the response
// seconds for i == rollup.Response.
func rollupCol(i int) string {
	if i == rollup.Response {
		return "r_response_seconds"
	}
	return "r_" + rollup.Measures[i].Column
}

// rollupCols are every column of case_rollups in the order rollupArgs
// writes them.
var rollupCols = func() []string {
	out := append([]string{}, rollupKeyCols...)
	for i := 0; i < rollup.Width; i++ {
		out = append(out, rollupCol(i))
	}
	return out
}()

// upsertRollupSQL adds rows of deltas to case_rollups, creating the rows
// that do not exist yet.
func (db *DB) upsertRollupSQL(rows int) string {
	var set []string
	for i := 0; i < rollup.Width; i++ {
		c := rollupCol(i)
		set = append(set, c+" = case_rollups."+c+" + excluded."+c)
	}
	return db.bulkInsertSQL("case_rollups", rollupCols, rows) +
		" ON CONFLICT (" + strings.Join(rollupKeyCols, ", ") + ") DO UPDATE SET " + strings.Join(set, ", ")
}

// upsertRollupArraysSQL is upsertRollupSQL for PostgreSQL: the rows come
// as one array per column and unnest makes them rows, so the statement
// text never changes with the number of rows (pgx prepares it once per
// connection, where a multi-row VALUES of a new size is parsed and
// planned afresh, with thousands of parameters).
var upsertRollupArraysSQL = func() string {
	var arrays, set []string
	for i, c := range rollupCols {
		t := "text[]"
		if c == "day" || i >= len(rollupKeyCols) {
			t = "bigint[]"
		}
		arrays = append(arrays, fmt.Sprintf("$%d::%s", i+1, t))
	}
	for i := 0; i < rollup.Width; i++ {
		c := rollupCol(i)
		set = append(set, c+" = case_rollups."+c+" + excluded."+c)
	}
	return "INSERT INTO case_rollups (" + strings.Join(rollupCols, ", ") + ") SELECT * FROM unnest(" + strings.Join(arrays, ", ") +
		") ON CONFLICT (" + strings.Join(rollupKeyCols, ", ") + ") DO UPDATE SET " + strings.Join(set, ", ")
}()

// rollupArrays are the entries as upsertRollupArraysSQL's arguments.
func rollupArrays(entries []rollup.Entry) []any {
	keys := make([][]string, len(rollupKeyCols))
	var days []int64
	vals := make([][]int64, rollup.Width)
	for _, e := range entries {
		k := e.Key
		for i, v := range []string{k.Unit, k.Code, k.Grain, "", k.Source, k.District, k.Street, k.Community, k.Grid} {
			keys[i] = append(keys[i], v)
		}
		days = append(days, k.Day)
		for i, x := range e.Vec {
			vals[i] = append(vals[i], x)
		}
	}
	out := make([]any, 0, len(rollupCols))
	for i := range rollupKeyCols {
		if rollupKeyCols[i] == "day" {
			out = append(out, days)
			continue
		}
		out = append(out, keys[i])
	}
	for _, v := range vals {
		out = append(out, v)
	}
	return out
}

// rollupRowsPerStmt keeps a multi-row upsert under both databases' bound
// parameter limits (× 52 columns).
const rollupRowsPerStmt = 200

func rollupArgs(e rollup.Entry) []any {
	k := e.Key
	out := make([]any, 0, len(rollupCols))
	out = append(out, k.Unit, k.Code, k.Grain, k.Day, k.Source, k.District, k.Street, k.Community, k.Grid)
	for _, x := range e.Vec {
		out = append(out, x)
	}
	return out
}

// writeRollups applies the entries in tx. On SQLite a statement is an
// in-process call, so each row goes through one prepared single-row upsert
// (a bulk load's thousands in multi-row ones); on PostgreSQL every
// statement is a round trip, so all rows go in one upsert of arrays (the
// entries have distinct keys, as one INSERT … ON CONFLICT requires, and
// come sorted, so writers lock rows in one order).
func (db *DB) writeRollups(ctx context.Context, tx *sql.Tx, entries []rollup.Entry) error {
	if len(entries) == 0 || db.noRollups {
		return nil
	}
	if db.dialect == DialectPostgres {
		if _, err := tx.ExecContext(ctx, upsertRollupArraysSQL, rollupArrays(entries)...); err != nil {
			return fmt.Errorf("update rollups: %w", db.norm(err))
		}
		return nil
	}
	if len(entries) < rollupRowsPerStmt {
		q := db.upsertRollupSQL(1)
		for _, e := range entries {
			if _, err := db.txExec(ctx, tx, q, rollupArgs(e)...); err != nil {
				return fmt.Errorf("update rollups: %w", db.norm(err))
			}
		}
		return nil
	}
	for start := 0; start < len(entries); start += rollupRowsPerStmt {
		chunk := entries[start:min(start+rollupRowsPerStmt, len(entries))]
		args := make([]any, 0, len(chunk)*len(rollupCols))
		for _, e := range chunk {
			args = append(args, rollupArgs(e)...)
		}
		if _, err := db.txExec(ctx, tx, db.upsertRollupSQL(len(chunk)), args...); err != nil {
			return fmt.Errorf("update rollups: %w", db.norm(err))
		}
	}
	return nil
}

// factCols are the columns a case's facts and rollup keys depend on:
// everything Fact.Holds and rollup.Keys read, and the version.
const factCols = "status, source, category, grid, community, street, district, department, self_handled, " +
	"rework_count, return_count, shirk_count, extension_count, urge_count, overdue, closed_late, disposed_late, " +
	"satisfaction, recurrence_of, reported_at, filed_at, dispatched_at, disposed_at, version, " +
	"stages_seen, stages_done, stages_late"

var selectFactsSQL = "SELECT " + factCols + " FROM cases WHERE id = $1"

// storedFacts reads, in tx, the case as stored: only what its rollup
// contribution depends on, and its version. NotFound when it does not exist.
func (db *DB) storedFacts(ctx context.Context, tx *sql.Tx, id string) (*casework.Case, int, error) {
	var (
		c                                                 casework.Case
		category                                          string
		reworks, returns, shirks, extensions, urges, vers int64
		reported                                          int64
		filed, dispatched, disposed                       sql.Null[int64]
		seen, done, late                                  int64
	)
	err := db.txQueryRow(ctx, tx, selectFactsSQL, id).Scan(&c.Status, &c.Source, &category, &c.Grid, &c.Community, &c.Street,
		&c.District, &c.Department, &c.SelfHandled, &reworks, &returns, &shirks, &extensions, &urges, &c.Overdue,
		&c.ClosedLate, &c.DisposedLate, &c.Satisfaction, &c.Recurrence, &reported, &filed, &dispatched, &disposed, &vers,
		&seen, &done, &late)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, errs.NotFound("case %s does not exist", id)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read case %s: %w", id, db.norm(err))
	}
	c.ID = id
	c.Reworks, c.Returns, c.Shirks, c.Extensions, c.Urges = int(reworks), int(returns), int(shirks), int(extensions), int(urges)
	c.StagesSeen, c.StagesDone, c.StagesLate = int(seen), int(done), int(late)
	if category != "" {
		ref, err := catalog.ParseRef(category)
		if err != nil {
			return nil, 0, fmt.Errorf("case %s: stored category %q: %w", id, category, err)
		}
		c.Category = &ref
	}
	c.ReportedAt = sqlkit.Time(reported)
	c.FiledAt, c.DispatchedAt, c.DisposedAt = sqlkit.NullTime(filed), sqlkit.NullTime(dispatched), sqlkit.NullTime(disposed)
	return &c, int(vers), nil
}

// rollupDaySQL is a case's rollup day in SQL (rollup.Day; reports before
// 1970 would round the other way, and there are none).
var rollupDaySQL = "(reported_at + " + strconv.FormatInt(int64(rollup.DayOffset/time.Microsecond), 10) + ") / " + strconv.FormatInt(microsPerDay, 10)

// monthSQL is the first day of the month of the rollup day in column
// day (rollup.MonthStart), in the dialect's date arithmetic.
func monthSQL(dialect string) string {
	if dialect == DialectPostgres {
		d := "(DATE '1970-01-01' + CAST(day AS INTEGER))"
		return "(make_date(CAST(EXTRACT(YEAR FROM " + d + ") AS INTEGER), CAST(EXTRACT(MONTH FROM " + d + ") AS INTEGER), 1) - DATE '1970-01-01')"
	}
	return "CAST(julianday(date(day * 86400, 'unixepoch', 'start of month')) - 2440587.5 AS INTEGER)"
}

// rollupUnitKeys are the key expressions over the cases of each unit kind,
// in rollupKeyCols order after unit, grain and day: code, source and the
// region chain.
var rollupUnitKeys = []struct{ unit, code, source, district, street, community, grid string }{
	{rollup.UnitCity, "''", "source", "''", "''", "''", "''"},
	{rollup.UnitDistrict, "district", "source", "district", "''", "''", "''"},
	{rollup.UnitStreet, "street", "source", "district", "street", "''", "''"},
	{rollup.UnitCommunity, "community", "''", "district", "street", "community", "''"},
	{rollup.UnitGrid, "grid", "''", "district", "street", "community", "grid"},
	{rollup.UnitDepartment, "department", "source", "''", "''", "''", "''"},
	{rollup.UnitCategory, "category", "source", "''", "''", "''", "''"},
}

// recountDaySQL are the queries that recount the day rows of units from
// the cases, one per unit kind, each selecting rollupCols: one GROUP BY
// over the cases with the same conditions as the raw tally (factSQL), so a
// recounted rollup is by construction the raw count. No units: all.
func recountDaySQL(dialect string, units ...string) []string {
	var sums []string
	for i, m := range rollup.Measures {
		c, err := predicateSQL(m.Pred)
		if err != nil {
			panic("sqlstore: rollup measure " + m.Column + ": " + err.Error()) // a build defect, caught by the tests
		}
		if dialect == DialectSQLite {
			// A condition is 0 or 1 in SQLite (never NULL, see factSQL):
			// summing it saves a CASE per measure and case, which is
			// most of a backfill's time.
			sums = append(sums, "SUM("+c+") AS "+rollupCol(i))
			continue
		}
		sums = append(sums, "CAST(SUM(CASE WHEN "+c+" THEN 1 ELSE 0 END) AS BIGINT) AS "+rollupCol(i))
	}
	// CAST: PostgreSQL sums bigints into numeric.
	sums = append(sums, "CAST(SUM(CASE WHEN dispatched_at IS NOT NULL THEN (dispatched_at - reported_at) / 1000000 ELSE 0 END) AS BIGINT) AS "+rollupCol(rollup.Response))
	var out []string
	for _, k := range rollupUnitKeys {
		if len(units) > 0 && !contains(units, k.unit) {
			continue
		}
		var group []string
		for _, e := range []string{k.code, rollupDaySQL, k.source, k.district, k.street, k.community, k.grid} {
			if e != "''" && !contains(group, e) {
				group = append(group, e)
			}
		}
		keys := []string{"'" + k.unit + "'", k.code, "'" + rollup.GrainDay + "'", rollupDaySQL, k.source, k.district, k.street, k.community, k.grid}
		for i := range keys {
			keys[i] += " AS " + rollupKeyCols[i]
		}
		out = append(out, "SELECT "+strings.Join(keys, ", ")+",\n    "+
			strings.Join(sums, ",\n    ")+"\nFROM cases GROUP BY "+strings.Join(group, ", "))
	}
	return out
}

// monthFromDaysSQL sums day rows (the rows of from, a table or a
// subquery) into month rows.
func monthFromDaysSQL(dialect, from string) string {
	var sums []string
	for i := 0; i < rollup.Width; i++ {
		sums = append(sums, "CAST(SUM("+rollupCol(i)+") AS BIGINT)")
	}
	m := monthSQL(dialect)
	return "SELECT unit, code, '" + rollup.GrainMonth + "', " + m + ", source, district, street, community, grid,\n    " +
		strings.Join(sums, ", ") + "\nFROM " + from + " WHERE grain = '" + rollup.GrainDay + "'\nGROUP BY unit, code, " + m + ", source, district, street, community, grid"
}

// deriveDaySQL sums the day rows of unit from into the day rows of a
// coarser unit: code, source and chain are expressions over from's rows.
func deriveDaySQL(unit, from, code, source, district, street, community, grid string) string {
	var sums []string
	for i := 0; i < rollup.Width; i++ {
		sums = append(sums, "CAST(SUM("+rollupCol(i)+") AS BIGINT)")
	}
	var group []string
	for _, e := range []string{code, "day", source, district, street, community, grid} {
		if e != "''" && !contains(group, e) {
			group = append(group, e)
		}
	}
	return "SELECT '" + unit + "', " + code + ", '" + rollup.GrainDay + "', day, " + strings.Join([]string{source, district, street, community, grid}, ", ") +
		",\n    " + strings.Join(sums, ", ") + "\nFROM case_rollups WHERE unit = '" + from + "' AND grain = '" + rollup.GrainDay + "'\nGROUP BY " + strings.Join(group, ", ")
}

// rollupPeriodIndex serves the rankings, which read every unit of a kind
// over a period.
const rollupPeriodIndex = "CREATE INDEX case_rollups_period ON case_rollups (unit, grain, day)"

// rebuildRollupSQL empties case_rollups and fills it with the recount: the
// day rows of streets, grids, departments and sub-classes from the cases
// (four passes over them), the districts' from the streets', the city's
// from the districts', the communities' from the grids', then the month
// rows from the day rows. Each GROUP BY yields its rows in primary key
// order, so they append to the table's tree; the secondary index is built
// after them, in one sort. Migration 00012 holds these texts (a test
// checks it); RebuildRollups runs them; CheckRollups recounts every unit
// from the cases directly, so a test of both checks this derivation too.
func rebuildRollupSQL(dialect string) []string {
	out := []string{"DROP INDEX IF EXISTS case_rollups_period", "DELETE FROM case_rollups"}
	ins := "INSERT INTO case_rollups (" + strings.Join(rollupCols, ", ") + ")\n"
	for _, q := range recountDaySQL(dialect, rollup.UnitStreet, rollup.UnitGrid, rollup.UnitDepartment, rollup.UnitCategory) {
		out = append(out, ins+q)
	}
	out = append(out,
		ins+deriveDaySQL(rollup.UnitDistrict, rollup.UnitStreet, "district", "source", "district", "''", "''", "''"),
		ins+deriveDaySQL(rollup.UnitCity, rollup.UnitDistrict, "''", "source", "''", "''", "''", "''"),
		ins+deriveDaySQL(rollup.UnitCommunity, rollup.UnitGrid, "community", "''", "district", "street", "community", "''"))
	return append(out, ins+monthFromDaysSQL(dialect, "case_rollups"), rollupPeriodIndex)
}

// CheckRollups compares every rollup row with a recount from the raw
// cases and describes the rows that differ (at most 20); none means the
// rollups are exact. Rows whose counts are all zero (units whose cases
// all moved away) equal a missing row.
func (db *DB) CheckRollups(ctx context.Context) ([]string, error) {
	read := func(q string, into map[rollup.Key]rollup.Vector) error {
		rows, err := db.query(ctx, q)
		if err != nil {
			return fmt.Errorf("check rollups: %w", db.norm(err))
		}
		defer rows.Close()
		for rows.Next() {
			var k rollup.Key
			v := make(rollup.Vector, rollup.Width)
			dest := []any{&k.Unit, &k.Code, &k.Grain, &k.Day, &k.Source, &k.District, &k.Street, &k.Community, &k.Grid}
			for i := range v {
				dest = append(dest, &v[i])
			}
			if err := rows.Scan(dest...); err != nil {
				return fmt.Errorf("check rollups: %w", db.norm(err))
			}
			if !slices.ContainsFunc(v, func(x int64) bool { return x != 0 }) {
				continue
			}
			into[k] = v
		}
		return rows.Err()
	}
	kept, want := map[rollup.Key]rollup.Vector{}, map[rollup.Key]rollup.Vector{}
	if err := read("SELECT "+strings.Join(rollupCols, ", ")+" FROM case_rollups", kept); err != nil {
		return nil, err
	}
	days := recountDaySQL(db.dialect)
	for _, q := range days {
		if err := read(q, want); err != nil {
			return nil, err
		}
	}
	// The month rows, summed from a recount of the days over the cases.
	sub := "(" + strings.Join(days, "\nUNION ALL\n") + ") AS d"
	if err := read(monthFromDaysSQL(db.dialect, sub), want); err != nil {
		return nil, err
	}
	var out []string
	for k, w := range want {
		if g, ok := kept[k]; !ok || !slices.Equal(g, w) {
			out = append(out, fmt.Sprintf("%+v: kept %v, recount %v", k, g, w))
		}
	}
	for k, g := range kept {
		if _, ok := want[k]; !ok {
			out = append(out, fmt.Sprintf("%+v: kept %v, recount none", k, g))
		}
	}
	slices.Sort(out)
	if len(out) > 20 {
		out = out[:20]
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// RebuildRollups recounts the rollups from the cases in one transaction
// (what migration 00012 did once): for a city that changed its rollup
// definitions, or a benchmark that loaded cases behind the store's back.
func (db *DB) RebuildRollups(ctx context.Context) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		for _, q := range rebuildRollupSQL(db.dialect) {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("rebuild rollups: %w", db.norm(err))
			}
		}
		return nil
	})
}

// rollupLevel is the region level of a region unit kind.
var rollupLevel = map[string]org.Level{
	rollup.UnitDistrict: org.LevelDistrict, rollup.UnitStreet: org.LevelStreet,
	rollup.UnitCommunity: org.LevelCommunity, rollup.UnitGrid: org.LevelGrid,
}

// unitOfLevel is the region unit kind of a level (the city for LevelCity).
func unitOfLevel(l org.Level) (string, bool) {
	switch l {
	case org.LevelCity:
		return rollup.UnitCity, true
	case org.LevelDistrict:
		return rollup.UnitDistrict, true
	case org.LevelStreet:
		return rollup.UnitStreet, true
	case org.LevelCommunity:
		return rollup.UnitCommunity, true
	case org.LevelGrid:
		return rollup.UnitGrid, true
	}
	return "", false
}

// rollupPlan is a tally the rollups can answer: which rows to sum and
// which measure each set is.
type rollupPlan struct {
	w        *where
	grouped  bool
	measures []int
}

// planRollup decides whether q can be answered from the rollups exactly as
// the raw query would answer it, and how. It cannot when the filter asks
// for anything the rows do not keep (a status, a text, a light, a
// predicate without a measure), when the period does not start and end on
// rollup days, or when the caller's jurisdiction covers only part of a
// unit the rows sum (a street office asking for its district).
func planRollup(q casework.TallyQuery) (*rollupPlan, bool) {
	f := q.Filter
	rest := f
	rest.From, rest.To, rest.Region, rest.RegionLevel, rest.Department, rest.Source, rest.Category, rest.Scope = nil, nil, "", 0, "", "", nil, nil
	rest.Light, rest.SortByDue, rest.Now, rest.Limit, rest.Offset = "", false, time.Time{}, 0, 0
	if len(rest.Statuses) > 0 || rest.Overdue != nil || rest.ExternalRef != "" || rest.ReporterID != "" || len(rest.ReporterIDs) > 0 || len(rest.Is) > 0 {
		return nil, false
	}
	p := &rollupPlan{w: &where{}}
	for _, s := range q.Sets {
		i, ok := rollup.Find(s)
		if !ok {
			return nil, false
		}
		p.measures = append(p.measures, i)
	}
	regionLevel := org.Level(0)
	if f.Region != "" {
		if _, ok := unitOfLevel(f.RegionLevel); !ok {
			return nil, false // the raw query says what is wrong
		}
		regionLevel = f.RegionLevel
		if regionLevel == org.LevelCity {
			regionLevel = 0 // the whole city: no condition
		}
	}
	unit := ""
	switch {
	case q.GroupBy == rollup.UnitDepartment:
		if regionLevel != 0 || f.Category != nil {
			return nil, false
		}
		unit = rollup.UnitDepartment
	case q.GroupBy != "":
		unit = q.GroupBy
		lvl, ok := rollupLevel[unit]
		if !ok || f.Department != "" || f.Category != nil || regionLevel > lvl {
			return nil, false
		}
	case f.Category != nil:
		if regionLevel != 0 || f.Department != "" {
			return nil, false
		}
		unit = rollup.UnitCategory
	case f.Department != "":
		if regionLevel != 0 {
			return nil, false
		}
		unit = rollup.UnitDepartment
	case regionLevel != 0:
		unit, _ = unitOfLevel(regionLevel)
	default:
		unit = rollup.UnitCity
	}
	p.grouped = q.GroupBy != ""
	w := p.w
	w.add("unit = ?", unit)
	// The unit's own code leads the primary key: a unit's figure is a
	// range of it. A grouped tally inside a coarser region filters by the
	// region chain instead.
	switch {
	case f.Category != nil:
		w.add("code = ?", f.Category.String())
	case unit == rollup.UnitDepartment && f.Department != "":
		w.add("code = ?", f.Department)
	case unit == rollup.UnitCity:
		w.add("code = ?", "")
	case regionLevel != 0 && !p.grouped:
		w.add("code = ?", f.Region)
	case regionLevel != 0:
		col, _ := regionColumn(regionLevel)
		w.add(col+" = ?", f.Region)
	}
	if f.Source != "" {
		if !rollup.BySource(unit) {
			return nil, false
		}
		w.add("source = ?", string(f.Source))
	}
	var from, to *int64
	if f.From != nil {
		d, ok := rollup.DayStart(*f.From)
		if !ok {
			return nil, false
		}
		from = &d
	}
	if f.To != nil {
		d, ok := rollup.DayStart(*f.To)
		if !ok {
			return nil, false
		}
		to = &d
	}
	spans := rollup.Spans(from, to)
	if len(spans) == 0 {
		w.add("1 = 0")
	}
	var or []string
	var args []any
	for _, s := range spans {
		c := "grain = ?"
		args = append(args, s.Grain)
		if s.From != math.MinInt64 {
			c += " AND day >= ?"
			args = append(args, s.From)
		}
		if s.To != math.MaxInt64 {
			c += " AND day < ?"
			args = append(args, s.To)
		}
		or = append(or, "("+c+")")
	}
	if len(or) > 0 {
		w.add("("+strings.Join(or, " OR ")+")", args...)
	}
	if !rollupScope(w, unit, f.Scope) {
		return nil, false
	}
	return p, true
}

// rollupScope adds the jurisdiction sc as a condition on the rows of unit,
// when every row lies wholly inside or wholly outside it: region grants at
// the unit's level or above (a row keeps its ancestors' codes), or
// department grants for department rows. It reports false otherwise.
func rollupScope(w *where, unit string, sc *casework.Scope) bool {
	if sc == nil || sc.All {
		return true
	}
	if sc.Empty() {
		w.add("1 = 0")
		return true
	}
	var terms []string
	var args []any
	switch unit {
	case rollup.UnitDepartment:
		if len(sc.Regions) > 0 {
			return false
		}
		for _, d := range sc.Departments {
			terms, args = append(terms, "code = ?"), append(args, d)
		}
	case rollup.UnitCategory:
		return false
	default:
		if len(sc.Departments) > 0 {
			return false
		}
		lvl := rollupLevel[unit] // 0 for the city
		for _, r := range sc.Regions {
			if r.Department != "" {
				return false
			}
			if r.Level == org.LevelCity {
				return true // the whole city
			}
			col, ok := regionColumn(r.Level)
			if !ok || col == "" || r.Level > lvl {
				return false
			}
			terms, args = append(terms, col+" = ?"), append(args, r.Code)
		}
	}
	w.add("("+strings.Join(terms, " OR ")+")", args...)
	return true
}

// tallyRollups answers a planned tally from the rollups: the same rows,
// keys and counts as the raw query.
func (db *DB) tallyRollups(ctx context.Context, p *rollupPlan) ([]casework.TallyRow, error) {
	sum := func(col string) string { return "CAST(COALESCE(SUM(" + col + "), 0) AS BIGINT)" }
	key := "''"
	if p.grouped {
		key = "code"
	}
	cols := []string{key, sum(rollupCol(0))}
	for _, i := range p.measures {
		cols = append(cols, sum(rollupCol(i)))
	}
	disp, _ := rollup.Find(casework.Predicate{{Fact: casework.FactDispatched}})
	cols = append(cols, sum(rollupCol(rollup.Response)), sum(rollupCol(disp)))
	query := "SELECT " + strings.Join(cols, ", ") + " FROM case_rollups" + p.w.String()
	if p.grouped {
		query += " GROUP BY code ORDER BY code"
	}
	rows, err := db.query(ctx, query, p.w.args...)
	if err != nil {
		return nil, fmt.Errorf("tally rollups: %w", db.norm(err))
	}
	defer rows.Close()
	var out []casework.TallyRow
	for rows.Next() {
		var k string
		var total, resp, dispatched int64
		counts := make([]int64, len(p.measures))
		dest := []any{&k, &total}
		for i := range counts {
			dest = append(dest, &counts[i])
		}
		dest = append(dest, &resp, &dispatched)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("tally rollups: %w", db.norm(err))
		}
		if total == 0 {
			continue // no cases (or rows whose cases all moved away)
		}
		r := casework.TallyRow{Key: k, Counts: make([]int, len(counts)), Response: time.Duration(resp) * time.Second, Dispatched: int(dispatched)}
		for i, n := range counts {
			r.Counts[i] = int(n)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tally rollups: %w", db.norm(err))
	}
	return out, nil
}
