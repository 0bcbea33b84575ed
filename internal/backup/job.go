package backup

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"cityloop/internal/jobs"
)

// filePrefix and fileSuffix name the scheduled backups, so that retention
// deletes only files the job wrote.
const (
	filePrefix = "cityloop-"
	fileSuffix = ".backup"
)

// Schedule is the scheduled backup: every Every into Dir, keeping the Keep
// newest.
type Schedule struct {
	DSN, DataDir, Dir string
	Every             time.Duration
	Keep              int
	Now               func() time.Time
	Log               *slog.Logger
}

// Job is the scheduled backup as the jobs runner runs it (one node per due
// time): a backup named by its UTC time, then the older ones beyond Keep
// deleted. A failed backup deletes nothing.
func (s Schedule) Job() jobs.Job {
	return jobs.Job{Name: "backup", Schedule: jobs.Every(s.Every), Timeout: 2 * time.Hour, MaxAttempts: 2, Run: func(ctx context.Context) error {
		if err := os.MkdirAll(s.Dir, 0o750); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		now := s.Now().UTC()
		out := filepath.Join(s.Dir, filePrefix+now.Format("20060102T150405Z")+fileSuffix)
		start := time.Now()
		if _, err := Run(ctx, Options{DSN: s.DSN, DataDir: s.DataDir, Out: out, Now: s.Now}); err != nil {
			return err
		}
		removed, err := Prune(s.Dir, s.Keep)
		if s.Log != nil {
			s.Log.Info("backup written", "file", out, "took", time.Since(start).Round(time.Millisecond), "removed", removed)
		}
		return err
	}}
}

// Prune deletes the scheduled backups in dir beyond the keep newest (their
// names sort by time) and says how many it deleted.
func Prune(dir string, keep int) (int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("backup: list %s: %w", dir, err)
	}
	var names []string
	for _, e := range ents {
		if n := e.Name(); e.Type().IsRegular() && strings.HasPrefix(n, filePrefix) && strings.HasSuffix(n, fileSuffix) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	n := 0
	for len(names) > keep {
		if err := os.Remove(filepath.Join(dir, names[0])); err != nil {
			return n, fmt.Errorf("backup: retention: %w", err)
		}
		names, n = names[1:], n+1
	}
	return n, nil
}
