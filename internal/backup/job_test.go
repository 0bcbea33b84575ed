package backup_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"cityloop/internal/backup"
	"cityloop/internal/hub/hubtest"
)

// TestScheduleKeepsTheNewest: each run writes a backup named by its time
// and keeps only the Keep newest; other files in the directory stay.
func TestScheduleKeepsTheNewest(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "src.db")
	hubtest.OpenDSN(t, context.Background(), dsn)
	out := filepath.Join(dir, "backups")
	if err := os.MkdirAll(out, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "notes.txt"), []byte("operator's"), 0o600); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC)
	s := backup.Schedule{DSN: dsn, DataDir: t.TempDir(), Dir: out, Every: time.Hour, Keep: 2, Now: func() time.Time { return at }}
	for range 4 {
		if err := s.Job().Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		at = at.Add(time.Hour)
	}
	ents, _ := os.ReadDir(out)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	want := []string{"cityloop-20261203T040000Z.backup", "cityloop-20261203T050000Z.backup", "notes.txt"}
	if !slices.Equal(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
}
