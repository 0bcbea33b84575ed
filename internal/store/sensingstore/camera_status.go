package sensingstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"cityloop/internal/sensing"
	"cityloop/internal/store/sqlkit"
)

// SaveCameraStatus rewrites the cameras' documents (online and last_seen
// live in them, as a device's status does), 200 to a transaction so other
// writes get their turn. A camera not registered here is skipped: status
// never creates a camera.
func (db *DB) SaveCameraStatus(ctx context.Context, cs []*sensing.Camera) error {
	now := sqlkit.Micros(time.Now())
	for len(cs) > 0 {
		n := min(len(cs), 200)
		if err := db.saveCameraStatus(ctx, cs[:n], now); err != nil {
			return err
		}
		cs = cs[n:]
	}
	return nil
}

func (db *DB) saveCameraStatus(ctx context.Context, cs []*sensing.Camera, now int64) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, c := range cs {
			b, err := json.Marshal(c)
			if err != nil {
				return fmt.Errorf("encode camera %s: %w", c.ID, err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE sensing_cameras SET body = $1, updated_at = $2 WHERE id = $3`, string(b), now, c.ID); err != nil {
				return err
			}
		}
		return nil
	})
}
