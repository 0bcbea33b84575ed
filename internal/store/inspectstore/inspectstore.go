package inspectstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"cityloop/internal/errs"
	"cityloop/internal/inspect"
	"cityloop/internal/store/sqlkit"
)

var _ inspect.Store = (*DB)(nil)

// sealedPrefix starts every sealed value; anything else was stored in plain.
const sealedPrefix = "v1:"

func aad(planID string, parts ...string) string {
	return "inspection/" + planID + "/" + strings.Join(parts, "/")
}

// seal encrypts a personal value bound to its place; "" stays "".
func (db *DB) seal(plain, aad string) (string, error) {
	if db.keys == nil || plain == "" {
		return plain, nil
	}
	s, err := db.keys.Encrypt(plain, aad)
	if err != nil {
		return "", fmt.Errorf("seal %s: %w", aad, err)
	}
	return s, nil
}

// openPII reads a sealed personal value. One that cannot be opened (a lost
// key) reads as empty rather than making the whole plan unreadable, as in
// sqlstore; plain values pass through.
func (db *DB) openPII(stored, aad string) string {
	if !strings.HasPrefix(stored, sealedPrefix) {
		return stored
	}
	if db.keys == nil {
		return ""
	}
	plain, err := db.keys.Decrypt(stored, aad)
	if err != nil {
		return ""
	}
	return plain
}

// CreatePlan inserts a draft with its lists.
func (db *DB) CreatePlan(ctx context.Context, p *inspect.Plan) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO inspection_plans (id, name, period, district, draw_count, per_object, result_days,
status, version, object_count, inspector_count, created_by, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			p.ID, p.Name, p.Period, p.District, p.Count, p.PerObject, p.ResultDays, string(p.Status), p.Version,
			len(p.Objects), len(p.Inspectors), p.CreatedBy, sqlkit.Micros(p.CreatedAt), sqlkit.Micros(p.UpdatedAt))
		if err != nil {
			return fmt.Errorf("insert plan %s: %w", p.ID, err)
		}
		return db.insertLists(ctx, tx, p)
	})
}

// UpdatePlan replaces a draft's content, only while it is a draft at
// p.Version; the lists are rewritten in the same transaction.
func (db *DB) UpdatePlan(ctx context.Context, p *inspect.Plan) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE inspection_plans SET name = $1, period = $2, district = $3, draw_count = $4,
per_object = $5, result_days = $6, object_count = $7, inspector_count = $8, updated_at = $9, version = version + 1
WHERE id = $10 AND status = 'draft' AND version = $11`,
			p.Name, p.Period, p.District, p.Count, p.PerObject, p.ResultDays, len(p.Objects), len(p.Inspectors),
			sqlkit.Micros(p.UpdatedAt), p.ID, p.Version)
		if err != nil {
			return fmt.Errorf("update plan %s: %w", p.ID, err)
		}
		if err := db.changed(ctx, tx, res, p.ID, "draft"); err != nil {
			return err
		}
		for _, t := range []string{"inspection_objects", "inspection_inspectors", "inspection_conflicts"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE plan_id = $1`, p.ID); err != nil {
				return fmt.Errorf("update plan %s: clear %s: %w", p.ID, t, err)
			}
		}
		return db.insertLists(ctx, tx, p)
	})
}

// changed turns an UPDATE that matched no row into NotFound (no plan) or
// Conflict (the plan is not in the state wanted, or moved on).
func (db *DB) changed(ctx context.Context, tx *sql.Tx, res sql.Result, id, want string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("plan %s: %w", id, err)
	}
	if n == 1 {
		return nil
	}
	var status string
	err = tx.QueryRowContext(ctx, `SELECT status FROM inspection_plans WHERE id = $1`, id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.NotFound("没有抽查计划 %s / no inspection plan %s", id, id)
	}
	if err != nil {
		return fmt.Errorf("plan %s: %w", id, err)
	}
	switch {
	case want == "draft" && status != "draft":
		return errs.Conflict("计划 %s 已公布抽取承诺，不能再修改 / the seed of plan %s is committed; the plan can no longer change", id, id).
			With("status", status)
	case want == "committed" && status == "drawn":
		return errs.Conflict("计划 %s 已抽取，结果不可重抽 / plan %s is already drawn; a draw is never repeated", id, id).With("status", status)
	case status != want:
		return errs.Conflict("计划 %s 处于“%s”状态 / plan %s is %s", id, inspect.StatusName(inspect.Status(status)), id, status).With("status", status)
	}
	return errs.Conflict("计划 %s 已被他人修改，请重新读取 / plan %s was changed by someone else; read it again", id, id)
}

