package app

import (
	"context"
	"path/filepath"

	"cityloop/internal/pii"
)

// loadKeyring returns the keys that seal personal data: from the setting,
// or from DATA/pii.keys, which the first start creates (package pii).
func (a *App) loadKeyring() (*pii.Keyring, error) {
	path := filepath.Join(a.Cfg.DataDir, "pii.keys")
	k, created, err := pii.LoadKeyring(a.Cfg.PIIKeys, path)
	if created {
		a.Log.Warn("created a new key for personal data; back it up, and give every node the same keys with CITYLOOP_PII_KEYS", "file", path)
	}
	return k, err
}

// EnsureAdmin makes the first administrator on a store without accounts
// and keeps its one-time password in FirstPassword (api.Server.EnsureAdmin).
func (a *App) EnsureAdmin(ctx context.Context) error {
	pw, err := a.api.EnsureAdmin(ctx)
	if pw != "" {
		a.FirstPassword = pw
	}
	return err
}
