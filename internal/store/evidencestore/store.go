package evidencestore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"cityloop/internal/enforce"
	"cityloop/internal/errs"
	"cityloop/internal/evidence"
	"cityloop/internal/store/sqlkit"
)

var _ evidence.Store = (*DB)(nil)

// sealed values start so; anything else was stored without a keyring.
const sealedPrefix = "v1:"

func aad(id, field string) string { return "evidence/" + id + "/" + field }

func (db *DB) seal(id, field, plain string) (string, error) {
	if db.keys == nil || plain == "" {
		return plain, nil
	}
	s, err := db.keys.Encrypt(plain, aad(id, field))
	if err != nil {
		return "", fmt.Errorf("seal %s of evidence %s: %w", field, id, err)
	}
	return s, nil
}

// open reads a sealed value; one that cannot be opened (a lost key) reads
// as empty rather than hiding the whole record, as in sqlstore.
func (db *DB) open(id, field, stored string) string {
	if !strings.HasPrefix(stored, sealedPrefix) {
		return stored
	}
	if db.keys == nil {
		return ""
	}
	plain, err := db.keys.Decrypt(stored, aad(id, field))
	if err != nil {
		return ""
	}
	return plain
}

// CreateEvidence implements [evidence.Store].
func (db *DB) CreateEvidence(ctx context.Context, it evidence.Item, draft evidence.Entry) (evidence.Entry, error) {
	name, err := db.seal(it.ID, "filename", it.Filename)
	if err != nil {
		return evidence.Entry{}, err
	}
	note, err := db.seal(it.ID, "note", it.Note)
	if err != nil {
		return evidence.Entry{}, err
	}
	var e evidence.Entry
	err = db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO evidence_items (id, case_id, kind, mime, size, sha256, stored_size, stored_sha256,
captured_at, lng, lat, capture_source, device_id, officer_id, filename, note, uploaded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
			it.ID, it.CaseID, string(it.Kind), it.MIME, it.Size, it.SHA256, it.StoredSize, it.StoredSHA256,
			sqlkit.MicrosOrNull(it.CapturedAt), nullFloat(it.Lng), nullFloat(it.Lat), it.CaptureSource, it.DeviceID,
			it.OfficerID, name, note, sqlkit.Micros(it.UploadedAt))
		if err != nil {
			if errs.Is(sqlkit.Norm(err), errs.KindConflict) {
				return errs.Conflict("证据 %s 已登记 / evidence %s is already recorded", it.ID, it.ID)
			}
			return fmt.Errorf("insert evidence: %w", err)
		}
		e, err = appendEntry(ctx, tx, draft)
		return err
	})
	if err != nil {
		return evidence.Entry{}, fmt.Errorf("create evidence %s: %w", it.ID, err)
	}
	return e, nil
}

// AppendCustody implements [evidence.Store].
func (db *DB) AppendCustody(ctx context.Context, draft evidence.Entry) (evidence.Entry, error) {
	var e evidence.Entry
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		e, err = appendEntry(ctx, tx, draft)
		return err
	})
	if err != nil {
		return evidence.Entry{}, fmt.Errorf("append custody of case %s: %w", draft.CaseID, err)
	}
	return e, nil
}

