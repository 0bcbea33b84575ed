package hubstore

import (
	"context"
	"encoding/json"
	"fmt"

	"cityloop/internal/workorder"
)

// stateHotlineSettings holds the hotline settings as JSON, the pull token
// sealed inside them (see seal.go).
const stateHotlineSettings = "hotline.settings"

// HotlineSettings returns the stored hotline settings with the pull token
// opened; ok is false when none were saved. A token stored in plain by an
// older version reads as it is (SealPlainSecrets seals it at start).
func (db *DB) HotlineSettings(ctx context.Context) (workorder.Settings, bool, error) {
	var s workorder.Settings
	raw, ok, err := db.GetState(ctx, stateHotlineSettings)
	if err != nil || !ok {
		return s, ok, err
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return s, false, fmt.Errorf("read hotline settings: %w", err)
	}
	if s.PullToken, err = db.open(s.PullToken, pullTokenAAD, "12345 pull token"); err != nil {
		return s, false, err
	}
	return s, true, nil
}

// SaveHotlineSettings stores the hotline settings, sealing the pull token.
func (db *DB) SaveHotlineSettings(ctx context.Context, s workorder.Settings) error {
	sealed, err := db.seal(s.PullToken, pullTokenAAD, "12345 pull token")
	if err != nil {
		return err
	}
	s.PullToken = sealed
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode hotline settings: %w", err)
	}
	return db.SetState(ctx, stateHotlineSettings, string(b))
}

// resealPullToken seals the stored pull token (see resealed), in place: the
// other settings are written back as they were read, and only if the row
// is still what was read.
func (db *DB) resealPullToken(ctx context.Context, rotate bool) (int, error) {
	raw, ok, err := db.GetState(ctx, stateHotlineSettings)
	if err != nil || !ok {
		return 0, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return 0, fmt.Errorf("read hotline settings: %w", err)
	}
	var tok string
	if v, ok := m["pull_token"]; ok {
		if err := json.Unmarshal(v, &tok); err != nil {
			return 0, fmt.Errorf("read the 12345 pull token: %w", err)
		}
	}
	sealed, changed, err := db.resealed(tok, pullTokenAAD, rotate)
	if err != nil {
		return 0, fmt.Errorf("reseal the 12345 pull token: %w", err)
	}
	if !changed {
		return 0, nil
	}
	m["pull_token"], _ = json.Marshal(sealed)
	b, err := json.Marshal(m)
	if err != nil {
		return 0, fmt.Errorf("encode hotline settings: %w", err)
	}
	n, err := db.exec(ctx, `UPDATE hub_state SET value = $1 WHERE name = $2 AND value = $3`, string(b), stateHotlineSettings, raw)
	if err != nil {
		return 0, fmt.Errorf("reseal the 12345 pull token: %w", err)
	}
	return int(n), nil
}
