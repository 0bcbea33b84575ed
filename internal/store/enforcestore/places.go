package enforcestore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"

	"cityloop/internal/enforce"
	"cityloop/internal/errs"
	"cityloop/internal/pii"
	"cityloop/internal/store/sqlkit"
)

// placeKeys are the blind keys of a place under every key of the ring
// (the first is the one written), like the parties' keys.
func (db *DB) placeKeys(kind enforce.PlaceKind, ref string) []string {
	id := string(kind) + ":" + ref
	if db.keys == nil {
		h := sha256.Sum256([]byte("cityloop/enforce/place:" + id))
		return []string{"h:" + hex.EncodeToString(h[:])}
	}
	var out []string
	for _, k := range db.keys.BlindKeys() {
		out = append(out, "b:"+pii.Blind(k, "place:"+id))
	}
	return out
}

func placeAAD(key, field string) string { return "enforce_places/" + key + "/" + field }

func (db *DB) sealPlace(key, field, v string) (string, error) {
	if db.keys == nil || v == "" {
		return v, nil
	}
	s, err := db.keys.Encrypt(v, placeAAD(key, field))
	if err != nil {
		return "", fmt.Errorf("seal place %s: %w", field, err)
	}
	return s, nil
}

func (db *DB) openPlace(key, field, stored string) string {
	if db.keys == nil || stored == "" {
		return stored
	}
	plain, err := db.keys.Decrypt(stored, placeAAD(key, field))
	if err != nil {
		return ""
	}
	return plain
}

// PutPlace registers or replaces the party of a place, every personal
// field sealed.
func (db *DB) PutPlace(ctx context.Context, p enforce.Place) error {
	keys := db.placeKeys(p.Kind, p.Ref)
	key := keys[0]
	vals := []string{p.Ref, p.Name, p.Phone, p.Email}
	sealed := make([]any, len(vals))
	for i, f := range []string{"ref", "name", "phone", "email"} {
		s, err := db.sealPlace(key, f, vals[i])
		if err != nil {
			return err
		}
		sealed[i] = s
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		// A place registered under an older key of the ring moves to the current one.
		if _, err := tx.ExecContext(ctx, `DELETE FROM enforce_places WHERE place_key IN (`+sqlkit.List(len(keys), 1)+`)`, anys(keys)...); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO enforce_places (place_key, kind, ref, name, phone, email, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)`, key, string(p.Kind), sealed[0], sealed[1], sealed[2], sealed[3], sqlkit.Micros(p.UpdatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("register place: %w", err)
	}
	return nil
}

func anys(v []string) []any {
	out := make([]any, len(v))
	for i, s := range v {
		out[i] = s
	}
	return out
}

// FindPlace opens the registered party of a place.
func (db *DB) FindPlace(ctx context.Context, kind enforce.PlaceKind, ref string) (enforce.Place, error) {
	keys := db.placeKeys(kind, ref)
	var p enforce.Place
	var key, k, r, name, phone, email string
	var at int64
	err := db.r.QueryRowContext(ctx, `SELECT place_key, kind, ref, name, phone, email, updated_at FROM enforce_places
WHERE place_key IN (`+sqlkit.List(len(keys), 1)+`)`, anys(keys)...).Scan(&key, &k, &r, &name, &phone, &email, &at)
	if err != nil {
		if errs.Is(sqlkit.Norm(err), errs.KindNotFound) {
			return p, errs.NotFound("没有登记 %s %s 的当事人 / no party is registered for %s %s", kind, ref, kind, ref)
		}
		return p, fmt.Errorf("find place: %w", sqlkit.Norm(err))
	}
	p = enforce.Place{Kind: enforce.PlaceKind(k), Ref: db.openPlace(key, "ref", r), Name: db.openPlace(key, "name", name),
		Phone: db.openPlace(key, "phone", phone), Email: db.openPlace(key, "email", email), UpdatedAt: sqlkit.Time(at)}
	return p, nil
}

// RecordReminder stores a sent reminder once per idempotency key.
func (db *DB) RecordReminder(ctx context.Context, kind enforce.PlaceKind, ref string, r enforce.SentReminder) (bool, error) {
	res, err := db.w.ExecContext(ctx, `INSERT INTO enforce_reminders (id, idem_key, place_key, place_kind, camera, category, track,
channel, message_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (idem_key) DO NOTHING`,
		r.ID, r.IdempotencyKey, db.placeKeys(kind, ref)[0], string(kind), r.Camera, r.Category, r.Track, r.Channel, r.MessageID, sqlkit.Micros(r.At))
	if err != nil {
		return false, fmt.Errorf("record reminder: %w", sqlkit.Norm(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record reminder: %w", err)
	}
	return n == 1, nil
}

// FindReminders lists the reminders sent for a place, newest first.
func (db *DB) FindReminders(ctx context.Context, kind enforce.PlaceKind, ref string) ([]enforce.SentReminder, error) {
	keys := db.placeKeys(kind, ref)
	rows, err := db.r.QueryContext(ctx, `SELECT id, place_kind, camera, category, track, channel, message_id, at FROM enforce_reminders
WHERE place_key IN (`+sqlkit.List(len(keys), 1)+`) ORDER BY at DESC, id DESC LIMIT 200`, anys(keys)...)
	if err != nil {
		return nil, fmt.Errorf("find reminders: %w", sqlkit.Norm(err))
	}
	defer rows.Close()
	out := []enforce.SentReminder{}
	for rows.Next() {
		var r enforce.SentReminder
		var k string
		var at int64
		if err := rows.Scan(&r.ID, &k, &r.Camera, &r.Category, &r.Track, &r.Channel, &r.MessageID, &at); err != nil {
			return nil, fmt.Errorf("find reminders: %w", sqlkit.Norm(err))
		}
		r.PlaceKind, r.At = enforce.PlaceKind(k), sqlkit.Time(at)
		out = append(out, r)
	}
	return out, sqlkit.Norm(rows.Err())
}
