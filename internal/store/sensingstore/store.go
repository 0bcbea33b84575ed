package sensingstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"cityloop/internal/sensing"
	"cityloop/internal/store/sqlkit"
)

var _ sensing.Store = (*DB)(nil)

// ---- registry documents ----

func (db *DB) putDoc(ctx context.Context, table, key, id string, body any, extra ...any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode %s: %w", table, err)
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		var q string
		args := []any{id, string(b)}
		switch table {
		case "sensing_devices":
			q = `INSERT INTO sensing_devices (id, body, kind, updated_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (id) DO UPDATE SET body = excluded.body, kind = excluded.kind, updated_at = excluded.updated_at`
			args = append(args, extra...)
		case "sensing_cameras":
			q = `INSERT INTO sensing_cameras (id, body, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`
			args = append(args, extra...)
		default:
			q = fmt.Sprintf(`INSERT INTO %s (%s, body) VALUES ($1, $2) ON CONFLICT (%s) DO UPDATE SET body = excluded.body`, table, key, key)
		}
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	})
}

func docs[T any](ctx context.Context, db *DB, table, key string) ([]T, error) {
	rows, err := db.r.QueryContext(ctx, fmt.Sprintf(`SELECT body FROM %s ORDER BY %s`, table, key))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, norm(err))
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return nil, norm(err)
		}
		var v T
		if err := json.Unmarshal([]byte(b), &v); err != nil {
			return nil, fmt.Errorf("decode %s row: %w", table, err)
		}
		out = append(out, v)
	}
	return out, norm(rows.Err())
}

// Devices lists every device.
func (db *DB) Devices(ctx context.Context) ([]*sensing.Device, error) {
	return docs[*sensing.Device](ctx, db, "sensing_devices", "id")
}

// PutDevice inserts or replaces a device.
func (db *DB) PutDevice(ctx context.Context, d *sensing.Device) error {
	return db.putDoc(ctx, "sensing_devices", "id", d.ID, d, string(d.Kind), sqlkit.Micros(time.Now()))
}

// SaveDeviceStatus rewrites the devices' documents (status lives in them),
// 200 to a transaction so readings can be written in between.
func (db *DB) SaveDeviceStatus(ctx context.Context, ds []*sensing.Device) error {
	now := sqlkit.Micros(time.Now())
	for len(ds) > 0 {
		n := min(len(ds), 200)
		if err := db.saveDeviceStatus(ctx, ds[:n], now); err != nil {
			return err
		}
		ds = ds[n:]
	}
	return nil
}

func (db *DB) saveDeviceStatus(ctx context.Context, ds []*sensing.Device, now int64) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, d := range ds {
			b, err := json.Marshal(d)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE sensing_devices SET body = $1, updated_at = $2 WHERE id = $3`, string(b), now, d.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

// Cameras lists every camera.
func (db *DB) Cameras(ctx context.Context) ([]*sensing.Camera, error) {
	return docs[*sensing.Camera](ctx, db, "sensing_cameras", "id")
}

// PutCamera inserts or replaces a camera.
func (db *DB) PutCamera(ctx context.Context, c *sensing.Camera) error {
	return db.putDoc(ctx, "sensing_cameras", "id", c.ID, c, sqlkit.Micros(time.Now()))
}

// Rules lists the stored rules (overrides of the defaults).
func (db *DB) Rules(ctx context.Context) ([]sensing.Rule, error) {
	return docs[sensing.Rule](ctx, db, "sensing_rules", "id")
}

// PutRule stores a rule.
func (db *DB) PutRule(ctx context.Context, r sensing.Rule) error {
	return db.putDoc(ctx, "sensing_rules", "id", r.ID, r)
}

// Policies lists the stored AI policies.
func (db *DB) Policies(ctx context.Context) ([]sensing.Policy, error) {
	return docs[sensing.Policy](ctx, db, "sensing_policies", "category")
}

// PutPolicy stores a policy.
func (db *DB) PutPolicy(ctx context.Context, p sensing.Policy) error {
	return db.putDoc(ctx, "sensing_policies", "category", p.Category, p)
}

// Zones lists the vending zones.
func (db *DB) Zones(ctx context.Context) ([]sensing.Zone, error) {
	return docs[sensing.Zone](ctx, db, "sensing_zones", "id")
}

// PutZone stores a zone.
func (db *DB) PutZone(ctx context.Context, z sensing.Zone) error {
	return db.putDoc(ctx, "sensing_zones", "id", z.ID, z)
}

// DeleteZone removes a zone.
func (db *DB) DeleteZone(ctx context.Context, id string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sensing_zones WHERE id = $1`, id)
		return err
	})
}

