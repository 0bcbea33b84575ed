package councilstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// ResealPII seals volunteers' phones again under the keyring's current key
// (after a key rotation), and seals any stored in plain (written before a
// keyring was set). It returns how many it rewrote.
func (db *DB) ResealPII(ctx context.Context) (int, error) {
	if db.keys == nil {
		return 0, fmt.Errorf("reseal volunteers: no keyring configured")
	}
	n := 0
	err := db.tx(ctx, func(tx *sql.Tx) error {
		n = 0
		rows, err := tx.QueryContext(ctx, `SELECT id, phone FROM volunteers WHERE phone <> ''`)
		if err != nil {
			return err
		}
		changed := map[string]string{}
		for rows.Next() {
			var id, v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return err
			}
			switch {
			case !strings.HasPrefix(v, sealedPrefix):
				v, err = db.keys.Encrypt(v, phoneAAD(id))
			case db.keys.NeedsRotation(v):
				v, err = db.keys.Reseal(v, phoneAAD(id))
			default:
				continue
			}
			if err != nil {
				rows.Close()
				return fmt.Errorf("volunteer %s: %w", id, err)
			}
			changed[id] = v
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		for id, v := range changed {
			if _, err := tx.ExecContext(ctx, `UPDATE volunteers SET phone = $1 WHERE id = $2`, v, id); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("reseal volunteers' phones: %w", err)
	}
	return n, nil
}
