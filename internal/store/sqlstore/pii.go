package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/pii"
	"cityloop/internal/store/sqlkit"
)

// SetKeyring makes the store seal reporters' names and phone numbers with
// AES-256-GCM before they reach the database, and open them on read. Each
// value is bound to its case and field (the AAD), so a sealed phone cannot be
// copied into another case. Without a keyring values are stored as given.
func (db *DB) SetKeyring(k *pii.Keyring) { db.keys.Store(k) }

func aad(caseID, field string) string { return "case/" + caseID + "/" + field }

func (db *DB) sealContact(c *casework.Case) (reporter, phone string, err error) {
	k := db.keys.Load()
	if k == nil {
		return c.Reporter, c.Phone, nil
	}
	if reporter, err = k.Encrypt(c.Reporter, aad(c.ID, "reporter")); err != nil {
		return "", "", fmt.Errorf("seal reporter of case %s: %w", c.ID, err)
	}
	if phone, err = k.Encrypt(c.Phone, aad(c.ID, "phone")); err != nil {
		return "", "", fmt.Errorf("seal phone of case %s: %w", c.ID, err)
	}
	return reporter, phone, nil
}

// openContact decrypts in place. A value that cannot be opened (a lost key)
// reads as empty rather than making the whole case unreadable; values
// written before a keyring was set are plain and read as they are.
func (db *DB) openContact(c *casework.Case) {
	k := db.keys.Load()
	for _, f := range []struct {
		v     *string
		field string
	}{{&c.Reporter, "reporter"}, {&c.Phone, "phone"}} {
		if !strings.HasPrefix(*f.v, "v1:") {
			continue
		}
		if k == nil {
			*f.v = ""
			continue
		}
		plain, err := k.Decrypt(*f.v, aad(c.ID, f.field))
		if err != nil {
			plain = ""
		}
		*f.v = plain
	}
}

// ResealContacts re-encrypts every sealed or plain contact value with the
// keyring's current key (key rotation: add the new key first in the list,
// keep the old one, run this, then drop the old key), and recomputes the
// phone's blind index under the current key's blind key (this also fills
// the index for cases written before it existed). It returns how many cases
// it rewrote.
func (db *DB) ResealContacts(ctx context.Context) (int, error) {
	k := db.keys.Load()
	if k == nil {
		return 0, fmt.Errorf("reseal: no keyring configured")
	}
	n := 0
	after := ""
	for {
		rows, err := db.query(ctx, `SELECT id, reporter_name, reporter_phone, reporter_phone_blind FROM cases WHERE id > $1 AND (reporter_name <> '' OR reporter_phone <> '') ORDER BY id LIMIT 1000`, after)
		if err != nil {
			return n, fmt.Errorf("reseal: %w", db.norm(err))
		}
		type row struct{ id, reporter, phone, blind string }
		var batch []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.reporter, &r.phone, &r.blind); err != nil {
				rows.Close()
				return n, fmt.Errorf("reseal: %w", db.norm(err))
			}
			batch = append(batch, r)
		}
		rows.Close()
		if len(batch) == 0 {
			return n, nil
		}
		after = batch[len(batch)-1].id
		err = db.writeTx(ctx, func(tx *sql.Tx) error {
			for _, r := range batch {
				c := casework.Case{ID: r.id, Reporter: r.reporter, Phone: r.phone}
				db.openContact(&c) // plain values pass through unchanged
				blind := db.blindPhone(c.Phone)
				if current(k, r.reporter) && current(k, r.phone) && blind == r.blind {
					continue
				}
				rep, ph, err := db.sealContact(&c)
				if err != nil {
					return err
				}
				if _, err := db.txExec(ctx, tx, `UPDATE cases SET reporter_name = $1, reporter_phone = $2, reporter_phone_blind = $3 WHERE id = $4`, rep, ph, blind, r.id); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("reseal: %w", db.norm(err))
		}
	}
}

// PurgeContacts erases reporters' names and phone numbers (and the phone's
// blind index, so the case can no longer be found by the number) from cases that
// left the loop before cutoff (retention), keeping every other column, so
// the statistics stay whole. It returns how many cases it purged.
func (db *DB) PurgeContacts(ctx context.Context, cutoff time.Time) (int, error) {
	var n int64
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := db.txExec(ctx, tx, `UPDATE cases SET reporter_name = '', reporter_phone = '', reporter_phone_blind = ''
WHERE NOT is_open AND updated_at < $1 AND (reporter_name <> '' OR reporter_phone <> '')`, sqlkit.Micros(cutoff))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge personal data: %w", db.norm(err))
	}
	return int(n), nil
}

// current reports a value that is empty or sealed with the current key.
func current(k *pii.Keyring, v string) bool {
	return v == "" || (strings.HasPrefix(v, "v1:") && !k.NeedsRotation(v))
}
