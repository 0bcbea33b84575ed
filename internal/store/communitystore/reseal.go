package communitystore

import (
	"context"
	"database/sql"
	"fmt"

	"cityloop/internal/store/sqlkit"
)

// ResealContacts seals every merchant contact again under the keyring's
// current key (plain ones too), for `cityloop pii rotate`; it returns how
// many it rewrote.
func (db *DB) ResealContacts(ctx context.Context) (int, error) {
	if db.keys == nil {
		return 0, fmt.Errorf("reseal merchant contacts: no keyring configured")
	}
	n := 0
	err := sqlkit.Tx(ctx, db.w, 4, sqlkit.Retryable, func(tx *sql.Tx) error {
		n = 0
		rows, err := tx.QueryContext(ctx, `SELECT id, contact_sealed FROM merchants WHERE contact_sealed <> ''`)
		if err != nil {
			return err
		}
		stale := map[string]string{}
		for rows.Next() {
			var id, v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return err
			}
			if v[0] == '{' || db.keys.NeedsRotation(v) {
				stale[id] = v
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for id, v := range stale {
			c, err := db.openContact(id, v)
			if err != nil {
				return err
			}
			sealed, err := db.sealContact(id, c)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE merchants SET contact_sealed = $1 WHERE id = $2`, sealed, id); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("reseal merchant contacts: %w", sqlkit.Norm(err))
	}
	return n, nil
}
