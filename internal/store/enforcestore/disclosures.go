package enforcestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"cityloop/internal/disclose"
	"cityloop/internal/enforce"
	"cityloop/internal/errs"
	"cityloop/internal/store/sqlkit"
)

// pubColumns are read by every publication query, in scanPublication's order.
const pubColumns = `d.case_id, d.number, d.code, d.district, d.violation, d.violation_name, d.party_kind, d.party_label,
d.kinds, d.fine, d.basis, d.proc, d.decided_at, d.published_at, d.state, d.due_at, d.release_at, d.late, d.withdrawal`

// publish writes the masked publication of a decision: the party's label
// comes from its sealed name through disclose.PenaltyParty; no other
// personal field is read. A scheduled publication ([enforce.Schedule])
// waits as pending until its release time unless that time has come (a
// summary decision is served on the spot); an unscheduled one (imported)
// is published by this write.
func (db *DB) publish(ctx context.Context, tx *sql.Tx, c *enforce.Case, d *enforce.Disclosure) error {
	var name string
	if err := tx.QueryRowContext(ctx, `SELECT name FROM enforce_parties WHERE case_id = $1`, c.ID).Scan(&name); err != nil {
		return fmt.Errorf("read party for publication: %w", err)
	}
	d.Party = disclose.PenaltyParty(d.PartyKind, db.openValue(c.ID, "name", name))
	kinds, err := json.Marshal(d.Kinds)
	if err != nil {
		return err
	}
	state, late, fed, published := enforce.PubPublished, false, 0, d.PublishedAt
	release := d.ReleaseAt
	if d.DueAt.IsZero() {
		release = d.DecidedAt
	} else if d.ReleaseAt.After(d.PublishedAt) {
		state, fed, published = enforce.PubPending, 1, time.Time{}
	} else {
		late = d.PublishedAt.After(d.DueAt)
	}
	indexed := sqlkit.Bool(state == enforce.PubPublished)
	search := strings.ToLower(strings.Join([]string{d.Number, d.Code, d.Violation, d.ViolationName, d.Party, d.Basis}, " "))
	res, err := tx.ExecContext(ctx, `INSERT INTO enforce_disclosures (case_id, number, code, district, violation, violation_name,
party_kind, party_label, kinds, fine, basis, proc, decided_at, published_at, search, state, due_at, release_at, late, fed, indexed)
VALUES (`+sqlkit.List(21, 1)+`)
ON CONFLICT (case_id) DO NOTHING`, d.CaseID, d.Number, d.Code, d.District, d.Violation, d.ViolationName, string(d.PartyKind),
		d.Party, string(kinds), d.Fine, d.Basis, string(d.Procedure), sqlkit.Micros(d.DecidedAt), micros0(published), search,
		string(state), micros0(d.DueAt), sqlkit.Micros(release), sqlkit.Bool(late), int64(fed), indexed)
	if err != nil {
		return fmt.Errorf("publish decision: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 1 && state == enforce.PubPublished {
		if err := bump(ctx, tx, d.District, sqlkit.Micros(d.DecidedAt), 1); err != nil {
			return err
		}
		return writeTerms(ctx, tx, d.CaseID, d.DecidedAt, d.District, d.Violation, d.ViolationName, d.Number, d.Code, d.Party)
	}
	return nil
}

// bucketMicros is the width of a count bucket: 30 days of decided_at.
const bucketMicros int64 = 2_592_000_000_000

// bump adds delta to the published count of district's bucket of decided.
func bump(ctx context.Context, tx *sql.Tx, district string, decided, delta int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO enforce_disclosure_counts (district, bucket, n) VALUES ($1, $2, $3)
ON CONFLICT (district, bucket) DO UPDATE SET n = enforce_disclosure_counts.n + excluded.n`, district, decided/bucketMicros, delta); err != nil {
		return fmt.Errorf("count publication: %w", err)
	}
	return nil
}

// micros0 is t in microseconds, 0 for the zero time.
func micros0(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return sqlkit.Micros(t)
}

func time0(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return sqlkit.Time(v)
}

// writeTerms indexes one published decision: the [Terms] of its number,
// code and party label, and its violation, whose name it records once.
func writeTerms(ctx context.Context, tx *sql.Tx, caseID string, decided time.Time, district, violation, name string, texts ...string) error {
	terms := append(Terms(texts...), violationTerm(violation))
	if _, err := tx.ExecContext(ctx, `INSERT INTO enforce_disclosure_violations (violation, name) VALUES ($1, $2)
ON CONFLICT (violation) DO NOTHING`, violation, strings.ToLower(name)); err != nil {
		return fmt.Errorf("record violation %s: %w", violation, err)
	}
	args := make([]any, 0, 4*len(terms))
	for _, t := range terms {
		args = append(args, t, sqlkit.Micros(decided), caseID, district)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO enforce_disclosure_terms (term, decided_at, case_id, district) VALUES `+
		sqlkit.Placeholders(len(terms), 4, 1)+` ON CONFLICT DO NOTHING`, args...); err != nil {
		return fmt.Errorf("index publication %s: %w", caseID, err)
	}
	return nil
}