// appendEntry locks the case's chain head (creating it at seq 0), seals
// draft after it and writes both. On PostgreSQL a concurrent append waits
// on the head's row lock and then reads the head this one wrote.
func appendEntry(ctx context.Context, tx *sql.Tx, draft evidence.Entry) (evidence.Entry, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO evidence_chains (case_id, seq, head) VALUES ($1, 0, $2) ON CONFLICT (case_id) DO NOTHING`,
		draft.CaseID, evidence.Genesis); err != nil {
		return evidence.Entry{}, fmt.Errorf("create chain head: %w", err)
	}
	var prev evidence.Entry
	if err := tx.QueryRowContext(ctx, `UPDATE evidence_chains SET seq = seq WHERE case_id = $1 RETURNING seq, head`,
		draft.CaseID).Scan(&prev.Seq, &prev.Hash); err != nil {
		return evidence.Entry{}, fmt.Errorf("lock chain head: %w", err)
	}
	var p *evidence.Entry
	if prev.Seq > 0 {
		p = &prev
	}
	e := evidence.Seal(p, draft)
	if _, err := tx.ExecContext(ctx, `INSERT INTO evidence_custody (case_id, seq, at, actor, action, evidence_id, detail, prev_hash, hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, e.CaseID, e.Seq, sqlkit.Micros(e.At), e.Actor, string(e.Action), e.EvidenceID,
		e.Detail, e.Prev, e.Hash); err != nil {
		return evidence.Entry{}, fmt.Errorf("insert custody entry: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE evidence_chains SET seq = $2, head = $3 WHERE case_id = $1`, e.CaseID, e.Seq, e.Hash); err != nil {
		return evidence.Entry{}, fmt.Errorf("move chain head: %w", err)
	}
	return e, nil
}

const itemCols = `id, case_id, kind, mime, size, sha256, stored_size, stored_sha256, captured_at, lng, lat, capture_source,
device_id, officer_id, filename, note, uploaded_at`

type scanner interface{ Scan(dest ...any) error }

func (db *DB) scanItem(s scanner) (evidence.Item, error) {
	var it evidence.Item
	var kind string
	var captured sql.Null[int64]
	var lng, lat sql.Null[float64]
	var uploaded int64
	if err := s.Scan(&it.ID, &it.CaseID, &kind, &it.MIME, &it.Size, &it.SHA256, &it.StoredSize, &it.StoredSHA256, &captured,
		&lng, &lat, &it.CaptureSource, &it.DeviceID, &it.OfficerID, &it.Filename, &it.Note, &uploaded); err != nil {
		return evidence.Item{}, err
	}
	it.Kind = evidence.Kind(kind)
	it.CapturedAt = sqlkit.NullTime(captured)
	if lng.Valid && lat.Valid {
		it.Lng, it.Lat = &lng.V, &lat.V
	}
	it.UploadedAt = sqlkit.Time(uploaded)
	it.Filename = db.open(it.ID, "filename", it.Filename)
	it.Note = db.open(it.ID, "note", it.Note)
	return it, nil
}

// FindEvidenceByID implements [evidence.Store].
func (db *DB) FindEvidenceByID(ctx context.Context, id string) (evidence.Item, error) {
	it, err := db.scanItem(db.r.QueryRowContext(ctx, `SELECT `+itemCols+` FROM evidence_items WHERE id = $1`, id))
	if err != nil {
		if errs.Is(sqlkit.Norm(err), errs.KindNotFound) {
			return evidence.Item{}, errs.NotFound("没有编号为 %s 的证据 / no evidence %s", id, id)
		}
		return evidence.Item{}, fmt.Errorf("find evidence %s: %w", id, sqlkit.Norm(err))
	}
	return it, nil
}

// FindEvidence implements [evidence.Store].
func (db *DB) FindEvidence(ctx context.Context, caseID string) ([]evidence.Item, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+itemCols+` FROM evidence_items WHERE case_id = $1 ORDER BY uploaded_at, id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("list evidence of case %s: %w", caseID, sqlkit.Norm(err))
	}
	defer rows.Close()
	var out []evidence.Item
	for rows.Next() {
		it, err := db.scanItem(rows)
		if err != nil {
			return nil, fmt.Errorf("list evidence of case %s: %w", caseID, err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list evidence of case %s: %w", caseID, sqlkit.Norm(err))
	}
	return out, nil
}

// Custody implements [evidence.Store].
func (db *DB) Custody(ctx context.Context, caseID string) ([]evidence.Entry, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT case_id, seq, at, actor, action, evidence_id, detail, prev_hash, hash
FROM evidence_custody WHERE case_id = $1 ORDER BY seq`, caseID)
	if err != nil {
		return nil, fmt.Errorf("read custody of case %s: %w", caseID, sqlkit.Norm(err))
	}
	defer rows.Close()
	var out []evidence.Entry
	for rows.Next() {
		var e evidence.Entry
		var at int64
		var act string
		if err := rows.Scan(&e.CaseID, &e.Seq, &at, &e.Actor, &act, &e.EvidenceID, &e.Detail, &e.Prev, &e.Hash); err != nil {
			return nil, fmt.Errorf("read custody of case %s: %w", caseID, err)
		}
		e.At, e.Action = sqlkit.Time(at), evidence.Action(act)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read custody of case %s: %w", caseID, sqlkit.Norm(err))
	}
	return out, nil
}

func nullFloat(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

var _ enforce.Exhibits = (*DB)(nil)

// exhibitBatch bounds the ids of one IN list, well under SQLite's limit of
// bound parameters.
const exhibitBatch = 500

// CaseExhibits implements [enforce.Exhibits]: the evidence kept for each
// case, as the penalty procedure counts it (id and medium; evidence.Kind
// and enforce.Media share their values). One query per 500 cases, on the
// (case_id, uploaded_at, id) index.
func (db *DB) CaseExhibits(ctx context.Context, caseIDs []string) (map[string][]enforce.Exhibit, error) {
	out := map[string][]enforce.Exhibit{}
	for len(caseIDs) > 0 {
		batch := caseIDs[:min(len(caseIDs), exhibitBatch)]
		caseIDs = caseIDs[len(batch):]
		marks := make([]string, len(batch))
		args := make([]any, len(batch))
		for i, id := range batch {
			marks[i], args[i] = fmt.Sprintf("$%d", i+1), id
		}
		rows, err := db.r.QueryContext(ctx, `SELECT case_id, id, kind FROM evidence_items WHERE case_id IN (`+
			strings.Join(marks, ", ")+`) ORDER BY case_id, uploaded_at, id`, args...)
		if err != nil {
			return nil, fmt.Errorf("list the evidence of %d cases: %w", len(batch), sqlkit.Norm(err))
		}
		for rows.Next() {
			var caseID, id, kind string
			if err := rows.Scan(&caseID, &id, &kind); err != nil {
				rows.Close()
				return nil, fmt.Errorf("list the evidence of %d cases: %w", len(batch), sqlkit.Norm(err))
			}
			out[caseID] = append(out[caseID], enforce.Exhibit{ID: id, Media: enforce.Media(kind)})
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("list the evidence of %d cases: %w", len(batch), sqlkit.Norm(err))
		}
	}
	return out, nil
}