// insertLists writes a plan's objects, inspectors and conflicts, sealing
// the personal fields. Each batch of rows travels as one JSON parameter
// (see jsonRows): a statement of thousands of parameters costs modernc's
// SQLite more to prepare and bind than the insert itself.
func (db *DB) insertLists(ctx context.Context, tx *sql.Tx, p *inspect.Plan) error {
	objects := make([][]string, 0, len(p.Objects))
	for _, o := range p.Objects {
		contact, err := db.seal(o.Contact, aad(p.ID, "object", o.ID, "contact"))
		if err != nil {
			return err
		}
		phone, err := db.seal(o.Phone, aad(p.ID, "object", o.ID, "phone"))
		if err != nil {
			return err
		}
		objects = append(objects, []string{o.ID, o.Name, string(o.Kind), o.District, o.Address, contact, phone})
	}
	if err := db.insertRows(ctx, tx, `INSERT INTO inspection_objects (plan_id, id, name, kind, district, address, contact, phone)
SELECT $1, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5, j.value ->> 6 FROM `+db.jsonRows("$2"), p.ID, objects); err != nil {
		return fmt.Errorf("insert objects of plan %s: %w", p.ID, err)
	}
	inspectors := make([][]string, 0, len(p.Inspectors))
	for _, x := range p.Inspectors {
		phone, err := db.seal(x.Phone, aad(p.ID, "inspector", x.ID, "phone"))
		if err != nil {
			return err
		}
		inspectors = append(inspectors, []string{x.ID, x.Name, x.Certificate, x.District, sqlkit.Strings(x.Excluded), phone})
	}
	if err := db.insertRows(ctx, tx, `INSERT INTO inspection_inspectors (plan_id, id, name, certificate, district, excluded, phone)
SELECT $1, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5 FROM `+db.jsonRows("$2"), p.ID, inspectors); err != nil {
		return fmt.Errorf("insert inspectors of plan %s: %w", p.ID, err)
	}
	conflicts := make([][]string, 0, len(p.Conflicts))
	for _, c := range p.Conflicts {
		reason, err := db.seal(c.Reason, aad(p.ID, "conflict", c.Inspector, c.Object, "reason"))
		if err != nil {
			return err
		}
		conflicts = append(conflicts, []string{c.Inspector, c.Object, reason})
	}
	if err := db.insertRows(ctx, tx, `INSERT INTO inspection_conflicts (plan_id, inspector_id, object_id, reason)
SELECT $1, j.value ->> 0, j.value ->> 1, j.value ->> 2 FROM `+db.jsonRows("$2"), p.ID, conflicts); err != nil {
		return fmt.Errorf("insert conflicts of plan %s: %w", p.ID, err)
	}
	return nil
}

// jsonRows is a table source, alias j, of the rows of one JSON parameter
// mark holding an array of arrays of strings; column k of a row is
// j.value ->> k on both databases.
func (db *DB) jsonRows(mark string) string {
	if db.dialect == DialectPostgres {
		return "jsonb_array_elements(" + mark + "::jsonb) AS j(value)"
	}
	return "json_each(" + mark + ") AS j"
}