// Lots lists the parking lots.
func (db *DB) Lots(ctx context.Context) ([]sensing.Lot, error) {
	return docs[sensing.Lot](ctx, db, "sensing_lots", "id")
}

// PutLot stores a lot.
func (db *DB) PutLot(ctx context.Context, l sensing.Lot) error {
	return db.putDoc(ctx, "sensing_lots", "id", l.ID, l)
}

// Points lists the collection points.
func (db *DB) Points(ctx context.Context) ([]sensing.CollectionPoint, error) {
	return docs[sensing.CollectionPoint](ctx, db, "sensing_points", "id")
}

// PutPoint stores a collection point.
func (db *DB) PutPoint(ctx context.Context, p sensing.CollectionPoint) error {
	return db.putDoc(ctx, "sensing_points", "id", p.ID, p)
}

// ---- readings ----

// AppendReadings inserts one row per metric; rows already there are skipped.
// Rows go in multi-row statements of power-of-two sizes (256, 128, … 1),
// each prepared once per pool: parsing a thousand-parameter INSERT anew for
// every batch cost more than running it.
//
// Rows that are late (their minute is older than Downsample will recompute
// on its own, see [lateBefore]) also get their minute recorded in
// sensing_dirty_buckets, in the same transaction, for Downsample to redo.
// On time, the usual case, this costs one read of the downsampling mark a batch.
func (db *DB) AppendReadings(ctx context.Context, rs []sensing.Reading) error {
	args := make([]any, 0, len(rs)*8)
	for _, r := range rs {
		ts := sqlkit.Micros(r.TS)
		for k, v := range r.Values {
			args = append(args, r.Device, k, ts, v)
		}
	}
	// Prepare before the transaction: the SQLite writer pool has one
	// connection, which the transaction would hold.
	var stmts []*sql.Stmt
	for rows := len(args) / 4; rows > 0; {
		n := readingsChunk(rows)
		st, err := db.appendStmt(ctx, n)
		if err != nil {
			return err
		}
		stmts = append(stmts, st)
		rows -= n
	}
	mark, err := db.prepareMark(ctx)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		before, err := lateBefore(ctx, tx.StmtContext(ctx, mark))
		if err != nil {
			return err
		}
		rest := args
		for _, st := range stmts {
			n := readingsChunk(len(rest) / 4)
			if _, err := tx.StmtContext(ctx, st).ExecContext(ctx, rest[:n*4]...); err != nil {
				return err
			}
			rest = rest[n*4:]
		}
		return db.markLate(ctx, tx, args, before)
	})
}

// maxReadingsPerStmt keeps a statement under SQLite's and PostgreSQL's
// parameter limits (4 parameters a row).
const maxReadingsPerStmt = 256

// readingsChunk is the largest power of two ≤ rows, at most maxReadingsPerStmt.
func readingsChunk(rows int) int {
	n := maxReadingsPerStmt
	for n > rows {
		n /= 2
	}
	return n
}

// appendStmt returns the prepared INSERT for n rows, preparing it once.
func (db *DB) appendStmt(ctx context.Context, n int) (*sql.Stmt, error) {
	db.stmtMu.Lock()
	defer db.stmtMu.Unlock()
	if st, ok := db.appendStmts[n]; ok {
		return st, nil
	}
	q := `INSERT INTO sensing_readings (device_id, metric, ts, value) VALUES ` + db.values(n, 4) +
		` ON CONFLICT (device_id, metric, ts) DO NOTHING`
	st, err := db.w.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare reading insert: %w", err)
	}
	if db.appendStmts == nil {
		db.appendStmts = map[int]*sql.Stmt{}
	}
	db.appendStmts[n] = st
	return st, nil
}

