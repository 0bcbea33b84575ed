package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"cityloop/internal/org"
)

// SetGrants replaces an account's posts; NotFound when there is no such
// account.
func (db *DB) SetGrants(ctx context.Context, id string, grants []org.Grant) error {
	if grants == nil {
		grants = []org.Grant{}
	}
	gj, err := json.Marshal(grants)
	if err != nil {
		return fmt.Errorf("set grants of account %s: encode: %w", id, err)
	}
	return db.updateAccount(ctx, "set grants", id, `UPDATE accounts SET grants = $2 WHERE id = $1`, string(gj))
}

// SetDisabled disables or re-enables an account. Disabling also deletes the
// account's bearer tokens, so its sessions end at once.
func (db *DB) SetDisabled(ctx context.Context, id string, disabled bool) error {
	if err := db.updateAccount(ctx, "set disabled", id, `UPDATE accounts SET disabled = $2 WHERE id = $1`, disabled); err != nil {
		return err
	}
	if !disabled {
		return nil
	}
	if err := db.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := db.txExec(ctx, tx, `DELETE FROM tokens WHERE account_id = $1`, id)
		return err
	}); err != nil {
		return fmt.Errorf("end sessions of account %s: %w", id, db.norm(err))
	}
	return nil
}
