package communitystore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"cityloop/internal/store/sqlkit"
)

// sealedColumns are the personal data this store seals, each with the aad
// that binds a value to its row.
var sealedColumns = []struct {
	table, column string
	aad           func(id string) string
}{
	{"merchants", "contact_sealed", contactAAD},
	{"permits", "phone_sealed", phoneAAD},
}

// ResealPII seals every merchant contact and permit applicant's phone
// again under the keyring's current key (plain ones too), for `cityloop
// pii rotate`; it returns how many it rewrote.
func (db *DB) ResealPII(ctx context.Context) (int, error) {
	if db.keys == nil {
		return 0, fmt.Errorf("reseal community data: no keyring configured")
	}
	total := 0
	for _, c := range sealedColumns {
		n := 0
		err := sqlkit.Tx(ctx, db.w, 4, sqlkit.Retryable, func(tx *sql.Tx) error {
			n = 0
			rows, err := tx.QueryContext(ctx, `SELECT id, `+c.column+` FROM `+c.table+` WHERE `+c.column+` <> ''`)
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
				if !strings.HasPrefix(v, "v1:") || db.keys.NeedsRotation(v) {
					stale[id] = v
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for id, v := range stale {
				plain, err := db.openString(v, c.aad(id))
				if err != nil {
					return err
				}
				sealed, err := db.sealString(plain, c.aad(id))
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE `+c.table+` SET `+c.column+` = $1 WHERE id = $2`, sealed, id); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("reseal %s.%s: %w", c.table, c.column, sqlkit.Norm(err))
		}
		total += n
	}
	return total, nil
}
