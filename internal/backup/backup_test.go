package backup_test

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"cityloop/internal/audit"
	"cityloop/internal/auditlog"
	"cityloop/internal/backup"
	"cityloop/internal/blob"
	"cityloop/internal/casework"
	"cityloop/internal/hub/hubtest"
	"cityloop/internal/pii"
	"cityloop/internal/store/sqlstore"
)

// source is a store with photos, an audit chain with its checkpoints, and
// a fake key file.
type source struct {
	env  *hubtest.Env
	data string
	keys *pii.Keyring
}

func newSource(t *testing.T, dsn string) *source {
	t.Helper()
	ctx := context.Background()
	s := &source{env: hubtest.OpenDSN(t, ctx, dsn), data: t.TempDir()}
	keys, err := pii.ParseKeyring("k1:" + pii.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	s.keys = keys
	s.env.Store.SetKeyring(keys)
	if err := os.WriteFile(filepath.Join(s.data, "pii.keys"), []byte("k1:secret-material"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir, err := blob.NewDir(filepath.Join(s.data, "photos"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		data := []byte(fmt.Sprintf("photo %d", i))
		id, err := dir.Put(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.env.Store.SavePhoto(ctx, sqlstore.PhotoMeta{ID: id, MIME: "image/png", Size: int64(len(data)), UploadedBy: "sup", At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	log := &auditlog.Log{Store: s.env.Store, Keys: func() *pii.Keyring { return keys }, Path: filepath.Join(s.data, auditlog.CheckpointFile),
		Node: "n1", Now: time.Now}
	for i := range 5 {
		if err := log.Audit(ctx, audit.Record{At: time.Now().UTC(), Actor: "admin", Action: "account.create", Object: fmt.Sprintf("account/%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := log.Checkpoint(ctx, false); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBackupDuringIntake: a backup taken while four writers report cases
// restores into an empty store with every case acknowledged before the
// backup began, no case that was never acknowledged, matching table
// counts, an intact audit chain and photos that match their ids.
func TestBackupDuringIntake(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		backupDuringIntake(t, "sqlite:"+filepath.Join(dir, "src.db"), "sqlite:"+filepath.Join(dir, "restored.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		base := os.Getenv(hubtest.PostgresEnv)
		if base == "" {
			t.Skip("set " + hubtest.PostgresEnv)
		}
		backupDuringIntake(t, freshDatabase(t, base), freshDatabase(t, base))
	})
}

func backupDuringIntake(t *testing.T, srcDSN, dstDSN string) {
	ctx := context.Background()
	src := newSource(t, srcDSN)
	var mu sync.Mutex
	acked := map[string]time.Time{} // case code → when its report returned
	var stop atomic.Bool
	var wg sync.WaitGroup
	var failures atomic.Int64
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				lng, lat := 118.71+float64(w)*0.02, 32.01+float64(i%50)*0.0015
				in, err := src.env.Cases.Report(ctx, hubtest.Supervisor, casework.Report{Source: casework.SourcePatrol, Category: "event:0501",
					Description: fmt.Sprintf("writer %d report %d", w, i), Lng: &lng, Lat: &lat})
				if err != nil {
					failures.Add(1)
					continue
				}
				at := time.Now()
				mu.Lock()
				acked[in.Case.Code] = at
				mu.Unlock()
			}
		}()
	}
	for { // let intake run a little before the backup
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 40 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	started := time.Now()
	out := filepath.Join(t.TempDir(), "cityloop.backup")
	m, err := backup.Run(ctx, backup.Options{DSN: srcDSN, DataDir: src.data, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	stop.Store(true)
	wg.Wait()
	if failures.Load() > 0 {
		t.Fatalf("%d reports failed during the backup", failures.Load())
	}
	if len(m.Keys) != 1 || m.Keys[0].File != "pii.keys" || len(m.Keys[0].SHA256) != 64 {
		t.Errorf("key fingerprints %+v", m.Keys)
	}
	for _, name := range entries(t, out) {
		if filepath.Base(name) == "pii.keys" || filepath.Base(name) == "web.secret" {
			t.Errorf("the backup holds the key file %s", name)
		}
	}

	dstData := t.TempDir()
	rep, err := backup.Restore(ctx, backup.RestoreOptions{File: out, DSN: dstDSN, DataDir: dstData, Keys: src.keys})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) > 0 {
		t.Fatalf("restore problems: %v", rep.Problems)
	}
	if rep.Audit == nil || rep.Audit.Checked != 5 || rep.Audit.Checkpoints != 1 {
		t.Errorf("audit verification %+v", rep.Audit)
	}
	if rep.PhotosChecked != 20 {
		t.Errorf("photos checked %d, want 20", rep.PhotosChecked)
	}
	restored, err := sqlstore.Open(ctx, dstDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	var before, inBackup int
	for code, at := range acked {
		_, err := restored.FindCaseByCode(ctx, code)
		switch {
		case err == nil:
			inBackup++
		case at.Before(started):
			t.Errorf("case %s, acknowledged before the backup began, is not restored: %v", code, err)
		}
		if at.Before(started) {
			before++
		}
	}
	var cases int64
	for _, tc := range rep.Tables {
		if tc.Table == "cases" {
			cases = tc.Stored
		}
	}
	if cases != int64(inBackup) {
		t.Errorf("restored %d cases, of which %d were acknowledged", cases, inBackup)
	}
	t.Logf("%d cases acknowledged before the backup began, %d in it, %d in all", before, inBackup, len(acked))
}

// entries lists the names in a backup file, and fails on content that
// holds the fake key material.
func entries(t *testing.T, file string) []string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var out []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		if strings.Contains(string(b), "secret-material") {
			t.Errorf("%s holds the key material", h.Name)
		}
		out = append(out, h.Name)
	}
}

// freshDatabase makes an empty PostgreSQL database of its own (pg_dump
// works on whole databases) and returns its URL.
func freshDatabase(t *testing.T, base string) string {
	t.Helper()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := "cl_backup_" + uuid.NewString()[:8]
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if d, err := sql.Open("pgx", base); err == nil {
			_, _ = d.Exec("DROP DATABASE " + name + " WITH (FORCE)")
			d.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
