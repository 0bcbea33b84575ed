package hubstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/share"
	"cityloop/internal/store/sqlkit"
)

var _ share.Store = (*DB)(nil)

// Catalogue.

const datasetCols = "code, name, owner, description, schema, frequency, builtin, created_at, updated_at"

// PutDataset inserts or replaces a catalogue entry.
func (db *DB) PutDataset(ctx context.Context, d share.Dataset) error {
	_, err := db.exec(ctx, `INSERT INTO hub_datasets (`+datasetCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (code) DO UPDATE SET name = excluded.name, owner = excluded.owner, description = excluded.description,
schema = excluded.schema, frequency = excluded.frequency, updated_at = excluded.updated_at`,
		d.Code, d.Name, d.Owner, d.Description, string(d.Schema), d.Frequency, sqlkit.Bool(d.Builtin), sqlkit.Micros(d.CreatedAt), sqlkit.Micros(d.UpdatedAt))
	if err != nil {
		return fmt.Errorf("put dataset %s: %w", d.Code, err)
	}
	return nil
}

func scanDataset(s interface{ Scan(...any) error }) (share.Dataset, error) {
	var d share.Dataset
	var schema string
	var builtin, created, updated int64
	if err := s.Scan(&d.Code, &d.Name, &d.Owner, &d.Description, &schema, &d.Frequency, &builtin, &created, &updated); err != nil {
		return d, err
	}
	d.Schema, d.Builtin, d.CreatedAt, d.UpdatedAt = json.RawMessage(schema), builtin != 0, sqlkit.Time(created), sqlkit.Time(updated)
	return d, nil
}

// FindDatasets lists the catalogue by code.
func (db *DB) FindDatasets(ctx context.Context) ([]share.Dataset, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+datasetCols+` FROM hub_datasets ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("find datasets: %w", db.norm(err))
	}
	defer rows.Close()
	out := []share.Dataset{}
	for rows.Next() {
		d, err := scanDataset(rows)
		if err != nil {
			return nil, fmt.Errorf("find datasets: %w", db.norm(err))
		}
		out = append(out, d)
	}
	return out, db.norm(rows.Err())
}

// FindDatasetByCode returns one dataset or NotFound.
func (db *DB) FindDatasetByCode(ctx context.Context, code string) (*share.Dataset, error) {
	d, err := scanDataset(db.r.QueryRowContext(ctx, `SELECT `+datasetCols+` FROM hub_datasets WHERE code = $1`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFound("dataset %s does not exist; GET /api/v1/hub/datasets lists them", code)
	}
	if err != nil {
		return nil, fmt.Errorf("find dataset %s: %w", code, db.norm(err))
	}
	return &d, nil
}

// PublishRecords upserts records and appends their changes, in one transaction.
func (db *DB) PublishRecords(ctx context.Context, recs []share.Record, changes []share.Change) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for _, r := range recs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO hub_records (dataset, key, body, publisher, published_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (dataset, key) DO UPDATE SET body = excluded.body, publisher = excluded.publisher, published_at = excluded.published_at`,
				r.Dataset, r.Key, string(r.Body), r.Publisher, sqlkit.Micros(r.PublishedAt)); err != nil {
				return db.norm(err)
			}
		}
		_, err := db.appendChanges(ctx, tx, changes)
		return err
	})
	if err != nil {
		return fmt.Errorf("publish %d records: %w", len(recs), err)
	}
	return nil
}

// Outbox.

// TimelineIDsAfter lists case event ids greater than after, in order (see
// [Cases.EventIDsAfter]).
func (db *DB) TimelineIDsAfter(ctx context.Context, after string, limit int) ([]string, error) {
	cases, err := db.caseReader()
	if err != nil {
		return nil, err
	}
	return cases.EventIDsAfter(ctx, after, limit)
}

// TimelineEvents returns the case events with these ids, in id order, and
// their cases by id (see [Cases.FindEventsWithCases]).
func (db *DB) TimelineEvents(ctx context.Context, ids []string) ([]casework.Event, map[string]*casework.Case, error) {
	if len(ids) == 0 {
		return nil, nil, nil
	}
	cases, err := db.caseReader()
	if err != nil {
		return nil, nil, err
	}
	return cases.FindEventsWithCases(ctx, ids)
}

// AppendChanges stores the changes not yet in the outbox at consecutive
// positions and saves the feeder's watermark, in one transaction.
func (db *DB) AppendChanges(ctx context.Context, changes []share.Change, watermark string) (int, error) {
	var n int
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if n, err = db.appendChanges(ctx, tx, changes); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO hub_state (name, value) VALUES ('feeder.watermark', $1)
ON CONFLICT (name) DO UPDATE SET value = excluded.value`, watermark)
		return db.norm(err)
	})
	if err != nil {
		return 0, fmt.Errorf("append %d changes: %w", len(changes), err)
	}
	return n, nil
}