// insertRows runs q ($1 the plan, $2 the JSON rows) over rows in batches
// of a few thousand, so that no parameter grows without bound.
func (db *DB) insertRows(ctx context.Context, tx *sql.Tx, q, planID string, rows [][]string) error {
	const batch = 5000
	for from := 0; from < len(rows); from += batch {
		b, err := json.Marshal(rows[from:min(from+batch, len(rows))])
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, q, planID, string(b)); err != nil {
			return err
		}
	}
	return nil
}

// CommitPlan freezes a draft at version and stores the commitment with
// the seed, sealed.
func (db *DB) CommitPlan(ctx context.Context, id string, version int, c inspect.Commitment, seed []byte) error {
	sealed, err := db.seal(hex.EncodeToString(seed), aad(id, "seed"))
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE inspection_plans SET status = 'committed', version = version + 1
WHERE id = $1 AND status = 'draft' AND version = $2`, id, version)
		if err != nil {
			return fmt.Errorf("commit plan %s: %w", id, err)
		}
		if err := db.changed(ctx, tx, res, id, "draft"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO inspection_commitments (plan_id, plan_hash, seed_hash, seed, committed_at, committed_by)
VALUES ($1, $2, $3, $4, $5, $6)`, id, c.PlanHash, c.SeedHash, sealed, sqlkit.Micros(c.CommittedAt), c.CommittedBy); err != nil {
			return fmt.Errorf("commit plan %s: %w", id, err)
		}
		return nil
	})
}

// FindSeed reads a committed plan's seed.
func (db *DB) FindSeed(ctx context.Context, id string) ([]byte, error) {
	var stored string
	if err := db.r.QueryRowContext(ctx, `SELECT seed FROM inspection_commitments WHERE plan_id = $1`, id).Scan(&stored); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errs.NotFound("计划 %s 没有抽取承诺 / plan %s has no commitment", id, id)
		}
		return nil, fmt.Errorf("find seed of plan %s: %w", id, sqlkit.Norm(err))
	}
	plain := stored
	if strings.HasPrefix(stored, sealedPrefix) {
		if db.keys == nil {
			return nil, fmt.Errorf("find seed of plan %s: the seed is sealed but no keyring is configured", id)
		}
		var err error
		if plain, err = db.keys.Decrypt(stored, aad(id, "seed")); err != nil {
			return nil, fmt.Errorf("find seed of plan %s: %w", id, err)
		}
	}
	seed, err := hex.DecodeString(plain)
	if err != nil {
		return nil, fmt.Errorf("find seed of plan %s: %w", id, err)
	}
	return seed, nil
}

// SaveDraw moves a committed plan to drawn and stores the revealed seed
// and the result, in one transaction.
func (db *DB) SaveDraw(ctx context.Context, id string, d inspect.Draw) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE inspection_plans SET status = 'drawn', version = version + 1
WHERE id = $1 AND status = 'committed'`, id)
		if err != nil {
			return fmt.Errorf("save draw of plan %s: %w", id, err)
		}
		if err := db.changed(ctx, tx, res, id, "committed"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO inspection_draws (plan_id, seed, plan_hash, drawn_at, drawn_by) VALUES ($1, $2, $3, $4, $5)`,
			id, d.Seed, d.PlanHash, sqlkit.Micros(d.DrawnAt), d.DrawnBy); err != nil {
			return fmt.Errorf("save draw of plan %s: %w", id, err)
		}
		rows := make([][]string, 0, len(d.Assignments))
		for i, a := range d.Assignments {
			officers, err := json.Marshal(a.Inspectors)
			if err != nil {
				return fmt.Errorf("save draw of plan %s: %w", id, err)
			}
			rows = append(rows, []string{strconv.Itoa(i), a.Object.ID, a.Object.Name, string(a.Object.Kind), a.Object.District, a.Object.Address, string(officers)})
		}
		if err := db.insertRows(ctx, tx, `INSERT INTO inspection_results (plan_id, seq, object_id, object_name, object_kind, district, address, inspectors)
SELECT $1, CAST(j.value ->> 0 AS BIGINT), j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5, j.value ->> 6 FROM `+db.jsonRows("$2"), id, rows); err != nil {
			return fmt.Errorf("save draw of plan %s: %w", id, err)
		}
		return nil
	})
}

