package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"cityloop/internal/audit"
	"cityloop/internal/casework"
	"cityloop/internal/pii"
	"cityloop/internal/share"
	"cityloop/internal/store/hubstore"
	"cityloop/internal/store/sqlstore"
	"cityloop/internal/workorder"
)

// TestAuditVerify_NamesTamperedRecord edits one audit row behind the
// platform's back and checks that `cityloop audit verify` names it; then
// cuts the newest rows and checks that the checkpoint file shows it.
func TestAuditVerify_NamesTamperedRecord(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.db")
	keys := "k1:" + pii.NewKey()
	db, err := sqlstore.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ring, err := pii.ParseKeyring(keys)
	if err != nil {
		t.Fatal(err)
	}
	db.SetKeyring(ring)
	var last audit.Record
	for i := 0; i < 3; i++ {
		var recs []audit.Record
		for j := 0; j < 3; j++ {
			recs = append(recs, audit.Record{At: time.Now(), Actor: "u1", Action: "case.dispatch", Object: "case/x", Detail: `{"to":"dispatched"}`, Addr: "127.0.0.1"})
		}
		out, err := db.AppendAudit(ctx, recs)
		if err != nil {
			t.Fatal(err)
		}
		last = out[len(out)-1]
	}
	db.Close()
	id, secret := ring.AuditKey()
	cp, err := audit.SignCheckpoint(last, time.Now(), "test", audit.Key{ID: id, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.AppendCheckpoint(filepath.Join(dir, "audit-checkpoints.log"), cp); err != nil {
		t.Fatal(err)
	}
	args := []string{"audit", "verify", "--db", "sqlite:" + path, "--data", dir, "--pii-keys", keys}

	var out bytes.Buffer
	if err := run(ctx, args, &out, &out); err != nil {
		t.Fatalf("intact chain: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "9 records verified") || !strings.Contains(out.String(), "1 of 1 checkpoints matched") {
		t.Fatalf("output: %s", out.String())
	}

	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE audit_log SET actor = 'someone-else' WHERE seq = 5`); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(ctx, args, &out, &out)
	if !errors.Is(err, errBroken) {
		t.Fatalf("tampered chain not caught: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "record 5") {
		t.Fatalf("did not name record 5: %s", out.String())
	}

	// Cut the edited record and everything after it: what is left links.
	if _, err := raw.Exec(`DELETE FROM audit_log WHERE seq >= 5`); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(ctx, args, &out, &out)
	if !errors.Is(err, errBroken) || !strings.Contains(out.String(), "truncated") {
		t.Fatalf("cut log not caught: %v\n%s", err, out.String())
	}

	// Without the key it cannot verify, and says which key it needs.
	out.Reset()
	err = run(ctx, []string{"audit", "verify", "--db", "sqlite:" + path, "--data", dir, "--pii-keys", "k2:" + pii.NewKey()}, &out, &out)
	if err == nil {
		t.Fatalf("verified with the wrong keyring:\n%s", out.String())
	}
}

func TestCalendarCommand(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"calendar", "2025-10"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "国庆") {
		t.Fatalf("October 2025 without 国庆:\n%s", out.String())
	}
	if err := run(context.Background(), []string{"calendar", "2025-13"}, &out, &out); err == nil {
		t.Fatal("month 13 accepted")
	}
}

// TestPIIRotate re-seals contact details under a new key and checks they
// still read back, and that the old key alone can no longer read them.
func TestPIIRotate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "c.db")
	oldKey := "k1:" + pii.NewKey()
	newKey := "k2:" + pii.NewKey()
	store, err := sqlstore.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	kr, _ := pii.ParseKeyring(oldKey)
	store.SetKeyring(kr)
	c := &casework.Case{ID: "c-1", Status: casework.StatusPendingAccept, Source: casework.SourceCitizen, Phone: "13900001111",
		Reporter: "李四", Photos: []string{}, AfterPhotos: []string{}, ReportedAt: time.Now(), UpdatedAt: time.Now()}
	if err := store.CreateCase(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	store.Close()
	var out bytes.Buffer
	if err := run(ctx, []string{"pii", "rotate", "--db", db, "--data", dir, "--pii-keys", newKey + "," + oldKey}, &out, &out); err != nil {
		t.Fatalf("rotate: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "1 cases") {
		t.Fatalf("output: %s", out.String())
	}
	store, _ = sqlstore.Open(ctx, db)
	defer store.Close()
	onlyNew, _ := pii.ParseKeyring(newKey)
	store.SetKeyring(onlyNew)
	got, err := store.FindCaseByID(ctx, "c-1")
	if err != nil || got.Phone != "13900001111" || got.Reporter != "李四" {
		t.Fatalf("after rotation: %+v %v", got, err)
	}
}

// TestPIIRotate_HubSecrets: the rotation also re-seals the hub's
// subscription secrets and the 12345 pull token, so the new key alone opens
// them afterwards.
func TestPIIRotate_HubSecrets(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "c.db")
	oldKey := "k1:" + pii.NewKey()
	newKey := "k2:" + pii.NewKey()
	hs, err := hubstore.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if err := hs.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	kr, _ := pii.ParseKeyring(oldKey)
	hs.SetKeyring(kr)
	now := time.Now()
	if err := hs.CreateSubscription(ctx, &share.Subscription{ID: "sub-1", Name: "公安", Department: "police", Kind: share.KindWebhook,
		URL: "http://127.0.0.1:1/hook", Secret: "whsec-1", MaxBatch: 10, Active: true, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := hs.SaveHotlineSettings(ctx, workorder.Settings{PullURL: "http://127.0.0.1:1/orders", PullToken: "pull-token"}); err != nil {
		t.Fatal(err)
	}
	hs.Close()
	var out bytes.Buffer
	if err := run(ctx, []string{"pii", "rotate", "--db", db, "--data", dir, "--pii-keys", newKey + "," + oldKey}, &out, &out); err != nil {
		t.Fatalf("rotate: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "re-sealed 2 hub secrets") {
		t.Fatalf("output: %s", out.String())
	}
	hs, err = hubstore.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer hs.Close()
	onlyNew, _ := pii.ParseKeyring(newKey)
	hs.SetKeyring(onlyNew)
	sub, err := hs.FindSubscriptionByID(ctx, "sub-1")
	if err != nil || sub.Secret != "whsec-1" {
		t.Fatalf("subscription after rotation: %v %v", sub, err)
	}
	set, _, err := hs.HotlineSettings(ctx)
	if err != nil || set.PullToken != "pull-token" {
		t.Fatalf("pull token after rotation: %q %v", set.PullToken, err)
	}
}