// releaseOnService moves the release of a pending publication up to the
// service of its decision: the publication job publishes it on its next run.
func releaseOnService(ctx context.Context, tx *sql.Tx, c *enforce.Case) error {
	if c.ServedAt == nil || c.Decision == nil {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE enforce_disclosures SET release_at = $2
WHERE case_id = $1 AND state = 'pending' AND release_at > $2`, c.ID, sqlkit.Micros(*c.ServedAt))
	if err != nil {
		return fmt.Errorf("release the publication on service: %w", err)
	}
	return nil
}

// releaseBatch bounds one transaction of ReleaseDue.
const releaseBatch = 500

// ReleaseDue publishes the pending publications whose release time has
// come, a batch per transaction, each indexed and queued for the hub, late
// when past its 7 working days; then flags the pending ones past due.
func (db *DB) ReleaseDue(ctx context.Context, now time.Time) (enforce.Released, error) {
	var out enforce.Released
	for {
		n := 0
		err := db.tx(ctx, func(tx *sql.Tx) error {
			n = 0
			rows, err := tx.QueryContext(ctx, `SELECT case_id, number, code, violation, violation_name, party_label, district, decided_at, due_at
FROM enforce_disclosures WHERE state = 'pending' AND release_at <= $1 ORDER BY release_at LIMIT $2`, sqlkit.Micros(now), releaseBatch)
			if err != nil {
				return err
			}
			type due struct {
				id, number, code, violation, name, party, district string
				decided, dueAt                                     int64
			}
			var list []due
			for rows.Next() {
				var d due
				if err := rows.Scan(&d.id, &d.number, &d.code, &d.violation, &d.name, &d.party, &d.district, &d.decided, &d.dueAt); err != nil {
					rows.Close()
					return err
				}
				list = append(list, d)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, d := range list {
				late := d.dueAt > 0 && sqlkit.Micros(now) > d.dueAt
				if _, err := tx.ExecContext(ctx, `UPDATE enforce_disclosures SET state = 'published', published_at = $2, late = $3,
fed = 0, indexed = 1 WHERE case_id = $1 AND state = 'pending'`, d.id, sqlkit.Micros(now), sqlkit.Bool(late)); err != nil {
					return err
				}
				if err := writeTerms(ctx, tx, d.id, sqlkit.Time(d.decided), d.district, d.violation, d.name, d.number, d.code, d.party); err != nil {
					return err
				}
				if err := bump(ctx, tx, d.district, d.decided, 1); err != nil {
					return err
				}
				if late {
					out.Late++
				}
			}
			n = len(list)
			return nil
		})
		if err != nil {
			return out, fmt.Errorf("publish due decisions: %w", err)
		}
		out.Published += n
		if n < releaseBatch {
			break
		}
	}
	if _, err := db.w.ExecContext(ctx, `UPDATE enforce_disclosures SET late = 1
WHERE state = 'pending' AND due_at > 0 AND due_at < $1 AND late = 0`, sqlkit.Micros(now)); err != nil {
		return out, fmt.Errorf("flag overdue publications: %w", sqlkit.Norm(err))
	}
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM enforce_disclosures WHERE state = 'pending' AND late = 1`).Scan(&out.Overdue); err != nil {
		return out, fmt.Errorf("count overdue publications: %w", sqlkit.Norm(err))
	}
	return out, nil
}

