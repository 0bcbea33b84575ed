package hubstore_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"cityloop/internal/pii"
	"cityloop/internal/share"
	"cityloop/internal/store/hubstore"
	"cityloop/internal/workorder"
)

// TestSubscriptionSecretSealedAtRest: the signing secret is readable through
// the store but not in the database file.
func TestSubscriptionSecretSealedAtRest(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hub.db")
	db, err := hubstore.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	k, _ := pii.ParseKeyring("k1:" + pii.NewKey())
	db.SetKeyring(k)
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	const secret = "whsec-very-secret-value"
	now := time.Now()
	s := &share.Subscription{ID: "sub-1", Name: "公安", Department: "police", Kind: "webhook", URL: "http://127.0.0.1:1/hook",
		Secret: secret, MaxBatch: 10, Active: true, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateSubscription(ctx, s); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindSubscriptionByID(ctx, "sub-1")
	if err != nil || got.Secret != secret {
		t.Fatalf("read back %q, %v", got.Secret, err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var stored string
	if err := raw.QueryRow(`SELECT secret FROM hub_subscriptions WHERE id = 'sub-1'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, secret) || !strings.HasPrefix(stored, "v1:") {
		t.Fatalf("stored secret %q is not sealed", stored)
	}
}

func mustKeyring(t *testing.T, spec string) *pii.Keyring {
	t.Helper()
	k, err := pii.ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// storedSecrets is what the database holds: the hotline settings row and
// every subscription secret, as stored.
func storedSecrets(t *testing.T, db *hubstore.DB) string {
	t.Helper()
	ctx := context.Background()
	var settings string
	if err := db.ReadPool().QueryRowContext(ctx, `SELECT value FROM hub_state WHERE name = 'hotline.settings'`).Scan(&settings); err != nil {
		t.Fatal(err)
	}
	rows, err := db.ReadPool().QueryContext(ctx, `SELECT secret FROM hub_subscriptions ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := []string{settings}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return strings.Join(out, "\n")
}

const (
	pullToken = "pull-token-of-the-12345-platform"
	subSecret = "whsec-the-subscription-secret"
)

// saveSecrets stores a subscription and hotline settings with a pull token.
func saveSecrets(t *testing.T, db *hubstore.DB) {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	if err := db.CreateSubscription(ctx, &share.Subscription{ID: "sub-1", Name: "12345 热线回传", Department: "hotline", Kind: share.KindHotline,
		URL: "http://127.0.0.1:1/cb", Secret: subSecret, MaxBatch: 10, Active: true, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveHotlineSettings(ctx, workorder.Settings{PullURL: "http://127.0.0.1:1/orders", PullToken: pullToken, PullEvery: "30s",
		SubscriptionID: "sub-1", ContactDays: 3, ReplyDays: 5}); err != nil {
		t.Fatal(err)
	}
}

// readSecrets reads both back through the store.
func readSecrets(t *testing.T, db *hubstore.DB) (token, secret string, err error) {
	t.Helper()
	ctx := context.Background()
	s, ok, err := db.HotlineSettings(ctx)
	if err != nil || !ok {
		return "", "", fmt.Errorf("hotline settings: ok %v, %w", ok, err)
	}
	sub, err := db.FindSubscriptionByID(ctx, "sub-1")
	if err != nil {
		return s.PullToken, "", err
	}
	return s.PullToken, sub.Secret, nil
}

// TestHotlinePullToken_SealedAtRest: the pull token reads back through the
// store but is neither in the row nor anywhere in the SQLite files.
func TestHotlinePullToken_SealedAtRest(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			db, path := mustOpenStoreAt(t, dialect)
			db.SetKeyring(mustKeyring(t, "k1:"+pii.NewKey()))
			saveSecrets(t, db)
			tok, secret, err := readSecrets(t, db)
			if err != nil || tok != pullToken || secret != subSecret {
				t.Fatalf("read back %q %q, %v", tok, secret, err)
			}
			stored := storedSecrets(t, db)
			if strings.Contains(stored, pullToken) || strings.Contains(stored, subSecret) || strings.Count(stored, `"pull_token":"v1:`) != 1 {
				t.Fatalf("stored in plain:\n%s", stored)
			}
			if path == "" {
				return
			}
			for _, f := range []string{path, path + "-wal"} {
				b, err := os.ReadFile(f)
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				if bytes.Contains(b, []byte(pullToken)) {
					t.Fatalf("%s holds the pull token in plain", filepath.Base(f))
				}
			}
		})
	}
}

// TestSealPlainSecrets: a pull token and a subscription secret an older
// version stored in plain read as they are, are sealed once at start, and
// read the same after.
func TestSealPlainSecrets(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			db := mustOpenStore(t, dialect)
			saveSecrets(t, db) // no keyring: as an older version stored them
			if stored := storedSecrets(t, db); !strings.Contains(stored, pullToken) || !strings.Contains(stored, subSecret) {
				t.Fatalf("the plain fixture is not plain:\n%s", stored)
			}
			db.SetKeyring(mustKeyring(t, "k1:"+pii.NewKey()))
			if tok, secret, err := readSecrets(t, db); err != nil || tok != pullToken || secret != subSecret {
				t.Fatalf("plain values before sealing: %q %q, %v", tok, secret, err)
			}
			n, err := db.SealPlainSecrets(ctx)
			if err != nil || n != 2 {
				t.Fatalf("sealed %d, %v; want 2", n, err)
			}
			if stored := storedSecrets(t, db); strings.Contains(stored, pullToken) || strings.Contains(stored, subSecret) {
				t.Fatalf("still plain after sealing:\n%s", stored)
			}
			if tok, secret, err := readSecrets(t, db); err != nil || tok != pullToken || secret != subSecret {
				t.Fatalf("after sealing: %q %q, %v", tok, secret, err)
			}
			var s workorder.Settings
			s, _, _ = db.HotlineSettings(ctx)
			if s.PullURL != "http://127.0.0.1:1/orders" || s.SubscriptionID != "sub-1" || s.ReplyDays != 5 {
				t.Fatalf("the other settings changed: %+v", s)
			}
			if n, err := db.SealPlainSecrets(ctx); err != nil || n != 0 {
				t.Fatalf("second start sealed %d, %v; want 0", n, err)
			}
		})
	}
}

