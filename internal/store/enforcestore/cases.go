package enforcestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"cityloop/internal/enforce"
	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/store/sqlkit"
	"cityloop/internal/worktime"
)

// caseColumns are read by every case query, in scanCase's order; the
// party's sealed name comes along so a case reads whole.
const caseColumns = `c.id, c.code, c.version, c.body, p.name`

const caseFrom = ` FROM enforce_cases c JOIN enforce_parties p ON p.case_id = c.id`

// body is the case as stored in the body column: without its records
// (enforce_records) and without the party's name (sealed in enforce_parties).
func body(c *enforce.Case) (string, error) {
	b := *c
	b.Records = nil
	b.Party.Name = ""
	out, err := json.Marshal(b)
	if err != nil {
		return "", fmt.Errorf("encode penalty case %s: %w", c.ID, err)
	}
	return string(out), nil
}

func worst(c *enforce.Case) worktime.Light {
	w := worktime.Green
	for _, l := range c.Lights {
		if l == worktime.Red || (l == worktime.Yellow && w == worktime.Green) {
			w = l
		}
	}
	return w
}

func running(s enforce.Status) int64 {
	switch s {
	case enforce.StatusNotFiled, enforce.StatusClosed, enforce.StatusArchived:
		return 0
	}
	return 1
}

// rowArgs are the values of the columns every write sets, from status on:
// status, proc, district, brigade, violation, light, running, decided_at,
// exempted, occurred_at, updated_at, body, next_due.
func rowArgs(c *enforce.Case) ([]any, error) {
	b, err := body(c)
	if err != nil {
		return nil, err
	}
	var decided *time.Time
	exempted := ""
	if c.Decision != nil {
		decided = &c.Decision.At
		if c.Decision.Exemption != nil {
			exempted = string(c.Decision.Exemption.Kind)
		}
	}
	return []any{string(c.Status), string(c.Procedure), c.District, c.Brigade, c.Violation, string(worst(c)), running(c.Status),
		sqlkit.MicrosOrNull(decided), exempted, sqlkit.Micros(c.OccurredAt), sqlkit.Micros(c.UpdatedAt), b, sqlkit.MicrosOrNull(c.NextDue)}, nil
}

