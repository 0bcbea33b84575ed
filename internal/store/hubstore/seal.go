package hubstore

import (
	"context"
	"fmt"
	"strings"

	"cityloop/internal/pii"
)

// SetKeyring makes the store seal secrets at rest with the platform's
// AES-256-GCM keys (the same keyring as personal data): the subscriptions'
// signing secrets, the 12345 pull token and the callers of 12345 orders. The hub needs the plain secret
// to sign deliveries and the poller the plain token to call the hotline, so
// they are sealed, not hashed. Without a keyring secrets are stored as given.
func (db *DB) SetKeyring(k *pii.Keyring) { db.keys = k }

func secretAAD(id string) string { return "hub/subscription/" + id + "/secret" }

// pullTokenAAD binds the sealed pull token to its place.
const pullTokenAAD = "hotline/settings/pull_token"

// sealedPrefix starts every sealed value; anything else was stored in plain
// (before a keyring was set, or before the value was sealed at all).
const sealedPrefix = "v1:"

func (db *DB) seal(plain, aad, what string) (string, error) {
	if db.keys == nil || plain == "" {
		return plain, nil
	}
	sealed, err := db.keys.Encrypt(plain, aad)
	if err != nil {
		return "", fmt.Errorf("seal %s: %w", what, err)
	}
	return sealed, nil
}

// open reads a sealed value; plain values pass through.
func (db *DB) open(stored, aad, what string) (string, error) {
	if !strings.HasPrefix(stored, sealedPrefix) {
		return stored, nil
	}
	if db.keys == nil {
		return "", fmt.Errorf("the %s is sealed but no keyring is configured", what)
	}
	plain, err := db.keys.Decrypt(stored, aad)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", what, err)
	}
	return plain, nil
}

func (db *DB) sealSecret(id, secret string) (string, error) {
	return db.seal(secret, secretAAD(id), "subscription secret")
}

func (db *DB) openSecret(id, stored string) (string, error) {
	return db.open(stored, secretAAD(id), "subscription secret")
}

// SealPlainSecrets seals the secrets still stored in plain: subscription
// secrets and the 12345 pull token written before they were sealed, and
// the callers of 12345 work orders that older versions kept in the raw
// order (moved into the sealed caller column). The app
// runs it at start, so an upgraded database reads each plain value once
// and keeps it sealed from then on. It returns how many it sealed.
func (db *DB) SealPlainSecrets(ctx context.Context) (int, error) {
	if db.keys == nil {
		return 0, nil
	}
	return db.reseal(ctx, false)
}

// ResealSecrets seals every secret again under the keyring's current key
// (plain ones too), for `cityloop pii rotate`: add the new key first, keep
// the old one, run it, then drop the old key. It returns how many it rewrote.
func (db *DB) ResealSecrets(ctx context.Context) (int, error) {
	if db.keys == nil {
		return 0, fmt.Errorf("reseal hub secrets: no keyring configured")
	}
	return db.reseal(ctx, true)
}

// resealed is stored sealed under the current key, and whether it changed:
// plain values are sealed; sealed ones are re-sealed only when rotating and
// made with another key.
func (db *DB) resealed(stored, aad string, rotate bool) (string, bool, error) {
	switch {
	case stored == "":
		return stored, false, nil
	case !strings.HasPrefix(stored, sealedPrefix):
		s, err := db.keys.Encrypt(stored, aad)
		return s, err == nil, err
	case rotate && db.keys.NeedsRotation(stored):
		s, err := db.keys.Reseal(stored, aad)
		return s, err == nil, err
	}
	return stored, false, nil
}

// reseal rewrites each secret that resealed changes, one compare-and-set
// update each, so a secret changed meanwhile is left to its new writer.
func (db *DB) reseal(ctx context.Context, rotate bool) (int, error) {
	rows, err := db.w.QueryContext(ctx, `SELECT id, secret FROM hub_subscriptions ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("reseal hub secrets: %w", db.norm(err))
	}
	type sub struct{ id, secret string }
	var subs []sub
	for rows.Next() {
		var s sub
		if err := rows.Scan(&s.id, &s.secret); err != nil {
			rows.Close()
			return 0, fmt.Errorf("reseal hub secrets: %w", db.norm(err))
		}
		subs = append(subs, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("reseal hub secrets: %w", db.norm(err))
	}
	n := 0
	for _, s := range subs {
		sealed, changed, err := db.resealed(s.secret, secretAAD(s.id), rotate)
		if err != nil {
			return n, fmt.Errorf("reseal the secret of subscription %s: %w", s.id, err)
		}
		if !changed {
			continue
		}
		k, err := db.exec(ctx, `UPDATE hub_subscriptions SET secret = $1 WHERE id = $2 AND secret = $3`, sealed, s.id, s.secret)
		if err != nil {
			return n, fmt.Errorf("reseal the secret of subscription %s: %w", s.id, err)
		}
		n += int(k)
	}
	k, err := db.resealPullToken(ctx, rotate)
	n += k
	if err != nil {
		return n, err
	}
	k, err = db.resealCallers(ctx, rotate)
	return n + k, err
}