const changeCols = "pos, event_id, dataset, kind, case_id, source, department, external_ref, check_result, changed_at, fed_at, payload"

// appendChanges numbers and inserts changes whose event id is new. On
// PostgreSQL a transaction-scoped advisory lock serialises writers, so
// positions are handed out (and become visible) in order, without gaps.
func (db *DB) appendChanges(ctx context.Context, tx *sql.Tx, changes []share.Change) (int, error) {
	if len(changes) == 0 {
		return 0, nil
	}
	if db.dialect == DialectPostgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7311002)`); err != nil {
			return 0, db.norm(err)
		}
	}
	exists := map[string]bool{}
	for start := 0; start < len(changes); start += 500 {
		part := changes[start:min(start+500, len(changes))]
		args := make([]any, len(part))
		marks := make([]string, len(part))
		for i := range part {
			args[i], marks[i] = part[i].EventID, fmt.Sprintf("$%d", i+1)
		}
		rows, err := tx.QueryContext(ctx, `SELECT event_id FROM hub_events WHERE event_id IN (`+strings.Join(marks, ", ")+`)`, args...)
		if err != nil {
			return 0, db.norm(err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return 0, db.norm(err)
			}
			exists[id] = true
		}
		rows.Close()
	}
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(pos), 0) FROM hub_events`).Scan(&last); err != nil {
		return 0, db.norm(err)
	}
	var rowsArgs [][]any
	for i := range changes {
		c := &changes[i]
		if exists[c.EventID] {
			continue
		}
		exists[c.EventID] = true
		last++
		c.Pos = last
		rowsArgs = append(rowsArgs, []any{c.Pos, c.EventID, c.Dataset, c.Kind, c.CaseID, c.Source, c.Department, c.ExternalRef,
			sqlkit.Bool(c.CheckResult), sqlkit.Micros(c.ChangedAt), sqlkit.Micros(c.FedAt), string(c.Payload)})
	}
	const per = 200
	for start := 0; start < len(rowsArgs); start += per {
		part := rowsArgs[start:min(start+per, len(rowsArgs))]
		var args []any
		for _, r := range part {
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO hub_events (`+changeCols+`) VALUES `+sqlkit.Placeholders(len(part), 12, 1), args...); err != nil {
			return 0, db.norm(err)
		}
	}
	return len(rowsArgs), nil
}

func (db *DB) queryChanges(ctx context.Context, q string, args ...any) ([]share.Change, error) {
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read changes: %w", db.norm(err))
	}
	defer rows.Close()
	var out []share.Change
	for rows.Next() {
		var c share.Change
		var check, changed, fed int64
		var payload string
		if err := rows.Scan(&c.Pos, &c.EventID, &c.Dataset, &c.Kind, &c.CaseID, &c.Source, &c.Department, &c.ExternalRef,
			&check, &changed, &fed, &payload); err != nil {
			return nil, db.norm(err)
		}
		c.CheckResult, c.ChangedAt, c.FedAt, c.Payload = check != 0, sqlkit.Time(changed), sqlkit.Time(fed), json.RawMessage(payload)
		out = append(out, c)
	}
	return out, db.norm(rows.Err())
}

// ChangesAfter returns up to limit changes after pos, in order.
func (db *DB) ChangesAfter(ctx context.Context, pos int64, limit int) ([]share.Change, error) {
	return db.queryChanges(ctx, `SELECT `+changeCols+` FROM hub_events WHERE pos > $1 ORDER BY pos LIMIT $2`, pos, int64(limit))
}

// ChangesBetween returns the changes with first ≤ pos ≤ last.
func (db *DB) ChangesBetween(ctx context.Context, first, last int64) ([]share.Change, error) {
	return db.queryChanges(ctx, `SELECT `+changeCols+` FROM hub_events WHERE pos BETWEEN $1 AND $2 ORDER BY pos`, first, last)
}

// LastPos is the newest position, 0 for an empty outbox.
func (db *DB) LastPos(ctx context.Context) (int64, error) {
	var n int64
	if err := db.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(pos), 0) FROM hub_events`).Scan(&n); err != nil {
		return 0, fmt.Errorf("read last position: %w", db.norm(err))
	}
	return n, nil
}

