package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cityloop/internal/audit"
	"cityloop/internal/pii"
	"cityloop/internal/store/sqlstore"
)

// TestBackupRestoreCommands: `cityloop backup` then `cityloop restore`
// into a new file and data directory prints every table as matching and
// the audit chain as intact; a second restore into the same file is
// refused; without the keys the chain is reported unverified.
func TestBackupRestoreCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keys := "k1:" + pii.NewKey()
	src := "sqlite:" + filepath.Join(dir, "src.db")
	db, err := sqlstore.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ring, _ := pii.ParseKeyring(keys)
	db.SetKeyring(ring)
	if _, err := db.AppendAudit(ctx, []audit.Record{{At: time.Now(), Actor: "admin", Action: "account.create", Object: "account/a"}}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	file := filepath.Join(dir, "x.backup")
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"backup", "--db", src, "--data", filepath.Join(dir, "src-data"), "--out", file}, &out, &errOut); err != nil {
		t.Fatalf("backup: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "backup written") {
		t.Fatalf("backup said %q", out.String())
	}
	dst := "sqlite:" + filepath.Join(dir, "dst.db")
	out.Reset()
	if err := run(ctx, []string{"restore", file, "--db", dst, "--data", filepath.Join(dir, "dst-data"), "--pii-keys", keys}, &out, &errOut); err != nil {
		t.Fatalf("restore: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	for _, want := range []string{"audit_log", "audit chain: intact, 1 records", "restore verified"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("restore report lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "MISMATCH") {
		t.Errorf("restore report:\n%s", out.String())
	}
	err = run(ctx, []string{"restore", file, "--db", dst, "--data", filepath.Join(dir, "dst-data")}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("restore over an existing store: %v", err)
	}
	out.Reset()
	other := filepath.Join(dir, "nokeys-data")
	if err := run(ctx, []string{"restore", file, "--db", "sqlite:" + filepath.Join(dir, "nokeys.db"), "--data", other}, &out, &errOut); err != nil && !errors.Is(err, errBroken) {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "NOT verified") {
		t.Errorf("restore without keys:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(other, "pii.keys")); err == nil {
		t.Error("restore made a new key file")
	}
}
