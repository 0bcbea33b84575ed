package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"cityloop/internal/auth"
	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/pii"
	"cityloop/internal/store/outboxstore"
)

// loadKeyring returns the keys that seal personal data: from the setting,
// or from DATA/pii.keys, which the first start creates (mode 0600). Nodes
// sharing a PostgreSQL must all be given the same keys through the setting.
func (a *App) loadKeyring() (*pii.Keyring, error) {
	spec := a.Cfg.PIIKeys
	if spec == "" {
		path := filepath.Join(a.Cfg.DataDir, "pii.keys")
		b, err := os.ReadFile(path)
		switch {
		case errors.Is(err, os.ErrNotExist):
			spec = "k1:" + pii.NewKey()
			if err := os.WriteFile(path, []byte(spec+"\n"), 0o600); err != nil {
				return nil, fmt.Errorf("write %s: %w", path, err)
			}
			a.Log.Warn("created a new key for personal data; back it up, and give every node the same keys with CITYLOOP_PII_KEYS", "file", path)
		case err != nil:
			return nil, fmt.Errorf("read %s: %w", path, err)
		default:
			spec = strings.TrimSpace(string(b))
		}
	}
	k, err := pii.ParseKeyring(spec)
	if err != nil {
		return nil, fmt.Errorf("personal-data keys: %w", err)
	}
	return k, nil
}

// EnsureAdmin creates an administrator with a one-time password on a store
// that has no accounts (a real city's first start, not the demo) and keeps
// it in FirstPassword for the caller to show once; it must be changed at
// first sign-in. `cityloop serve` calls it; the maintenance commands do not,
// so the password is never made where nobody would see it.
func (a *App) EnsureAdmin(ctx context.Context) error {
	accs, err := a.Store.FindAccounts(ctx)
	if err != nil {
		return fmt.Errorf("list accounts: %w", err)
	}
	if len(accs) > 0 {
		return nil
	}
	pw := auth.RandomPassword(16)
	hash, err := auth.HashPassword(pw, auth.DefaultParams())
	if err != nil {
		return err
	}
	acc := &org.Account{ID: NewID(), Username: "admin", Name: "系统管理员", PasswordHash: hash,
		Grants: []org.Grant{{Post: org.PostAdmin}}, MustChange: true, CreatedAt: a.Now()}
	if err := a.Store.CreateAccount(ctx, acc); err != nil {
		if errs.Is(err, errs.KindConflict) {
			return nil // another node created it first
		}
		return fmt.Errorf("create first administrator: %w", err)
	}
	a.FirstPassword = pw
	return nil
}

// ResealOutbox seals the outbox's recipients, subjects and bodies again
// under the keyring's current key (`cityloop pii rotate`).
func (a *App) ResealOutbox(ctx context.Context) (int, error) {
	st, err := outboxstore.Open(ctx, a.Cfg.DB)
	if err != nil {
		return 0, fmt.Errorf("outbox: %w", err)
	}
	defer st.Close()
	st.SetKeyring(a.keys)
	if err := st.Migrate(ctx); err != nil {
		return 0, fmt.Errorf("outbox: %w", err)
	}
	return st.ResealMessages(ctx)
}