// Subscriptions.

const subCols = "id, name, department, kind, url, secret, datasets, sources, actions, max_batch, active, cursor, created_by, created_at, updated_at"

func (db *DB) subArgs(s *share.Subscription) ([]any, error) {
	js := sqlkit.Strings
	secret, err := db.sealSecret(s.ID, s.Secret)
	if err != nil {
		return nil, err
	}
	return []any{s.ID, s.Name, s.Department, s.Kind, s.URL, secret, js(s.Datasets), js(s.Sources), js(s.Actions),
		int64(s.MaxBatch), sqlkit.Bool(s.Active), s.Cursor, s.CreatedBy, sqlkit.Micros(s.CreatedAt), sqlkit.Micros(s.UpdatedAt)}, nil
}

// CreateSubscription stores a new subscription.
func (db *DB) CreateSubscription(ctx context.Context, s *share.Subscription) error {
	args, err := db.subArgs(s)
	if err != nil {
		return fmt.Errorf("create subscription %s: %w", s.Name, err)
	}
	if _, err := db.exec(ctx, `INSERT INTO hub_subscriptions (`+subCols+`) VALUES `+sqlkit.Placeholders(1, 15, 1), args...); err != nil {
		return fmt.Errorf("create subscription %s: %w", s.Name, err)
	}
	return nil
}

// UpdateSubscription replaces a subscription's settings (not its cursor).
func (db *DB) UpdateSubscription(ctx context.Context, s *share.Subscription) error {
	a, err := db.subArgs(s)
	if err != nil {
		return fmt.Errorf("update subscription %s: %w", s.ID, err)
	}
	n, err := db.exec(ctx, `UPDATE hub_subscriptions SET name = $2, department = $3, kind = $4, url = $5, secret = $6, datasets = $7,
sources = $8, actions = $9, max_batch = $10, active = $11, updated_at = $15 WHERE id = $1`, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14])
	if err != nil {
		return fmt.Errorf("update subscription %s: %w", s.ID, err)
	}
	if n == 0 {
		return errs.NotFound("subscription %s does not exist", s.ID)
	}
	return nil
}

func (db *DB) scanSub(s interface{ Scan(...any) error }) (*share.Subscription, error) {
	var x share.Subscription
	var ds, src, acts string
	var maxBatch, active, created, updated int64
	if err := s.Scan(&x.ID, &x.Name, &x.Department, &x.Kind, &x.URL, &x.Secret, &ds, &src, &acts, &maxBatch, &active, &x.Cursor,
		&x.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(ds), &x.Datasets)
	_ = json.Unmarshal([]byte(src), &x.Sources)
	_ = json.Unmarshal([]byte(acts), &x.Actions)
	x.MaxBatch, x.Active, x.CreatedAt, x.UpdatedAt = int(maxBatch), active != 0, sqlkit.Time(created), sqlkit.Time(updated)
	secret, err := db.openSecret(x.ID, x.Secret)
	if err != nil {
		return nil, fmt.Errorf("subscription %s: %w", x.ID, err)
	}
	x.Secret = secret
	return &x, nil
}