// WithdrawPublication withdraws the publication of a case: off the public
// listing and its index at once, and queued for a delete in the hub when
// it had been published.
func (db *DB) WithdrawPublication(ctx context.Context, caseID string, w enforce.Withdrawal) (enforce.Publication, error) {
	body, err := json.Marshal(w)
	if err != nil {
		return enforce.Publication{}, fmt.Errorf("encode withdrawal: %w", err)
	}
	var p enforce.Publication
	err = db.tx(ctx, func(tx *sql.Tx) error {
		cur, err := scanPublication(tx.QueryRowContext(ctx, `SELECT `+pubColumns+` FROM enforce_disclosures d WHERE d.case_id = $1`, caseID))
		if err != nil {
			if errs.Is(sqlkit.Norm(err), errs.KindNotFound) {
				return errs.NotFound("执法案件 %s 没有公开的处罚决定 / penalty case %s has no published decision", caseID, caseID)
			}
			return err
		}
		if cur.State == enforce.PubWithdrawn {
			return errs.Conflict("决定书 %s 的公开已于 %s 撤回 / the publication of %s was withdrawn on %s",
				cur.Number, cur.Withdrawn.At.Format(time.DateOnly), cur.Number, cur.Withdrawn.At.Format(time.DateOnly))
		}
		// A pending one was never public: nothing to delete in the hub.
		fed := sqlkit.Bool(cur.State == enforce.PubPending)
		if _, err := tx.ExecContext(ctx, `UPDATE enforce_disclosures SET state = 'withdrawn', withdrawal = $2, fed = $3, indexed = 0
WHERE case_id = $1`, caseID, string(body), fed); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM enforce_disclosure_terms WHERE case_id = $1`, caseID); err != nil {
			return err
		}
		if cur.State == enforce.PubPublished {
			if err := bump(ctx, tx, cur.District, sqlkit.Micros(cur.DecidedAt), -1); err != nil {
				return err
			}
		}
		cur.State, cur.Withdrawn = enforce.PubWithdrawn, &w
		p = cur
		return nil
	})
	if err != nil {
		return enforce.Publication{}, fmt.Errorf("withdraw publication of %s: %w", caseID, err)
	}
	return p, nil
}

// FindPublication reads the publication of a case, whatever its state.
func (db *DB) FindPublication(ctx context.Context, caseID string) (enforce.Publication, error) {
	p, err := scanPublication(db.r.QueryRowContext(ctx, `SELECT `+pubColumns+` FROM enforce_disclosures d WHERE d.case_id = $1`, caseID))
	if err != nil {
		if errs.Is(sqlkit.Norm(err), errs.KindNotFound) {
			return p, errs.NotFound("执法案件 %s 没有处罚决定公开记录 / penalty case %s has no publication", caseID, caseID)
		}
		return p, fmt.Errorf("find publication of %s: %w", caseID, sqlkit.Norm(err))
	}
	return p, nil
}

// Unfed lists publications whose current state the hub has not received.
func (db *DB) Unfed(ctx context.Context, limit int) ([]enforce.Publication, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+pubColumns+` FROM enforce_disclosures d
WHERE d.fed = 0 AND d.state <> 'pending' ORDER BY d.case_id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("list unfed publications: %w", sqlkit.Norm(err))
	}
	defer rows.Close()
	var out []enforce.Publication
	for rows.Next() {
		p, err := scanPublication(rows)
		if err != nil {
			return nil, fmt.Errorf("list unfed publications: %w", sqlkit.Norm(err))
		}
		out = append(out, p)
	}
	return out, sqlkit.Norm(rows.Err())
}

// MarkFed records that the hub has the publication in state.
func (db *DB) MarkFed(ctx context.Context, caseID string, state enforce.PubState) error {
	if _, err := db.w.ExecContext(ctx, `UPDATE enforce_disclosures SET fed = 1 WHERE case_id = $1 AND state = $2 AND fed = 0`,
		caseID, string(state)); err != nil {
		return fmt.Errorf("mark publication %s fed: %w", caseID, sqlkit.Norm(err))
	}
	return nil
}

// indexMissing writes the terms of published decisions stored before the
// index existed (migration 00002), in batches.
func (db *DB) indexMissing(ctx context.Context) error {
	for {
		n := 0
		err := db.tx(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT case_id, number, code, violation, violation_name, party_label, district, decided_at
FROM enforce_disclosures WHERE state = 'published' AND indexed = 0 LIMIT 500`)
			if err != nil {
				return err
			}
			type row struct {
				id, number, code, violation, name, party, district string
				decided                                            int64
			}
			var list []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.id, &r.number, &r.code, &r.violation, &r.name, &r.party, &r.district, &r.decided); err != nil {
					rows.Close()
					return err
				}
				list = append(list, r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, r := range list {
				if err := writeTerms(ctx, tx, r.id, sqlkit.Time(r.decided), r.district, r.violation, r.name, r.number, r.code, r.party); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE enforce_disclosures SET indexed = 1 WHERE case_id = $1`, r.id); err != nil {
					return err
				}
			}
			n = len(list)
			return nil
		})
		if err != nil {
			return fmt.Errorf("index earlier publications: %w", err)
		}
		if n < 500 {
			return nil
		}
	}
}