// CountReadings counts raw rows of a device (tests and figures).
func (db *DB) CountReadings(ctx context.Context, device string) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM sensing_readings WHERE device_id = $1 OR $1 = ''`, device).Scan(&n)
	return n, norm(err)
}

// Series reads raw readings or aggregates.
func (db *DB) Series(ctx context.Context, q sensing.SeriesQuery) ([]sensing.SeriesPoint, error) {
	if q.Limit <= 0 || q.Limit > 10000 {
		q.Limit = 10000
	}
	var rows *sql.Rows
	var err error
	if q.Res == "raw" || q.Res == "" {
		rows, err = db.r.QueryContext(ctx, `SELECT ts, 1, value, value, value FROM sensing_readings
WHERE device_id = $1 AND metric = $2 AND ts >= $3 AND ts < $4 ORDER BY ts LIMIT $5`,
			q.Device, q.Metric, sqlkit.Micros(q.From), sqlkit.Micros(q.To), q.Limit)
	} else {
		rows, err = db.r.QueryContext(ctx, `SELECT bucket, n, total, min_value, max_value FROM sensing_aggregates
WHERE device_id = $1 AND metric = $2 AND res = $3 AND bucket >= $4 AND bucket < $5 ORDER BY bucket LIMIT $6`,
			q.Device, q.Metric, q.Res, sqlkit.Micros(q.From), sqlkit.Micros(q.To), q.Limit)
	}
	if err != nil {
		return nil, fmt.Errorf("read series: %w", norm(err))
	}
	defer rows.Close()
	out := []sensing.SeriesPoint{}
	for rows.Next() {
		var ts, n int64
		var sum, lo, hi float64
		if err := rows.Scan(&ts, &n, &sum, &lo, &hi); err != nil {
			return nil, norm(err)
		}
		out = append(out, sensing.SeriesPoint{T: sqlkit.Time(ts), N: int(n), Avg: sum / float64(max(n, 1)), Min: lo, Max: hi})
	}
	return out, norm(rows.Err())
}

const (
	minuteUS = int64(60_000_000)
	hourUS   = int64(3_600_000_000)
	// redo is how far back each run recomputes aggregates, so readings that
	// arrive a little late still count without being marked late.
	redo = 10 * minuteUS
	// chunk bounds one run's work.
	chunk = 24 * hourUS
)

// Downsample aggregates complete minutes before upTo into minute buckets and
// those into hour buckets, then redoes the minutes that late readings
// changed (see [DB.downsampleLate]). It keeps its watermark in sensing_meta
// and is idempotent, so a second node doing it again changes nothing.
func (db *DB) Downsample(ctx context.Context, upTo time.Time) error {
	end := sqlkit.Micros(upTo) / minuteUS * minuteUS
	// Claim [.., end) before reading anything: from here on AppendReadings
	// marks readings before end-redo as late. The claim takes the row that
	// AppendReadings share-locks on PostgreSQL, so it waits for batches that
	// read the old claim; they are committed, and visible to every statement
	// below, before it goes on.
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sensing_meta (name, value) VALUES ('downsampling', $1)
ON CONFLICT (name) DO UPDATE SET value = excluded.value WHERE sensing_meta.value < excluded.value`, end)
		return err
	})
	if err != nil {
		return fmt.Errorf("claim downsampling: %w", err)
	}
	if err := db.downsampleUpTo(ctx, end); err != nil {
		return err
	}
	return db.downsampleLate(ctx)
}