// SaveOutcome records or corrects the outcome of one drawn object.
func (db *DB) SaveOutcome(ctx context.Context, id string, o inspect.Outcome) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE inspection_results SET outcome = $1, note = $2, inspected_at = $3, recorded_at = $4,
recorded_by = $5, publish_by = $6 WHERE plan_id = $7 AND object_id = $8`,
			string(o.Kind), o.Note, sqlkit.Micros(o.InspectedAt), sqlkit.Micros(o.RecordedAt), o.RecordedBy, sqlkit.Micros(o.PublishBy), id, o.Object)
		if err != nil {
			return fmt.Errorf("save outcome of plan %s: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("save outcome of plan %s: %w", id, err)
		} else if n != 1 {
			return errs.NotFound("计划 %s 未抽中对象 %s / object %s was not drawn in plan %s", id, o.Object, o.Object, id)
		}
		return nil
	})
}

const planColumns = `id, name, period, district, draw_count, per_object, result_days, status, version, object_count, inspector_count,
created_by, created_at, updated_at`

func scanPlan(sc interface{ Scan(...any) error }) (*inspect.Plan, error) {
	p := &inspect.Plan{}
	var status string
	var created, updated int64
	if err := sc.Scan(&p.ID, &p.Name, &p.Period, &p.District, &p.Count, &p.PerObject, &p.ResultDays, &status, &p.Version,
		&p.ObjectCount, &p.InspectorCount, &p.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	p.Status = inspect.Status(status)
	p.CreatedAt, p.UpdatedAt = sqlkit.Time(created), sqlkit.Time(updated)
	return p, nil
}

// readTx is a read transaction of one snapshot: SQLite's WAL gives one
// per transaction; PostgreSQL needs repeatable read for it.
func (db *DB) readTx(ctx context.Context) (*sql.Tx, error) {
	if db.dialect == DialectPostgres {
		return db.r.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	}
	return db.r.BeginTx(ctx, nil)
}

// FindPlanByID reads a plan with everything.
func (db *DB) FindPlanByID(ctx context.Context, id string) (*inspect.Plan, error) {
	// One read transaction, so that the lists and the state are of one moment.
	tx, err := db.readTx(ctx)
	if err != nil {
		return nil, fmt.Errorf("find plan %s: %w", id, sqlkit.Norm(err))
	}
	defer tx.Rollback()
	p, err := scanPlan(tx.QueryRowContext(ctx, `SELECT `+planColumns+` FROM inspection_plans WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFound("没有抽查计划 %s / no inspection plan %s", id, id)
	}
	if err != nil {
		return nil, fmt.Errorf("find plan %s: %w", id, sqlkit.Norm(err))
	}
	if err := db.loadLists(ctx, tx, p); err != nil {
		return nil, err
	}
	if err := db.loadDraws(ctx, tx, []*inspect.Plan{p}); err != nil {
		return nil, err
	}
	return p, nil
}