func scanPublication(sc interface{ Scan(...any) error }) (enforce.Publication, error) {
	var p enforce.Publication
	var kind, kinds, proc, state, withdrawal string
	var decided, published, due, release, late int64
	if err := sc.Scan(&p.CaseID, &p.Number, &p.Code, &p.District, &p.Violation, &p.ViolationName, &kind, &p.Party,
		&kinds, &p.Fine, &p.Basis, &proc, &decided, &published, &state, &due, &release, &late, &withdrawal); err != nil {
		return p, err
	}
	p.PartyKind, p.Procedure, p.DecidedAt, p.PublishedAt = enforce.PartyKind(kind), enforce.Procedure(proc), sqlkit.Time(decided), time0(published)
	p.State, p.DueAt, p.ReleaseAt, p.Late = enforce.PubState(state), time0(due), time0(release), late != 0
	p.Disclosure.DueAt, p.Disclosure.ReleaseAt = p.DueAt, p.ReleaseAt
	if err := json.Unmarshal([]byte(kinds), &p.Kinds); err != nil {
		return p, fmt.Errorf("decode disclosure kinds: %w", err)
	}
	if withdrawal != "" {
		p.Withdrawn = &enforce.Withdrawal{}
		if err := json.Unmarshal([]byte(withdrawal), p.Withdrawn); err != nil {
			return p, fmt.Errorf("decode withdrawal: %w", err)
		}
	}
	return p, nil
}

// FindDisclosures searches the published decisions, newest decision
// first. Without words it walks the state/district/decided_at indexes;
// with words it walks the postings of the rarest part of the query (a
// bounded probe of each estimates it) newest first and checks the other
// parts, the district and the period per posting by index.
func (db *DB) FindDisclosures(ctx context.Context, q enforce.DisclosureQuery) ([]enforce.Disclosure, int, error) {
	limit := q.Limit
	if limit <= 0 || limit > 200 {
		limit = 20
	}
	offset := max(q.Offset, 0)
	var inner string
	var args []any
	multi := false
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if strings.TrimSpace(q.Q) == "" {
		conds := []string{"d.state = 'published'"}
		if q.District != "" {
			conds = append(conds, "d.district = "+arg(q.District))
		}
		if q.From != nil {
			conds = append(conds, "d.decided_at >= "+arg(sqlkit.Micros(*q.From)))
		}
		if q.To != nil {
			conds = append(conds, "d.decided_at < "+arg(sqlkit.Micros(*q.To)))
		}
		inner = `SELECT d.case_id, d.decided_at FROM enforce_disclosures d WHERE ` + strings.Join(conds, " AND ")
	} else {
		vs, err := db.violationNames(ctx)
		if err != nil {
			return nil, 0, err
		}
		units := queryUnits(q.Q, vs)
		if len(units) == 0 {
			return []enforce.Disclosure{}, 0, nil
		}
		drive, counts, err := db.rarest(ctx, units)
		if err != nil {
			return nil, 0, err
		}
		multi = len(units) > 1
		conds := []string{unitSQL("t", units[drive], arg)}
		if q.District != "" {
			conds = append(conds, "t.district = "+arg(q.District))
		}
		if q.From != nil {
			conds = append(conds, "t.decided_at >= "+arg(sqlkit.Micros(*q.From)))
		}
		if q.To != nil {
			conds = append(conds, "t.decided_at < "+arg(sqlkit.Micros(*q.To)))
		}
		for i, u := range units {
			switch {
			case i == drive:
			case u.prefix == "" && counts[i] < setFactor*counts[drive]:
				// Few postings against the driver's: read them once into a
				// set the driver's rows are looked up in (in memory).
				conds = append(conds, "t.case_id IN (SELECT u.case_id FROM enforce_disclosure_terms u WHERE "+unitSQL("u", u, arg)+")")
			case u.prefix == "":
				// Many: probe them by primary key per driver row; they are
				// ordered by decided_at like the driver's, so successive
				// probes read neighbouring pages.
				conds = append(conds, "EXISTS (SELECT 1 FROM enforce_disclosure_terms u WHERE "+unitSQL("u", u, arg)+
					" AND u.decided_at = t.decided_at AND u.case_id = t.case_id)")
			default:
				conds = append(conds, "EXISTS (SELECT 1 FROM enforce_disclosure_terms u WHERE u.case_id = t.case_id AND "+unitSQL("u", u, arg)+")")
			}
		}
		sel := "SELECT t.case_id, t.decided_at"
		if d := units[drive]; d.prefix != "" || len(d.terms) > 1 {
			sel = "SELECT DISTINCT t.case_id, t.decided_at" // one decision may hold several terms of a prefix or set
		}
		inner = sel + ` FROM enforce_disclosure_terms t WHERE ` + strings.Join(conds, " AND ")
	}
	var total int
	out := []enforce.Disclosure{}
	var rows *sql.Rows
	var err error
	if multi {
		// Several parts: one pass finds the matches, counts them (a window)
		// and pages them; counting and paging apart would check every
		// candidate twice.
		ids, n, err := db.pageAndCount(ctx, inner, args, limit, offset)
		if err != nil {
			return nil, 0, err
		}
		if len(ids) == 0 {
			if offset == 0 {
				return out, 0, nil
			}
			if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+inner+`) m`, args...).Scan(&n); err != nil {
				return nil, 0, fmt.Errorf("count disclosures: %w", sqlkit.Norm(err))
			}
			return out, n, nil
		}
		total = n
		rows, err = db.r.QueryContext(ctx, `SELECT `+pubColumns+` FROM enforce_disclosures d WHERE d.case_id IN (`+sqlkit.List(len(ids), 1)+`)
ORDER BY d.decided_at DESC, d.case_id DESC`, anys(ids)...)
		if err != nil {
			return nil, 0, fmt.Errorf("search disclosures: %w", sqlkit.Norm(err))
		}
	} else {
		if strings.TrimSpace(q.Q) == "" {
			if total, err = db.countPublished(ctx, q); err != nil {
				return nil, 0, err
			}
		} else if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+inner+`) m`, args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("count disclosures: %w", sqlkit.Norm(err))
		}
		if total == 0 || offset >= total {
			return out, total, nil
		}
		page := inner + ` ORDER BY decided_at DESC, case_id DESC LIMIT ` + arg(limit) + ` OFFSET ` + arg(offset)
		rows, err = db.r.QueryContext(ctx, `SELECT `+pubColumns+` FROM (`+page+`) m JOIN enforce_disclosures d ON d.case_id = m.case_id
ORDER BY d.decided_at DESC, d.case_id DESC`, args...)
		if err != nil {
			return nil, 0, fmt.Errorf("search disclosures: %w", sqlkit.Norm(err))
		}
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPublication(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("search disclosures: %w", sqlkit.Norm(err))
		}
		d := p.Disclosure
		d.DueAt, d.ReleaseAt = time.Time{}, time.Time{}
		out = append(out, d)
	}
	return out, total, sqlkit.Norm(rows.Err())
}

