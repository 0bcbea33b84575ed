package hubstore

import (
	"context"
	"database/sql"
	"fmt"

	"cityloop/internal/share"
)

// DeleteRecords removes records of a dataset and appends their changes
// (record.delete) to the outbox, in one transaction. A key that is not
// there is no error: a withdrawal fed twice deletes once.
func (db *DB) DeleteRecords(ctx context.Context, dataset string, keys []string, changes []share.Change) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `DELETE FROM hub_records WHERE dataset = $1 AND key = $2`, dataset, k); err != nil {
				return db.norm(err)
			}
		}
		_, err := db.appendChanges(ctx, tx, changes)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete %d records of %s: %w", len(keys), dataset, err)
	}
	return nil
}
