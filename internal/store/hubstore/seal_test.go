package hubstore_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"cityloop/internal/hub"
	"cityloop/internal/pii"
	"cityloop/internal/store/hubstore"
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
	s := &hub.Subscription{ID: "sub-1", Name: "公安", Department: "police", Kind: "webhook", URL: "http://127.0.0.1:1/hook",
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