// pageAndCount runs the search inner once: the ids of one page, newest
// first, and the number of all matches.
func (db *DB) pageAndCount(ctx context.Context, inner string, args []any, limit, offset int) ([]string, int, error) {
	n := len(args)
	rows, err := db.r.QueryContext(ctx, `SELECT case_id, COUNT(*) OVER () FROM (`+inner+`) x ORDER BY decided_at DESC, case_id DESC`+
		fmt.Sprintf(` LIMIT $%d OFFSET $%d`, n+1, n+2), append(slices.Clone(args), limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("search disclosures: %w", sqlkit.Norm(err))
	}
	defer rows.Close()
	var ids []string
	total := 0
	for rows.Next() {
		var id string
		if err := rows.Scan(&id, &total); err != nil {
			return nil, 0, fmt.Errorf("search disclosures: %w", sqlkit.Norm(err))
		}
		ids = append(ids, id)
	}
	return ids, total, sqlkit.Norm(rows.Err())
}

// countPublished counts the published decisions of a listing without
// words: whole buckets inside the period from enforce_disclosure_counts,
// the rows of the (at most two) buckets the period cuts by index.
func (db *DB) countPublished(ctx context.Context, q enforce.DisclosureQuery) (int, error) {
	lo, hi := int64(-1<<62), int64(1<<62) // decided_at in [lo, hi)
	if q.From != nil {
		lo = sqlkit.Micros(*q.From)
	}
	if q.To != nil {
		hi = sqlkit.Micros(*q.To)
	}
	if lo >= hi {
		return 0, nil
	}
	// Whole buckets: those starting at or after lo and ending at or before hi.
	first, last := ceilDiv(lo, bucketMicros), hi/bucketMicros-1
	if hi < 0 {
		last = -(-hi+bucketMicros-1)/bucketMicros - 1
	}
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	dist := "TRUE"
	if q.District != "" {
		dist = "district = " + arg(q.District)
	}
	total := 0
	if first <= last {
		var n sql.NullInt64
		if err := db.r.QueryRowContext(ctx, `SELECT SUM(n) FROM enforce_disclosure_counts WHERE `+dist+
			` AND bucket >= `+arg(first)+` AND bucket <= `+arg(last), args...).Scan(&n); err != nil {
			return 0, fmt.Errorf("count disclosures: %w", sqlkit.Norm(err))
		}
		total = int(n.Int64)
	} else {
		first, last = 1, 0 // no whole bucket: count the whole period by rows
	}
	edges := [][2]int64{}
	if first <= last {
		edges = append(edges, [2]int64{lo, first * bucketMicros}, [2]int64{(last + 1) * bucketMicros, hi})
	} else {
		edges = append(edges, [2]int64{lo, hi})
	}
	for _, e := range edges {
		if e[0] >= e[1] {
			continue
		}
		eargs := []any{e[0], e[1]}
		cond := "state = 'published' AND decided_at >= $1 AND decided_at < $2"
		if q.District != "" {
			cond += " AND district = $3"
			eargs = append(eargs, q.District)
		}
		var n int
		if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM enforce_disclosures WHERE `+cond, eargs...).Scan(&n); err != nil {
			return 0, fmt.Errorf("count disclosures: %w", sqlkit.Norm(err))
		}
		total += n
	}
	return total, nil
}

// ceilDiv is a/b rounded up, for b > 0.
func ceilDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a > 0 {
		q++
	}
	return q
}

// unitSQL is the condition of u on the terms table alias a.
func unitSQL(a string, u unit, arg func(any) string) string {
	if u.prefix != "" {
		return a + ".term >= " + arg(u.prefix) + " AND " + a + ".term < " + arg(prefixEnd(u.prefix))
	}
	if len(u.terms) == 1 {
		return a + ".term = " + arg(u.terms[0])
	}
	marks := make([]string, len(u.terms))
	for i, t := range u.terms {
		marks[i] = arg(t)
	}
	return a + ".term IN (" + strings.Join(marks, ", ") + ")"
}

// violationNames are the violations of published decisions by code, with
// their lower-cased names (a few dozen rows).
func (db *DB) violationNames(ctx context.Context) (map[string]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT violation, name FROM enforce_disclosure_violations`)
	if err != nil {
		return nil, fmt.Errorf("read violation names: %w", sqlkit.Norm(err))
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var code, name string
		if err := rows.Scan(&code, &name); err != nil {
			return nil, fmt.Errorf("read violation names: %w", sqlkit.Norm(err))
		}
		out[code] = name
	}
	return out, sqlkit.Norm(rows.Err())
}

// probeCap bounds the postings counted to estimate a part's rarity;
// setFactor is how many times the driver's postings a part may have to be
// read as a set rather than probed per driver row (a capped count counts
// as probeCap: a set when the driver is big anyway).
const (
	probeCap  = 5000
	setFactor = 4
)

// rarest is the index of the unit with the fewest postings, and every
// unit's postings counted up to probeCap: cheap, and enough to pick a
// selective driver and how to check the others.
func (db *DB) rarest(ctx context.Context, units []unit) (int, []int, error) {
	counts := make([]int, len(units))
	if len(units) == 1 {
		return 0, counts, nil
	}
	best := 0
	for i, u := range units {
		var args []any
		cond := unitSQL("t", u, func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) })
		if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM enforce_disclosure_terms t WHERE `+cond+
			fmt.Sprintf(" LIMIT %d) p", probeCap), args...).Scan(&counts[i]); err != nil {
			return 0, nil, fmt.Errorf("estimate search term: %w", sqlkit.Norm(err))
		}
		if counts[i] == 0 {
			return i, counts, nil // nothing has it: the search is empty, and fast
		}
		// On a tie (every count capped) the later exact part drives: a
		// query's later words are its narrower ones as often as not, and a
		// set (a violation or a name) drives better than it is read as a
		// set (measured: 夫子庙 烧烤 115 ms → 48 ms).
		if counts[i] < counts[best] || (counts[i] == counts[best] && u.prefix == "") {
			best = i
		}
	}
	return best, counts, nil
}

// likeEscape escapes LIKE's wildcards (the benchmark's LIKE scan).
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