// TestResealSecrets_Rotation: after a rotation the new key alone opens both
// secrets, and the old key alone no longer does.
func TestResealSecrets_Rotation(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			db := mustOpenStore(t, dialect)
			oldKey, newKey := "k1:"+pii.NewKey(), "k2:"+pii.NewKey()
			db.SetKeyring(mustKeyring(t, oldKey))
			saveSecrets(t, db)
			db.SetKeyring(mustKeyring(t, newKey+","+oldKey))
			if n, err := db.SealPlainSecrets(ctx); err != nil || n != 0 {
				t.Fatalf("start sealed %d, %v; want 0 (nothing plain)", n, err)
			}
			if n, err := db.ResealSecrets(ctx); err != nil || n != 2 {
				t.Fatalf("resealed %d, %v; want 2", n, err)
			}
			if n, err := db.ResealSecrets(ctx); err != nil || n != 0 {
				t.Fatalf("second rotation resealed %d, %v; want 0", n, err)
			}
			db.SetKeyring(mustKeyring(t, newKey))
			if tok, secret, err := readSecrets(t, db); err != nil || tok != pullToken || secret != subSecret {
				t.Fatalf("new key alone: %q %q, %v", tok, secret, err)
			}
			db.SetKeyring(mustKeyring(t, oldKey))
			if _, _, err := db.HotlineSettings(ctx); err == nil {
				t.Fatal("the old key alone still opens the pull token")
			}
		})
	}
}

// TestSealPlainCallers: a 12345 order an older version stored with its
// caller inside the raw order is split at start: the caller moves into the
// sealed caller column, the raw order keeps the rest, nothing of the caller
// stays in plain, and a key rotation reseals the caller.
func TestSealPlainCallers(t *testing.T) {
	const phone, name, addr = "13700001111", "赵来电", "西街道 8 号"
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			db := mustOpenStore(t, dialect)
			now := time.Now().UTC()
			legacy := fmt.Sprintf(`{"order_no":"GD-OLD-1","title":"占道经营","content":"早市","address":%q,"lng":118.7,"lat":32.0,"caller_name":%q,"caller_phone":%q}`, addr, name, phone)
			if err := db.CreateOrder(ctx, workorder.Order{OrderNo: "GD-OLD-1", CaseID: "case-1", ReceivedAt: now, ContactDue: now, ReplyDue: now,
				Status: workorder.Received, Raw: []byte(legacy), UpdatedAt: now}); err != nil {
				t.Fatal(err)
			}
			stored := func() (raw, caller string) {
				t.Helper()
				if err := db.ReadPool().QueryRowContext(ctx, `SELECT raw, caller FROM hotline_orders WHERE order_no = 'GD-OLD-1'`).Scan(&raw, &caller); err != nil {
					t.Fatal(err)
				}
				return raw, caller
			}
			if raw, _ := stored(); !strings.Contains(raw, phone) {
				t.Fatalf("the legacy fixture is not plain: %s", raw)
			}
			oldKey, newKey := "k1:"+pii.NewKey(), "k2:"+pii.NewKey()
			db.SetKeyring(mustKeyring(t, oldKey))
			if n, err := db.SealPlainSecrets(ctx); err != nil || n != 1 {
				t.Fatalf("sealed %d, %v; want 1", n, err)
			}
			raw, caller := stored()
			for _, s := range []string{phone, name, addr} {
				if strings.Contains(raw+caller, s) {
					t.Fatalf("%q still in plain: raw %s, caller %s", s, raw, caller)
				}
			}
			if !strings.HasPrefix(caller, "v1:") || !strings.Contains(raw, "早市") {
				t.Fatalf("raw %s, caller %s", raw, caller)
			}
			o, err := db.FindOrder(ctx, "GD-OLD-1")
			if err != nil || o.Caller != (workorder.Caller{Name: name, Phone: phone, Address: addr}) {
				t.Fatalf("caller read back as %+v, %v", o.Caller, err)
			}
			if n, err := db.SealPlainSecrets(ctx); err != nil || n != 0 {
				t.Fatalf("second start sealed %d, %v; want 0", n, err)
			}
			db.SetKeyring(mustKeyring(t, newKey+","+oldKey))
			if n, err := db.ResealSecrets(ctx); err != nil || n != 1 {
				t.Fatalf("rotation resealed %d, %v; want 1", n, err)
			}
			db.SetKeyring(mustKeyring(t, newKey))
			if o, err := db.FindOrder(ctx, "GD-OLD-1"); err != nil || o.Caller.Phone != phone {
				t.Fatalf("new key alone: %+v, %v", o, err)
			}
		})
	}
}
