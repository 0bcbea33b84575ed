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
	"cityloop/internal/hotline"
	"cityloop/internal/hub"
	"cityloop/internal/pii"
	"cityloop/internal/store/hubstore"
	"cityloop/internal/store/sqlstore"
)

// TestAuditVerify_NamesTamperedRecord edits one audit row behind the
// platform's back and checks that `cityloop audit verify` names it.
func TestAuditVerify_NamesTamperedRecord(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "audit.db")
	db, err := sqlstore.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		var recs []audit.Record
		for j := 0; j < 3; j++ {
			recs = append(recs, audit.Record{At: time.Now(), Actor: "u1", Action: "case.dispatch", Object: "case/x", Detail: `{"to":"dispatched"}`, Addr: "127.0.0.1"})
		}
		if _, err := db.AppendAudit(ctx, recs); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	var out bytes.Buffer
	if err := run(ctx, []string{"audit", "verify", "--db", "sqlite:" + path}, &out, &out); err != nil {
		t.Fatalf("intact chain: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "9 records verified") {
		t.Fatalf("output: %s", out.String())
	}

	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE audit_log SET actor = 'someone-else' WHERE seq = 5`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	out.Reset()
	err = run(ctx, []string{"audit", "verify", "--db", "sqlite:" + path}, &out, &out)
	if !errors.Is(err, errBroken) {
		t.Fatalf("tampered chain not caught: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "record 5") {
		t.Fatalf("did not name record 5: %s", out.String())
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
	if err := hs.CreateSubscription(ctx, &hub.Subscription{ID: "sub-1", Name: "公安", Department: "police", Kind: hub.KindWebhook,
		URL: "http://127.0.0.1:1/hook", Secret: "whsec-1", MaxBatch: 10, Active: true, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := hs.SaveHotlineSettings(ctx, hotline.Settings{PullURL: "http://127.0.0.1:1/orders", PullToken: "pull-token"}); err != nil {
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
