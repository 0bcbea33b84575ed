package enforcestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
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
		return db.indexDecision(ctx, tx, d.CaseID)
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
			rows, err := tx.QueryContext(ctx, `SELECT case_id, district, decided_at, due_at
FROM enforce_disclosures WHERE state = 'pending' AND release_at <= $1 ORDER BY release_at LIMIT $2`, sqlkit.Micros(now), releaseBatch)
			if err != nil {
				return err
			}
			type due struct {
				id, district   string
				decided, dueAt int64
			}
			var list []due
			for rows.Next() {
				var d due
				if err := rows.Scan(&d.id, &d.district, &d.decided, &d.dueAt); err != nil {
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
				if err := db.indexDecision(ctx, tx, d.id); err != nil {
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
		if err := db.unindexDecision(ctx, tx, caseID); err != nil {
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
			list, err := caseIDs(ctx, tx, `SELECT case_id FROM enforce_disclosures WHERE state = 'published' AND indexed = 0 LIMIT 500`)
			if err != nil {
				return err
			}
			for _, id := range list {
				if err := db.indexDecision(ctx, tx, id); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE enforce_disclosures SET indexed = 1 WHERE case_id = $1`, id); err != nil {
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
// with words it asks the full-text index (see search.go).
func (db *DB) FindDisclosures(ctx context.Context, q enforce.DisclosureQuery) ([]enforce.Disclosure, int, error) {
	limit := q.Limit
	if limit <= 0 || limit > 200 {
		limit = 20
	}
	offset := max(q.Offset, 0)
	if strings.TrimSpace(q.Q) != "" {
		return db.searchWords(ctx, q, limit, offset)
	}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
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
	out := []enforce.Disclosure{}
	total, err := db.countPublished(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	if total == 0 || offset >= total {
		return out, total, nil
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+pubColumns+` FROM enforce_disclosures d WHERE `+strings.Join(conds, " AND ")+`
ORDER BY d.decided_at DESC, d.case_id DESC LIMIT `+arg(limit)+` OFFSET `+arg(offset), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("search disclosures: %w", sqlkit.Norm(err))
	}
	defer rows.Close()
	for rows.Next() {
		d, err := scanDisclosure(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, d)
	}
	return out, total, sqlkit.Norm(rows.Err())
}

// scanDisclosure reads a publication as the public sees it: without the
// publication's own deadlines.
func scanDisclosure(sc interface{ Scan(...any) error }) (enforce.Disclosure, error) {
	p, err := scanPublication(sc)
	if err != nil {
		return enforce.Disclosure{}, fmt.Errorf("search disclosures: %w", sqlkit.Norm(err))
	}
	d := p.Disclosure
	d.DueAt, d.ReleaseAt = time.Time{}, time.Time{}
	return d, nil
}

// caseIDs runs a query of case ids in tx.
func caseIDs(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
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

// likeEscape escapes LIKE's wildcards (the benchmark's LIKE scan).
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