// CreateCase stores a new case with its party, events and records, giving
// it its human number (ZF<year>-<n>) and its party key; pub, when set, is
// published in the same transaction.
func (db *DB) CreateCase(ctx context.Context, c *enforce.Case, party enforce.PartyDetail, events []enforce.Event, pub *enforce.Disclosure) error {
	keys := db.partyKeys(party.Identity())
	if len(keys) == 0 {
		return errs.Invalid("当事人缺少身份证号码或统一社会信用代码 / the party needs an ID number or USCC").WithField("party", "identity required")
	}
	c.Party.ID = keys[0]
	if c.Version == 0 {
		c.Version = max(1, len(events))
	}
	sealed, err := db.sealParty(c.ID, party)
	if err != nil {
		return err
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		year := c.UpdatedAt.UTC().Year()
		var n int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO enforce_counters (year, last) VALUES ($1, 1)
ON CONFLICT (year) DO UPDATE SET last = enforce_counters.last + 1 RETURNING last`, year).Scan(&n); err != nil {
			return fmt.Errorf("number the case: %w", err)
		}
		c.Code = fmt.Sprintf("ZF%d-%05d", year, n)
		row, err := rowArgs(c)
		if err != nil {
			return err
		}
		args := append([]any{c.ID, c.Code, c.Party.ID, string(c.Party.Kind), c.Source, int64(c.Version)}, row...)
		if _, err := tx.ExecContext(ctx, `INSERT INTO enforce_cases (id, code, party_key, party_kind, loop_case, version,
status, proc, district, brigade, violation, light, running, decided_at, exempted, occurred_at, updated_at, body, next_due)
VALUES (`+sqlkit.List(len(args), 1)+`)`, args...); err != nil {
			if errs.Is(sqlkit.Norm(err), errs.KindConflict) && c.Source != "" {
				return errs.Conflict("案件 %s 已转为执法案件 / loop case %s already has a penalty case", c.Source, c.Source).WithField("loop_case", "taken")
			}
			return err
		}
		pargs := append([]any{c.ID, c.Party.ID, string(party.Kind)}, sealed...)
		pargs = append(pargs, sqlkit.Bool(party.EServiceConsent))
		if _, err := tx.ExecContext(ctx, `INSERT INTO enforce_parties (case_id, party_key, kind, name, id_number, uscc,
representative, phone, address, e_consent) VALUES (`+sqlkit.List(len(pargs), 1)+`)`, pargs...); err != nil {
			return fmt.Errorf("insert party: %w", err)
		}
		if err := writeChildren(ctx, tx, c, 0); err != nil {
			return err
		}
		if err := insertEvents(ctx, tx, c.ID, events); err != nil {
			return err
		}
		if pub != nil {
			pub.Code = c.Code
			if pub.Number == "" {
				pub.Number = c.Code
			}
			return db.publish(ctx, tx, c, pub)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create penalty case: %w", err)
	}
	return nil
}

// UpdateCase stores a moved case when the stored version is still
// prevVersion, appends its events and new records, and publishes pub
// (masked here, where the party's name is at hand) in the same
// transaction. A lost update is a Conflict; a missing case NotFound.
func (db *DB) UpdateCase(ctx context.Context, c *enforce.Case, prevVersion int, events []enforce.Event, pub *enforce.Disclosure) error {
	row, err := rowArgs(c)
	if err != nil {
		return err
	}
	next := prevVersion + 1
	err = db.tx(ctx, func(tx *sql.Tx) error {
		args := append([]any{c.ID, int64(prevVersion), int64(next)}, row...)
		res, err := tx.ExecContext(ctx, `UPDATE enforce_cases SET version = $3, status = $4, proc = $5, district = $6,
brigade = $7, violation = $8, light = $9, running = $10, decided_at = $11, exempted = $12, occurred_at = $13,
updated_at = $14, body = $15, next_due = $16 WHERE id = $1 AND version = $2`, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			var v int64
			if err := tx.QueryRowContext(ctx, `SELECT version FROM enforce_cases WHERE id = $1`, c.ID).Scan(&v); err != nil {
				return sqlkit.Norm(err)
			}
			return errs.Conflict("执法案件 %s 已被他人更新（版本 %d，不是 %d），请刷新后重试 / penalty case %s is at version %d, not %d: reload and try again",
				c.Code, v, prevVersion, c.Code, v, prevVersion)
		}
		var have int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM enforce_records WHERE case_id = $1`, c.ID).Scan(&have); err != nil {
			return err
		}
		if err := writeChildren(ctx, tx, c, have); err != nil {
			return err
		}
		if err := insertEvents(ctx, tx, c.ID, events); err != nil {
			return err
		}
		if pub != nil {
			return db.publish(ctx, tx, c, pub)
		}
		return releaseOnService(ctx, tx, c)
	})
	if err != nil {
		return fmt.Errorf("update penalty case %s: %w", c.Code, err)
	}
	c.Version = next
	return nil
}

