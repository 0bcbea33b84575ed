package outboxstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"cityloop/internal/store/sqlkit"
)

// ResealMessages seals every message's recipient, subject and body again
// under the keyring's current key (plain ones too), for `cityloop pii
// rotate`: add the new key first, keep the old one, run it, then drop the
// old key. Each row is one compare-and-set update, so a row changed
// meanwhile keeps its writer's values. It returns how many rows it
// rewrote.
func (db *DB) ResealMessages(ctx context.Context) (int, error) {
	if db.keys == nil {
		return 0, errors.New("reseal outbox messages: no keyring configured")
	}
	n, after := 0, ""
	for {
		type row struct{ id, to, subject, body string }
		var batch []row
		rows, err := db.w.QueryContext(ctx, `SELECT id, recipient, subject, body FROM outbox_messages WHERE id > $1 ORDER BY id LIMIT 500`, after)
		if err != nil {
			return n, fmt.Errorf("reseal outbox messages: %w", sqlkit.Norm(err))
		}
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.to, &r.subject, &r.body); err != nil {
				rows.Close()
				return n, fmt.Errorf("reseal outbox messages: %w", sqlkit.Norm(err))
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return n, fmt.Errorf("reseal outbox messages: %w", sqlkit.Norm(err))
		}
		for _, r := range batch {
			vals := [3]string{r.to, r.subject, r.body}
			changed := false
			for i, col := range []string{"recipient", "subject", "body"} {
				v := vals[i]
				if v == "" || (strings.HasPrefix(v, sealedPrefix) && !db.keys.NeedsRotation(v)) {
					continue
				}
				plain, err := db.open(r.id, col, v)
				if err != nil {
					return n, fmt.Errorf("reseal outbox message %s: %w", r.id, err)
				}
				if vals[i], err = db.keys.Encrypt(plain, aad(r.id, col)); err != nil {
					return n, fmt.Errorf("reseal outbox message %s: %w", r.id, err)
				}
				changed = true
			}
			if !changed {
				continue
			}
			var k int64
			err := db.tx(ctx, func(tx *sql.Tx) error {
				res, err := tx.ExecContext(ctx, `UPDATE outbox_messages SET recipient = $2, subject = $3, body = $4
WHERE id = $1 AND recipient = $5 AND subject = $6 AND body = $7`, r.id, vals[0], vals[1], vals[2], r.to, r.subject, r.body)
				if err != nil {
					return err
				}
				k, err = res.RowsAffected()
				return err
			})
			if err != nil {
				return n, fmt.Errorf("reseal outbox message %s: %w", r.id, err)
			}
			n += int(k)
		}
		if len(batch) < 500 {
			return n, nil
		}
		after = batch[len(batch)-1].id
	}
}