// downsampleUpTo recomputes the aggregates from redo before the watermark up
// to end, in transactions of one chunk that each advance the watermark.
func (db *DB) downsampleUpTo(ctx context.Context, end int64) error {
	var wm sql.Null[int64]
	if err := db.r.QueryRowContext(ctx, `SELECT value FROM sensing_meta WHERE name = 'downsampled'`).Scan(&wm); err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("read downsample watermark: %w", norm(err))
	}
	start := wm.V - redo
	if !wm.Valid {
		var first sql.Null[int64]
		if err := db.r.QueryRowContext(ctx, `SELECT MIN(ts) FROM sensing_readings`).Scan(&first); err != nil {
			return fmt.Errorf("read oldest reading: %w", norm(err))
		}
		if !first.Valid {
			return nil
		}
		start = first.V / minuteUS * minuteUS
	}
	for start < end {
		stop := min(end, start+chunk)
		err := db.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO sensing_aggregates (device_id, metric, res, bucket, n, total, min_value, max_value)
SELECT device_id, metric, 'minute', (ts / 60000000) * 60000000, COUNT(*), SUM(value), MIN(value), MAX(value)
FROM sensing_readings WHERE ts >= $1 AND ts < $2 GROUP BY device_id, metric, ts / 60000000
ON CONFLICT (device_id, metric, res, bucket) DO UPDATE SET n = excluded.n, total = excluded.total,
min_value = excluded.min_value, max_value = excluded.max_value`, start, stop); err != nil {
				return fmt.Errorf("minute aggregates: %w", err)
			}
			hs := start / hourUS * hourUS
			if _, err := tx.ExecContext(ctx, `INSERT INTO sensing_aggregates (device_id, metric, res, bucket, n, total, min_value, max_value)
SELECT device_id, metric, 'hour', (bucket / 3600000000) * 3600000000, SUM(n), SUM(total), MIN(min_value), MAX(max_value)
FROM sensing_aggregates WHERE res = 'minute' AND bucket >= $1 AND bucket < $2 GROUP BY device_id, metric, bucket / 3600000000
ON CONFLICT (device_id, metric, res, bucket) DO UPDATE SET n = excluded.n, total = excluded.total,
min_value = excluded.min_value, max_value = excluded.max_value`, hs, stop); err != nil {
				return fmt.Errorf("hour aggregates: %w", err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO sensing_meta (name, value) VALUES ('downsampled', $1)
ON CONFLICT (name) DO UPDATE SET value = excluded.value`, stop)
			return err
		})
		if err != nil {
			return fmt.Errorf("downsample: %w", err)
		}
		start = stop
	}
	return nil
}

// Prune deletes rows past their retention. It also records in sensing_meta
// ('pruned') the first minute whose aggregates can still be recomputed
// honestly: its raw rows are all kept and so are the minute aggregates of
// its hour. Downsample discards late minutes before it (see
// [DB.downsampleLate]).
func (db *DB) Prune(ctx context.Context, now time.Time, r sensing.Retention) error {
	raw, minute := sqlkit.Micros(now.Add(-r.Raw)), sqlkit.Micros(now.Add(-r.Minute))
	horizon := max(raw, (minute+hourUS-1)/hourUS*hourUS)
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sensing_readings WHERE ts < $1`, raw); err != nil {
			return fmt.Errorf("prune raw readings: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sensing_aggregates WHERE res = 'minute' AND bucket < $1`, minute); err != nil {
			return fmt.Errorf("prune minute aggregates: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sensing_aggregates WHERE res = 'hour' AND bucket < $1`, sqlkit.Micros(now.Add(-r.Hour))); err != nil {
			return fmt.Errorf("prune hour aggregates: %w", err)
		}
		// Only forwards: rows pruned under a shorter retention stay gone.
		_, err := tx.ExecContext(ctx, `INSERT INTO sensing_meta (name, value) VALUES ('pruned', $1)
ON CONFLICT (name) DO UPDATE SET value = excluded.value WHERE sensing_meta.value < excluded.value`, horizon)
		return err
	})
}

// ---- rule states ----