// writeChildren appends the records after the first `have` (records are
// append-only in the domain) and rewrites the officer index.
func writeChildren(ctx context.Context, tx *sql.Tx, c *enforce.Case, have int) error {
	if have > len(c.Records) {
		return fmt.Errorf("case %s has %d stored records but %d in hand: records are append-only", c.Code, have, len(c.Records))
	}
	for i := have; i < len(c.Records); i++ {
		r := c.Records[i]
		if _, err := tx.ExecContext(ctx, `INSERT INTO enforce_records (case_id, n, id, kind, at, officers, files, note)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, c.ID, i+1, r.ID, string(r.Kind), sqlkit.Micros(r.At),
			sqlkit.Strings(r.Officers), sqlkit.Strings(r.Files), r.Note); err != nil {
			return fmt.Errorf("insert record %d: %w", i+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM enforce_case_officers WHERE case_id = $1`, c.ID); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, o := range c.Officers {
		if o.ID == "" || seen[o.ID] {
			continue
		}
		seen[o.ID] = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO enforce_case_officers (case_id, officer_id) VALUES ($1, $2)`, c.ID, o.ID); err != nil {
			return fmt.Errorf("insert officer: %w", err)
		}
	}
	return nil
}

func insertEvents(ctx context.Context, tx *sql.Tx, caseID string, events []enforce.Event) error {
	for _, ev := range events {
		data := "{}"
		if len(ev.Data) > 0 {
			b, err := json.Marshal(ev.Data)
			if err != nil {
				return fmt.Errorf("encode event data: %w", err)
			}
			data = string(b)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO enforce_events (case_id, seq, action, from_status, to_status,
actor_id, actor_name, post, at, note, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			caseID, ev.Seq, string(ev.Action), string(ev.From), string(ev.To), ev.Actor, ev.Name, string(ev.Post),
			sqlkit.Micros(ev.At), ev.Note, data); err != nil {
			if errs.Is(sqlkit.Norm(err), errs.KindConflict) {
				return errs.Conflict("事件 %d 已存在：案件已被他人更新 / event %d exists: the case moved meanwhile", ev.Seq, ev.Seq)
			}
			return fmt.Errorf("insert event %d: %w", ev.Seq, err)
		}
	}
	return nil
}

// scanCase reads caseColumns.
func (db *DB) scanCase(sc interface{ Scan(...any) error }) (*enforce.Case, error) {
	var id, code, b, name string
	var version int64
	if err := sc.Scan(&id, &code, &version, &b, &name); err != nil {
		return nil, err
	}
	c := &enforce.Case{}
	if err := json.Unmarshal([]byte(b), c); err != nil {
		return nil, fmt.Errorf("decode penalty case %s: %w", id, err)
	}
	c.ID, c.Code, c.Version = id, code, int(version)
	c.Party.Name = db.openValue(id, "name", name)
	return c, nil
}

// scopeSQL is the WHERE clause of a scope over enforce_cases c; args are
// numbered from `from`.
func scopeSQL(s *enforce.Scope, from int) (string, []any) {
	if s == nil || s.All {
		return "TRUE", nil
	}
	if s.Empty() {
		return "FALSE", nil
	}
	var parts []string
	var args []any
	if len(s.Districts) > 0 {
		parts = append(parts, "c.district IN ("+sqlkit.List(len(s.Districts), from)+")")
		for _, d := range s.Districts {
			args = append(args, d)
		}
	}
	if len(s.Brigades) > 0 {
		parts = append(parts, "(c.brigade <> '' AND c.brigade IN ("+sqlkit.List(len(s.Brigades), from+len(args))+"))")
		for _, d := range s.Brigades {
			args = append(args, d)
		}
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// FindCaseByID reads a case inside scope, with its records and the party's name.
func (db *DB) FindCaseByID(ctx context.Context, id string, scope *enforce.Scope) (*enforce.Case, error) {
	where, args := scopeSQL(scope, 2)
	c, err := db.scanCase(db.r.QueryRowContext(ctx, `SELECT `+caseColumns+caseFrom+` WHERE c.id = $1 AND `+where, append([]any{id}, args...)...))
	if err != nil {
		if errs.Is(sqlkit.Norm(err), errs.KindNotFound) {
			return nil, errs.NotFound("没有执法案件 %s（或不在你的辖区内）/ no penalty case %s in your jurisdiction", id, id)
		}
		return nil, fmt.Errorf("find penalty case %s: %w", id, sqlkit.Norm(err))
	}
	recs, err := db.records(ctx, []string{c.ID})
	if err != nil {
		return nil, err
	}
	c.Records = recs[c.ID]
	return c, nil
}

// records reads the records of cases, in order.
func (db *DB) records(ctx context.Context, ids []string) (map[string][]enforce.Record, error) {
	out := map[string][]enforce.Record{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.r.QueryContext(ctx, `SELECT r.case_id, r.id, r.kind, r.at, r.officers, r.files, r.note FROM enforce_records r JOIN `+
		sqlkit.JSONList(db.dialect == DialectPostgres, "$1", "ids")+` ON ids.value = r.case_id ORDER BY r.case_id, r.n`, sqlkit.Strings(ids))
	if err != nil {
		return nil, fmt.Errorf("read records: %w", sqlkit.Norm(err))
	}
	defer rows.Close()
	for rows.Next() {
		var caseID, id, kind, officers, files, note string
		var at int64
		if err := rows.Scan(&caseID, &id, &kind, &at, &officers, &files, &note); err != nil {
			return nil, fmt.Errorf("read records: %w", sqlkit.Norm(err))
		}
		r := enforce.Record{ID: id, Kind: enforce.RecordKind(kind), At: sqlkit.Time(at), Note: note}
		if err := json.Unmarshal([]byte(officers), &r.Officers); err != nil {
			return nil, fmt.Errorf("decode record officers: %w", err)
		}
		if err := json.Unmarshal([]byte(files), &r.Files); err != nil {
			return nil, fmt.Errorf("decode record files: %w", err)
		}
		if len(r.Officers) == 0 {
			r.Officers = nil
		}
		if len(r.Files) == 0 {
			r.Files = nil
		}
		out[caseID] = append(out[caseID], r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read records: %w", sqlkit.Norm(err))
	}
	return out, nil
}

// queryCases runs a case query and attaches the records.
func (db *DB) queryCases(ctx context.Context, q string, args ...any) ([]*enforce.Case, error) {
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, sqlkit.Norm(err)
	}
	var out []*enforce.Case
	var ids []string
	for rows.Next() {
		c, err := db.scanCase(rows)
		if err != nil {
			rows.Close()
			return nil, sqlkit.Norm(err)
		}
		out = append(out, c)
		ids = append(ids, c.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, sqlkit.Norm(err)
	}
	recs, err := db.records(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, c := range out {
		c.Records = recs[c.ID]
	}
	return out, nil
}

// FindCases lists cases matching f, newest change first, with the total.
func (db *DB) FindCases(ctx context.Context, f enforce.Filter) ([]*enforce.Case, int, error) {
	where, args := scopeSQL(f.Scope, 1)
	conds := []string{where}
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if len(f.Statuses) > 0 {
		var marks []string
		for _, s := range f.Statuses {
			args = append(args, string(s))
			marks = append(marks, fmt.Sprintf("$%d", len(args)))
		}
		conds = append(conds, "c.status IN ("+strings.Join(marks, ", ")+")")
	}
	if f.Procedure != "" {
		add("c.proc = ?", string(f.Procedure))
	}
	if f.District != "" {
		add("c.district = ?", f.District)
	}
	if f.Brigade != "" {
		add("c.brigade = ?", f.Brigade)
	}
	if f.Violation != "" {
		add("c.violation = ?", f.Violation)
	}
	if f.Light != "" {
		add("c.light = ?", string(f.Light))
	}
	if f.Officer != "" {
		add("EXISTS (SELECT 1 FROM enforce_case_officers o WHERE o.case_id = c.id AND o.officer_id = ?)", f.Officer)
	}
	if f.Party != "" {
		keys := db.partyKeys(f.Party)
		var marks []string
		for _, k := range keys {
			args = append(args, k)
			marks = append(marks, fmt.Sprintf("$%d", len(args)))
		}
		conds = append(conds, "c.party_key IN ("+strings.Join(marks, ", ")+")")
	}
	w := " WHERE " + strings.Join(conds, " AND ")
	var total int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM enforce_cases c`+w, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count penalty cases: %w", sqlkit.Norm(err))
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	args = append(args, limit, max(f.Offset, 0))
	out, err := db.queryCases(ctx, `SELECT `+caseColumns+caseFrom+w+fmt.Sprintf(` ORDER BY c.updated_at DESC, c.id DESC LIMIT $%d OFFSET $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list penalty cases: %w", err)
	}
	return out, total, nil
}

// Timeline lists a case's events in order.
func (db *DB) Timeline(ctx context.Context, id string) ([]enforce.Event, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT seq, action, from_status, to_status, actor_id, actor_name, post, at, note, data
FROM enforce_events WHERE case_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("read timeline: %w", sqlkit.Norm(err))
	}
	defer rows.Close()
	out := []enforce.Event{}
	for rows.Next() {
		var ev enforce.Event
		var action, from, to, post, data string
		var at int64
		if err := rows.Scan(&ev.Seq, &action, &from, &to, &ev.Actor, &ev.Name, &post, &at, &ev.Note, &data); err != nil {
			return nil, fmt.Errorf("read timeline: %w", sqlkit.Norm(err))
		}
		ev.CaseID, ev.Action, ev.From, ev.To, ev.At = id, enforce.Action(action), enforce.Status(from), enforce.Status(to), sqlkit.Time(at)
		ev.Post = org.Post(post)
		if data != "{}" {
			if err := json.Unmarshal([]byte(data), &ev.Data); err != nil {
				return nil, fmt.Errorf("decode event data: %w", err)
			}
		}
		out = append(out, ev)
	}
	return out, sqlkit.Norm(rows.Err())
}

// FindParty opens the sealed details of a case's party.
func (db *DB) FindParty(ctx context.Context, caseID string) (enforce.PartyDetail, error) {
	var p enforce.PartyDetail
	var kind, name, idn, uscc, rep, phone, addr string
	var consent int64
	err := db.r.QueryRowContext(ctx, `SELECT kind, name, id_number, uscc, representative, phone, address, e_consent
FROM enforce_parties WHERE case_id = $1`, caseID).Scan(&kind, &name, &idn, &uscc, &rep, &phone, &addr, &consent)
	if err != nil {
		return p, fmt.Errorf("find party of %s: %w", caseID, sqlkit.Norm(err))
	}
	p.Kind, p.EServiceConsent = enforce.PartyKind(kind), consent != 0
	p.Name, p.IDNumber, p.USCC = db.openValue(caseID, "name", name), db.openValue(caseID, "id_number", idn), db.openValue(caseID, "uscc", uscc)
	p.Representative, p.Phone, p.Address = db.openValue(caseID, "representative", rep), db.openValue(caseID, "phone", phone), db.openValue(caseID, "address", addr)
	return p, nil
}

// PartyHistory lists the decided acts of a party: each decided case with
// its violation, decision time and exemption.
func (db *DB) PartyHistory(ctx context.Context, partyID string) ([]enforce.Violation, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT violation, decided_at, exempted FROM enforce_cases
WHERE party_key = $1 AND decided_at IS NOT NULL ORDER BY decided_at`, partyID)
	if err != nil {
		return nil, fmt.Errorf("read party history: %w", sqlkit.Norm(err))
	}
	defer rows.Close()
	var out []enforce.Violation
	for rows.Next() {
		var v enforce.Violation
		var at int64
		var ex string
		if err := rows.Scan(&v.Violation, &at, &ex); err != nil {
			return nil, fmt.Errorf("read party history: %w", sqlkit.Norm(err))
		}
		v.Party, v.At, v.Exempted = partyID, sqlkit.Time(at), enforce.ExemptionKind(ex)
		out = append(out, v)
	}
	return out, sqlkit.Norm(rows.Err())
}

// FindDecided lists the decided cases inside scope decided in [from, to).
func (db *DB) FindDecided(ctx context.Context, scope *enforce.Scope, from, to time.Time) ([]*enforce.Case, error) {
	where, args := scopeSQL(scope, 3)
	out, err := db.queryCases(ctx, `SELECT `+caseColumns+caseFrom+` WHERE c.decided_at >= $1 AND c.decided_at < $2 AND `+where+` ORDER BY c.decided_at`,
		append([]any{sqlkit.Micros(from), sqlkit.Micros(to)}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("list decided cases: %w", err)
	}
	return out, nil
}

// FindDue implements [enforce.Store]: the cases whose next clock warning
// falls due by `by`, on the (next_due, id) index, after the key (afterDue,
// afterID), each with NextDue as the column holds it.
func (db *DB) FindDue(ctx context.Context, by, afterDue time.Time, afterID string, limit int) ([]*enforce.Case, error) {
	after := int64(-1) // before any stored value, 0 included (cases stored before the column)
	if !afterDue.IsZero() {
		after = sqlkit.Micros(afterDue)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, next_due FROM enforce_cases WHERE next_due IS NOT NULL AND next_due <= $1
AND (next_due > $2 OR (next_due = $2 AND id > $3)) ORDER BY next_due, id LIMIT $4`, sqlkit.Micros(by), after, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("list cases with clocks due: %w", sqlkit.Norm(err))
	}
	var ids []string
	due := map[string]int64{}
	for rows.Next() {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list cases with clocks due: %w", sqlkit.Norm(err))
		}
		ids, due[id] = append(ids, id), at
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list cases with clocks due: %w", sqlkit.Norm(err))
	}
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	cases, err := db.queryCases(ctx, `SELECT `+caseColumns+caseFrom+` WHERE c.id IN (`+sqlkit.List(len(ids), 1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("read cases with clocks due: %w", err)
	}
	byID := make(map[string]*enforce.Case, len(cases))
	for _, c := range cases {
		t := sqlkit.Time(due[c.ID])
		c.NextDue, byID[c.ID] = &t, c
	}
	out := make([]*enforce.Case, 0, len(ids))
	for _, id := range ids {
		if c, ok := byID[id]; ok {
			out = append(out, c)
		}
	}
	return out, nil
}

// SetNextDue implements [enforce.Store].
func (db *DB) SetNextDue(ctx context.Context, id string, version int, next *time.Time) error {
	res, err := db.w.ExecContext(ctx, `UPDATE enforce_cases SET next_due = $3 WHERE id = $1 AND version = $2`,
		id, int64(version), sqlkit.MicrosOrNull(next))
	if err != nil {
		return fmt.Errorf("set the next clock warning of %s: %w", id, sqlkit.Norm(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("set the next clock warning of %s: %w", id, err)
	} else if n == 0 {
		return errs.Conflict("执法案件 %s 已被更新 / penalty case %s has changed", id, id)
	}
	return nil
}
