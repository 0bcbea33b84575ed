package enforcestore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"cityloop/internal/enforce"
	"cityloop/internal/errs"
	"cityloop/internal/store/sqlkit"
)

// ResealParties seals every party's details again under the keyring's
// current key and moves its party key (the blind index of the ID number or
// USCC, on the party and on its case) to the current blind key, so that
// 首违不罚 still finds a party's earlier acts once the old keys are removed
// (`cityloop pii rotate`). It returns how many parties it changed; parties
// already under the current key are left as they are.
func (db *DB) ResealParties(ctx context.Context) (int, error) {
	if db.keys == nil {
		return 0, errs.Invalid("reseal: no keyring configured")
	}
	n, after := 0, ""
	for {
		batch, err := db.partiesAfter(ctx, after, 500)
		if err != nil {
			return n, fmt.Errorf("reseal parties: %w", err)
		}
		if len(batch) == 0 {
			return n, nil
		}
		after = batch[len(batch)-1].caseID
		err = db.tx(ctx, func(tx *sql.Tx) error {
			for _, p := range batch {
				key := db.partyKeys(p.detail.Identity())
				if len(key) == 0 || (p.current(db) && p.key == key[0]) {
					continue
				}
				sealed, err := db.sealParty(p.caseID, p.detail)
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE enforce_parties SET party_key = $1, name = $2, id_number = $3, uscc = $4,
					representative = $5, phone = $6, address = $7 WHERE case_id = $8`, append(append([]any{key[0]}, sealed...), p.caseID)...); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE enforce_cases SET party_key = $1 WHERE id = $2`, key[0], p.caseID); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("reseal parties: %w", err)
		}
	}
}

// storedParty is one enforce_parties row, opened, with its stored values.
type storedParty struct {
	caseID, key string
	stored      []string // name, id_number, uscc, representative, phone, address as stored
	detail      enforce.PartyDetail
}

// current reports whether every sealed field is sealed under the current key.
func (p storedParty) current(db *DB) bool {
	for _, v := range p.stored {
		if v == "" {
			continue
		}
		if !strings.HasPrefix(v, sealedPrefix) || db.keys.NeedsRotation(v) {
			return false
		}
	}
	return true
}

func (db *DB) partiesAfter(ctx context.Context, after string, limit int) ([]storedParty, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT case_id, party_key, kind, name, id_number, uscc, representative, phone, address
		FROM enforce_parties WHERE case_id > $1 ORDER BY case_id LIMIT $2`, after, limit)
	if err != nil {
		return nil, sqlkit.Norm(err)
	}
	defer rows.Close()
	var out []storedParty
	for rows.Next() {
		var p storedParty
		var kind string
		p.stored = make([]string, 6)
		if err := rows.Scan(&p.caseID, &p.key, &kind, &p.stored[0], &p.stored[1], &p.stored[2], &p.stored[3], &p.stored[4], &p.stored[5]); err != nil {
			return nil, sqlkit.Norm(err)
		}
		names := []string{"name", "id_number", "uscc", "representative", "phone", "address"}
		v := make([]string, 6)
		for i := range v {
			v[i] = db.openValue(p.caseID, names[i], p.stored[i])
		}
		p.detail = enforce.PartyDetail{Kind: enforce.PartyKind(kind), Name: v[0], IDNumber: v[1], USCC: v[2], Representative: v[3], Phone: v[4], Address: v[5]}
		out = append(out, p)
	}
	return out, sqlkit.Norm(rows.Err())
}

// ResealPlaces seals the reminder registry again under the keyring's
// current key and moves each place, and the reminders sent to it, to the
// current blind key, so reminders are still found once the old keys are
// removed (`cityloop pii rotate`). It returns how many places it changed.
func (db *DB) ResealPlaces(ctx context.Context) (int, error) {
	if db.keys == nil {
		return 0, errs.Invalid("reseal: no keyring configured")
	}
	type row struct {
		key, kind string
		stored    []string // ref, name, phone, email as stored
		at        int64
	}
	rows, err := db.r.QueryContext(ctx, `SELECT place_key, kind, ref, name, phone, email, updated_at FROM enforce_places ORDER BY place_key`)
	if err != nil {
		return 0, fmt.Errorf("reseal places: %w", sqlkit.Norm(err))
	}
	var all []row
	for rows.Next() {
		r := row{stored: make([]string, 4)}
		if err := rows.Scan(&r.key, &r.kind, &r.stored[0], &r.stored[1], &r.stored[2], &r.stored[3], &r.at); err != nil {
			rows.Close()
			return 0, fmt.Errorf("reseal places: %w", sqlkit.Norm(err))
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("reseal places: %w", sqlkit.Norm(err))
	}
	n := 0
	for _, r := range all {
		p := enforce.Place{Kind: enforce.PlaceKind(r.kind), Ref: db.openPlace(r.key, "ref", r.stored[0]), Name: db.openPlace(r.key, "name", r.stored[1]),
			Phone: db.openPlace(r.key, "phone", r.stored[2]), Email: db.openPlace(r.key, "email", r.stored[3]), UpdatedAt: sqlkit.Time(r.at)}
		newKey := db.placeKeys(p.Kind, p.Ref)[0]
		current := newKey == r.key
		for _, v := range r.stored {
			if v != "" && (!strings.HasPrefix(v, sealedPrefix) || db.keys.NeedsRotation(v)) {
				current = false
			}
		}
		if current {
			continue
		}
		if err := db.PutPlace(ctx, p); err != nil {
			return n, fmt.Errorf("reseal places: %w", err)
		}
		if newKey != r.key {
			if err := db.tx(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE enforce_reminders SET place_key = $1 WHERE place_key = $2`, newKey, r.key)
				return err
			}); err != nil {
				return n, fmt.Errorf("reseal places: move reminders: %w", err)
			}
		}
		n++
	}
	return n, nil
}