// RuleStates lists every rule state.
func (db *DB) RuleStates(ctx context.Context) ([]sensing.RuleState, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT device_id, rule_id, phase, since, last_ts, peak, case_id, resolve FROM sensing_rule_states`)
	if err != nil {
		return nil, fmt.Errorf("read rule states: %w", norm(err))
	}
	defer rows.Close()
	var out []sensing.RuleState
	for rows.Next() {
		var s sensing.RuleState
		var since, last, resolve int64
		var phase string
		if err := rows.Scan(&s.Device, &s.Rule, &phase, &since, &last, &s.Peak, &s.CaseID, &resolve); err != nil {
			return nil, norm(err)
		}
		s.Phase, s.Since, s.Resolve = sensing.Phase(phase), sqlkit.Time(since), resolve == 1
		if last != 0 {
			s.LastTS = sqlkit.Time(last)
		}
		out = append(out, s)
	}
	return out, norm(rows.Err())
}

// SaveRuleStates upserts rule states (the last one per key wins).
func (db *DB) SaveRuleStates(ctx context.Context, ss []sensing.RuleState) error {
	last := map[string]sensing.RuleState{}
	for _, s := range ss {
		last[s.Device+"|"+s.Rule] = s
	}
	keys := make([]string, 0, len(last))
	for k := range last {
		keys = append(keys, k)
	}
	sort.Strings(keys) // a stable order avoids deadlocks between nodes on PostgreSQL
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, k := range keys {
			s := last[k]
			var lastTS int64
			if !s.LastTS.IsZero() {
				lastTS = sqlkit.Micros(s.LastTS)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO sensing_rule_states (device_id, rule_id, phase, since, last_ts, peak, case_id, resolve)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (device_id, rule_id) DO UPDATE SET phase = excluded.phase, since = excluded.since, last_ts = excluded.last_ts,
peak = excluded.peak, case_id = excluded.case_id, resolve = excluded.resolve`,
				s.Device, s.Rule, string(s.Phase), sqlkit.Micros(s.Since), lastTS, s.Peak, s.CaseID, sqlkit.Bool(s.Resolve)); err != nil {
				return err
			}
		}
		return nil
	})
}

// ---- AI tracks ----

const trackCols = `id, camera_id, vendor, category, cell, phase, first_at, last_at, sightings, confidence, snapshot, reminded_at, case_id, auto_filed, outcome, community`

// LiveTracks returns tracks seen since `since` and tracks with an unjudged case.
func (db *DB) LiveTracks(ctx context.Context, since time.Time) ([]*sensing.Track, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+trackCols+` FROM sensing_tracks WHERE last_at >= $1 OR (outcome = '' AND case_id <> '')`, sqlkit.Micros(since))
	if err != nil {
		return nil, fmt.Errorf("read tracks: %w", norm(err))
	}
	defer rows.Close()
	var out []*sensing.Track
	for rows.Next() {
		var t sensing.Track
		var first, last, count, auto int64
		var reminded sql.Null[int64]
		var phase, outcome string
		if err := rows.Scan(&t.ID, &t.Camera, &t.Vendor, &t.Category, &t.Cell, &phase, &first, &last, &count, &t.Confidence,
			&t.Snapshot, &reminded, &t.CaseID, &auto, &outcome, &t.Community); err != nil {
			return nil, norm(err)
		}
		t.Phase, t.FirstAt, t.LastAt, t.Count, t.AutoFiled, t.Outcome = sensing.TrackPhase(phase), sqlkit.Time(first), sqlkit.Time(last), int(count), auto == 1, sensing.Outcome(outcome)
		if reminded.Valid {
			r := sqlkit.Time(reminded.V)
			t.RemindedAt = &r
		}
		out = append(out, &t)
	}
	return out, norm(rows.Err())
}

