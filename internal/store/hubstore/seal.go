package hubstore

import (
	"fmt"
	"strings"

	"cityloop/internal/pii"
)

// SetKeyring makes the store seal subscription secrets at rest with the
// platform's AES-256-GCM keys (the same keyring as personal data). The
// engine needs the plain secret to sign deliveries, so it is sealed, not
// hashed. Without a keyring secrets are stored as given.
func (db *DB) SetKeyring(k *pii.Keyring) { db.keys = k }

func secretAAD(id string) string { return "hub/subscription/" + id + "/secret" }

func (db *DB) sealSecret(id, secret string) (string, error) {
	if db.keys == nil || secret == "" {
		return secret, nil
	}
	sealed, err := db.keys.Encrypt(secret, secretAAD(id))
	if err != nil {
		return "", fmt.Errorf("seal subscription secret: %w", err)
	}
	return sealed, nil
}

// openSecret reads a sealed secret; plain values (written before a keyring
// was set) pass through.
func (db *DB) openSecret(id, stored string) (string, error) {
	if !strings.HasPrefix(stored, "v1:") {
		return stored, nil
	}
	if db.keys == nil {
		return "", fmt.Errorf("the subscription secret is sealed but no keyring is configured")
	}
	plain, err := db.keys.Decrypt(stored, secretAAD(id))
	if err != nil {
		return "", fmt.Errorf("open subscription secret: %w", err)
	}
	return plain, nil
}