func (db *DB) loadLists(ctx context.Context, tx *sql.Tx, p *inspect.Plan) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, name, kind, district, address, contact, phone FROM inspection_objects WHERE plan_id = $1 ORDER BY id`, p.ID)
	if err != nil {
		return fmt.Errorf("objects of plan %s: %w", p.ID, sqlkit.Norm(err))
	}
	p.Objects = []inspect.Object{}
	for rows.Next() {
		var o inspect.Object
		var kind string
		if err := rows.Scan(&o.ID, &o.Name, &kind, &o.District, &o.Address, &o.Contact, &o.Phone); err != nil {
			rows.Close()
			return fmt.Errorf("objects of plan %s: %w", p.ID, err)
		}
		o.Kind = inspect.ObjectKind(kind)
		o.Contact = db.openPII(o.Contact, aad(p.ID, "object", o.ID, "contact"))
		o.Phone = db.openPII(o.Phone, aad(p.ID, "object", o.ID, "phone"))
		p.Objects = append(p.Objects, o)
	}
	if err := closeRows(rows); err != nil {
		return fmt.Errorf("objects of plan %s: %w", p.ID, err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT id, name, certificate, district, excluded, phone FROM inspection_inspectors WHERE plan_id = $1 ORDER BY id`, p.ID)
	if err != nil {
		return fmt.Errorf("inspectors of plan %s: %w", p.ID, sqlkit.Norm(err))
	}
	p.Inspectors = []inspect.Inspector{}
	for rows.Next() {
		var x inspect.Inspector
		var excluded string
		if err := rows.Scan(&x.ID, &x.Name, &x.Certificate, &x.District, &excluded, &x.Phone); err != nil {
			rows.Close()
			return fmt.Errorf("inspectors of plan %s: %w", p.ID, err)
		}
		if err := json.Unmarshal([]byte(excluded), &x.Excluded); err != nil {
			rows.Close()
			return fmt.Errorf("inspector %s of plan %s: excluded districts: %w", x.ID, p.ID, err)
		}
		x.Phone = db.openPII(x.Phone, aad(p.ID, "inspector", x.ID, "phone"))
		p.Inspectors = append(p.Inspectors, x)
	}
	if err := closeRows(rows); err != nil {
		return fmt.Errorf("inspectors of plan %s: %w", p.ID, err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT inspector_id, object_id, reason FROM inspection_conflicts WHERE plan_id = $1 ORDER BY inspector_id, object_id`, p.ID)
	if err != nil {
		return fmt.Errorf("conflicts of plan %s: %w", p.ID, sqlkit.Norm(err))
	}
	p.Conflicts = []inspect.Conflict{}
	for rows.Next() {
		var c inspect.Conflict
		if err := rows.Scan(&c.Inspector, &c.Object, &c.Reason); err != nil {
			rows.Close()
			return fmt.Errorf("conflicts of plan %s: %w", p.ID, err)
		}
		c.Reason = db.openPII(c.Reason, aad(p.ID, "conflict", c.Inspector, c.Object, "reason"))
		p.Conflicts = append(p.Conflicts, c)
	}
	if err := closeRows(rows); err != nil {
		return fmt.Errorf("conflicts of plan %s: %w", p.ID, err)
	}
	return nil
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return sqlkit.Norm(err)
}

// loadDraws fills the commitment, draw and results of plans.
func (db *DB) loadDraws(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, plans []*inspect.Plan) error {
	if len(plans) == 0 {
		return nil
	}
	byID := map[string]*inspect.Plan{}
	ids := make([]string, 0, len(plans))
	for _, p := range plans {
		byID[p.ID] = p
		ids = append(ids, p.ID)
	}
	list := sqlkit.JSONList(db.dialect == DialectPostgres, "$1", "j")
	idsArg := sqlkit.Strings(ids)
	rows, err := q.QueryContext(ctx, `SELECT c.plan_id, c.plan_hash, c.seed_hash, c.committed_at, c.committed_by FROM inspection_commitments c
JOIN `+list+` ON c.plan_id = j.value`, idsArg)
	if err != nil {
		return fmt.Errorf("commitments: %w", sqlkit.Norm(err))
	}
	for rows.Next() {
		var id string
		var at int64
		c := &inspect.Commitment{}
		if err := rows.Scan(&id, &c.PlanHash, &c.SeedHash, &at, &c.CommittedBy); err != nil {
			rows.Close()
			return fmt.Errorf("commitments: %w", err)
		}
		c.CommittedAt = sqlkit.Time(at)
		byID[id].Commitment = c
	}
	if err := closeRows(rows); err != nil {
		return fmt.Errorf("commitments: %w", err)
	}
	rows, err = q.QueryContext(ctx, `SELECT d.plan_id, d.seed, d.plan_hash, d.drawn_at, d.drawn_by FROM inspection_draws d
JOIN `+list+` ON d.plan_id = j.value`, idsArg)
	if err != nil {
		return fmt.Errorf("draws: %w", sqlkit.Norm(err))
	}
	for rows.Next() {
		var id string
		var at int64
		d := &inspect.Draw{}
		if err := rows.Scan(&id, &d.Seed, &d.PlanHash, &at, &d.DrawnBy); err != nil {
			rows.Close()
			return fmt.Errorf("draws: %w", err)
		}
		d.DrawnAt = sqlkit.Time(at)
		d.Assignments = []inspect.Assignment{}
		byID[id].Draw = d
	}
	if err := closeRows(rows); err != nil {
		return fmt.Errorf("draws: %w", err)
	}
	rows, err = q.QueryContext(ctx, `SELECT r.plan_id, r.object_id, r.object_name, r.object_kind, r.district, r.address, r.inspectors,
r.outcome, r.note, r.inspected_at, r.recorded_at, r.recorded_by, r.publish_by
FROM inspection_results r JOIN `+list+` ON r.plan_id = j.value ORDER BY r.plan_id, r.seq`, idsArg)
	if err != nil {
		return fmt.Errorf("results: %w", sqlkit.Norm(err))
	}
	for rows.Next() {
		var id, kind, officers, outcome, note, by string
		var inspected, recorded, publishBy sql.Null[int64]
		var a inspect.Assignment
		if err := rows.Scan(&id, &a.Object.ID, &a.Object.Name, &kind, &a.Object.District, &a.Object.Address, &officers,
			&outcome, &note, &inspected, &recorded, &by, &publishBy); err != nil {
			rows.Close()
			return fmt.Errorf("results: %w", err)
		}
		a.Object.Kind = inspect.ObjectKind(kind)
		if err := json.Unmarshal([]byte(officers), &a.Inspectors); err != nil {
			rows.Close()
			return fmt.Errorf("results of plan %s: inspectors: %w", id, err)
		}
		if outcome != "" && inspected.Valid && recorded.Valid && publishBy.Valid {
			a.Outcome = &inspect.Outcome{Object: a.Object.ID, Kind: inspect.OutcomeKind(outcome), Note: note, InspectedAt: sqlkit.Time(inspected.V),
				RecordedAt: sqlkit.Time(recorded.V), RecordedBy: by, PublishBy: sqlkit.Time(publishBy.V)}
		}
		if p := byID[id]; p.Draw != nil {
			p.Draw.Assignments = append(p.Draw.Assignments, a)
		}
	}
	if err := closeRows(rows); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	return nil
}

// FindPlans lists plans newest first, without their lists.
func (db *DB) FindPlans(ctx context.Context, f inspect.Filter) ([]*inspect.Plan, int, error) {
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	statuses := make([]string, 0, len(f.Statuses))
	for _, s := range f.Statuses {
		statuses = append(statuses, string(s))
	}
	where, args := "", []any{}
	if len(statuses) > 0 {
		where = ` WHERE status IN (SELECT s.value FROM ` + sqlkit.JSONList(db.dialect == DialectPostgres, "$1", "s") + `)`
		args = append(args, sqlkit.Strings(statuses))
	}
	tx, err := db.readTx(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("find plans: %w", sqlkit.Norm(err))
	}
	defer tx.Rollback()
	var total int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM inspection_plans`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count plans: %w", sqlkit.Norm(err))
	}
	n := len(args)
	rows, err := tx.QueryContext(ctx, `SELECT `+planColumns+` FROM inspection_plans`+where+
		fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT $%d OFFSET $%d`, n+1, n+2), append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, fmt.Errorf("find plans: %w", sqlkit.Norm(err))
	}
	var plans []*inspect.Plan
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("find plans: %w", err)
		}
		plans = append(plans, p)
	}
	if err := closeRows(rows); err != nil {
		return nil, 0, fmt.Errorf("find plans: %w", err)
	}
	if err := db.loadDraws(ctx, tx, plans); err != nil {
		return nil, 0, fmt.Errorf("find plans: %w", err)
	}
	if plans == nil {
		plans = []*inspect.Plan{}
	}
	return plans, total, nil
}