// PutTracks upserts tracks.
func (db *DB) PutTracks(ctx context.Context, ts []*sensing.Track) error {
	sort.Slice(ts, func(i, j int) bool { return ts[i].ID < ts[j].ID })
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, t := range ts {
			var reminded any
			if t.RemindedAt != nil {
				reminded = sqlkit.Micros(*t.RemindedAt)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO sensing_tracks (`+trackCols+`) VALUES `+sqlkit.Placeholders(1, 16, 1)+`
ON CONFLICT (id) DO UPDATE SET phase = excluded.phase, last_at = excluded.last_at, sightings = excluded.sightings,
confidence = excluded.confidence, snapshot = excluded.snapshot, reminded_at = excluded.reminded_at, case_id = excluded.case_id,
auto_filed = excluded.auto_filed, outcome = excluded.outcome`,
				t.ID, t.Camera, t.Vendor, t.Category, t.Cell, string(t.Phase), sqlkit.Micros(t.FirstAt), sqlkit.Micros(t.LastAt), int64(t.Count),
				t.Confidence, t.Snapshot, reminded, t.CaseID, sqlkit.Bool(t.AutoFiled), string(t.Outcome), t.Community); err != nil {
				return err
			}
		}
		return nil
	})
}

// Tallies counts judged tracks by class, camera, vendor and outcome.
func (db *DB) Tallies(ctx context.Context) ([]sensing.TallyRow, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT category, camera_id, vendor, outcome, COUNT(*) FROM sensing_tracks
WHERE outcome IN ('confirmed', 'false') GROUP BY category, camera_id, vendor, outcome`)
	if err != nil {
		return nil, fmt.Errorf("read precision: %w", norm(err))
	}
	defer rows.Close()
	var out []sensing.TallyRow
	for rows.Next() {
		var r sensing.TallyRow
		var o string
		if err := rows.Scan(&r.Category, &r.Camera, &r.Vendor, &o, &r.N); err != nil {
			return nil, norm(err)
		}
		r.Outcome = sensing.Outcome(o)
		out = append(out, r)
	}
	return out, norm(rows.Err())
}

// AddReminder records a reminder.
func (db *DB) AddReminder(ctx context.Context, r sensing.Reminder) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sensing_reminders (id, track_id, camera_id, category, channel, text, at)
VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.ID, r.Track, r.Camera, r.Category, r.Channel, r.Text, sqlkit.Micros(r.At))
		return err
	})
}

// ---- waste and incidents ----

// AddCollection records a truck's call.
func (db *DB) AddCollection(ctx context.Context, point string, at time.Time, by string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sensing_collections (point_id, at, by_actor) VALUES ($1, $2, $3)
ON CONFLICT (point_id, at) DO NOTHING`, point, sqlkit.Micros(at), by)
		return err
	})
}

// LastCollections returns the latest collection per point.
func (db *DB) LastCollections(ctx context.Context) (map[string]time.Time, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT point_id, MAX(at) FROM sensing_collections GROUP BY point_id`)
	if err != nil {
		return nil, fmt.Errorf("read collections: %w", norm(err))
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			return nil, norm(err)
		}
		out[id] = sqlkit.Time(at)
	}
	return out, norm(rows.Err())
}

// AddIncident records an incident.
func (db *DB) AddIncident(ctx context.Context, in sensing.Incident) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sensing_incidents (kind, ref, point_id, community, at, case_id) VALUES ($1, $2, $3, $4, $5, $6)`,
			in.Kind, in.Ref, in.Point, in.Community, sqlkit.Micros(in.At), in.CaseID)
		return err
	})
}

// Incidents lists incidents in [from, to).
func (db *DB) Incidents(ctx context.Context, from, to time.Time) ([]sensing.Incident, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT kind, ref, point_id, community, at, case_id FROM sensing_incidents WHERE at >= $1 AND at < $2 ORDER BY at`,
		sqlkit.Micros(from), sqlkit.Micros(to))
	if err != nil {
		return nil, fmt.Errorf("read incidents: %w", norm(err))
	}
	defer rows.Close()
	var out []sensing.Incident
	for rows.Next() {
		var in sensing.Incident
		var at int64
		if err := rows.Scan(&in.Kind, &in.Ref, &in.Point, &in.Community, &at, &in.CaseID); err != nil {
			return nil, norm(err)
		}
		in.At = sqlkit.Time(at)
		out = append(out, in)
	}
	return out, norm(rows.Err())
}