// FindSubscriptions lists every subscription, oldest first.
func (db *DB) FindSubscriptions(ctx context.Context) ([]*share.Subscription, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+subCols+` FROM hub_subscriptions ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("find subscriptions: %w", db.norm(err))
	}
	defer rows.Close()
	out := []*share.Subscription{}
	for rows.Next() {
		s, err := db.scanSub(rows)
		if err != nil {
			return nil, db.norm(err)
		}
		out = append(out, s)
	}
	return out, db.norm(rows.Err())
}

// FindSubscriptionByID returns one subscription or NotFound.
func (db *DB) FindSubscriptionByID(ctx context.Context, id string) (*share.Subscription, error) {
	s, err := db.scanSub(db.r.QueryRowContext(ctx, `SELECT `+subCols+` FROM hub_subscriptions WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFound("subscription %s does not exist", id)
	}
	if err != nil {
		return nil, fmt.Errorf("find subscription %s: %w", id, db.norm(err))
	}
	return s, nil
}

// DeleteSubscription removes a subscription (its deliveries stay for the figures).
func (db *DB) DeleteSubscription(ctx context.Context, id string) error {
	n, err := db.exec(ctx, `DELETE FROM hub_subscriptions WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete subscription %s: %w", id, err)
	}
	if n == 0 {
		return errs.NotFound("subscription %s does not exist", id)
	}
	return nil
}

// SaveProgress moves cursors forward (never back) and records deliveries.
func (db *DB) SaveProgress(ctx context.Context, cursors map[string]int64, deliveries []share.Delivery) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for id, c := range cursors {
			if _, err := tx.ExecContext(ctx, `UPDATE hub_subscriptions SET cursor = $2 WHERE id = $1 AND cursor < $2`, id, c); err != nil {
				return db.norm(err)
			}
		}
		const per = 100
		for start := 0; start < len(deliveries); start += per {
			part := deliveries[start:min(start+per, len(deliveries))]
			var args []any
			for _, d := range part {
				args = append(args, d.ID, d.SubscriptionID, d.Department, d.FirstPos, d.LastPos, int64(d.Events), int64(d.Attempts),
					int64(d.HTTPStatus), d.DelayP50.Microseconds(), d.DelayMax.Microseconds(), int64(d.Checks), sqlkit.Micros(d.DeliveredAt))
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO hub_deliveries (id, subscription_id, department, first_pos, last_pos, events, attempts,
http_status, delay_p50_us, delay_max_us, checks, delivered_at) VALUES `+sqlkit.Placeholders(len(part), 12, 1)+` ON CONFLICT (id) DO NOTHING`, args...); err != nil {
				return db.norm(err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save delivery progress: %w", err)
	}
	return nil
}

const dlCols = "id, subscription_id, first_pos, last_pos, events, attempts, last_error, created_at, replayed_at"

// AddDeadLetter records a batch that failed every attempt.
func (db *DB) AddDeadLetter(ctx context.Context, d share.DeadLetter) error {
	_, err := db.exec(ctx, `INSERT INTO hub_dead_letters (`+dlCols+`) VALUES `+sqlkit.Placeholders(1, 9, 1),
		d.ID, d.SubscriptionID, d.FirstPos, d.LastPos, int64(d.Events), int64(d.Attempts), d.LastError, sqlkit.Micros(d.CreatedAt), sqlkit.MicrosOrNull(d.ReplayedAt))
	if err != nil {
		return fmt.Errorf("add dead letter %s: %w", d.ID, err)
	}
	return nil
}

func scanDL(s interface{ Scan(...any) error }) (share.DeadLetter, error) {
	var d share.DeadLetter
	var events, attempts, created int64
	var replayed sql.Null[int64]
	if err := s.Scan(&d.ID, &d.SubscriptionID, &d.FirstPos, &d.LastPos, &events, &attempts, &d.LastError, &created, &replayed); err != nil {
		return d, err
	}
	d.Events, d.Attempts, d.CreatedAt, d.ReplayedAt = int(events), int(attempts), sqlkit.Time(created), sqlkit.NullTime(replayed)
	return d, nil
}

// FindDeadLetters lists dead letters, newest first: of one subscription
// when subscriptionID is set, and only those not yet replayed unless
// includeReplayed.
func (db *DB) FindDeadLetters(ctx context.Context, subscriptionID string, includeReplayed bool) ([]share.DeadLetter, error) {
	q := `SELECT ` + dlCols + ` FROM hub_dead_letters WHERE ($1 = '' OR subscription_id = $1)`
	if !includeReplayed {
		q += ` AND replayed_at IS NULL`
	}
	rows, err := db.r.QueryContext(ctx, q+` ORDER BY created_at DESC LIMIT 1000`, subscriptionID)
	if err != nil {
		return nil, fmt.Errorf("find dead letters: %w", db.norm(err))
	}
	defer rows.Close()
	out := []share.DeadLetter{}
	for rows.Next() {
		d, err := scanDL(rows)
		if err != nil {
			return nil, db.norm(err)
		}
		out = append(out, d)
	}
	return out, db.norm(rows.Err())
}

// FindDeadLetterByID returns one dead letter or NotFound.
func (db *DB) FindDeadLetterByID(ctx context.Context, id string) (*share.DeadLetter, error) {
	d, err := scanDL(db.r.QueryRowContext(ctx, `SELECT `+dlCols+` FROM hub_dead_letters WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFound("dead letter %s does not exist", id)
	}
	if err != nil {
		return nil, fmt.Errorf("find dead letter %s: %w", id, db.norm(err))
	}
	return &d, nil
}

// MarkReplayed records a successful replay.
func (db *DB) MarkReplayed(ctx context.Context, id string, at time.Time) error {
	n, err := db.exec(ctx, `UPDATE hub_dead_letters SET replayed_at = $2 WHERE id = $1 AND replayed_at IS NULL`, id, sqlkit.Micros(at))
	if err != nil {
		return fmt.Errorf("mark dead letter %s replayed: %w", id, err)
	}
	if n == 0 {
		return errs.Conflict("dead letter %s was already replayed", id)
	}
	return nil
}

// DelayRows streams the deliveries of [from, to), and the hourly roll-ups
// of pruned deliveries (see prune.go) whose hour starts in it.
func (db *DB) DelayRows(ctx context.Context, from, to time.Time, fn func(share.DelayRow) error) error {
	rows, err := db.r.QueryContext(ctx, `SELECT department, events, delay_p50_us, delay_max_us, checks FROM hub_deliveries
WHERE delivered_at >= $1 AND delivered_at < $2
UNION ALL SELECT department, events, delay_p50_ms * 1000, delay_max_us, checks FROM hub_delivery_hours
WHERE hour_start >= $1 AND hour_start < $2`, sqlkit.Micros(from), sqlkit.Micros(to))
	if err != nil {
		return fmt.Errorf("read deliveries: %w", db.norm(err))
	}
	defer rows.Close()
	for rows.Next() {
		var r share.DelayRow
		var events, p50, mx, checks int64
		if err := rows.Scan(&r.Department, &events, &p50, &mx, &checks); err != nil {
			return db.norm(err)
		}
		r.Events, r.DelayP50, r.DelayMax, r.Checks = int(events), time.Duration(p50)*time.Microsecond, time.Duration(mx)*time.Microsecond, int(checks)
		if err := fn(r); err != nil {
			return err
		}
	}
	return db.norm(rows.Err())
}
