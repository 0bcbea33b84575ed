package vault

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"cityloop/internal/jobs"
)

// StaleAfter is how long an unfinished upload is kept without a byte
// arriving: a week covers an officer's shift, a weekend and a flat phone.
const StaleAfter = 7 * 24 * time.Hour

// PurgeStale deletes unfinished uploads to which nothing was written
// since before cutoff, and returns how many. An upload being written
// has a fresh modification time, so it is never taken.
func (v *Vault) PurgeStale(ctx context.Context, cutoff time.Time) (int, error) {
	infos, err := filepath.Glob(filepath.Join(v.uploads, "*.info"))
	if err != nil {
		return 0, fmt.Errorf("purge stale evidence uploads: %w", err)
	}
	n := 0
	for _, info := range infos {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		id := strings.TrimSuffix(filepath.Base(info), ".info")
		if !ValidID(id) {
			continue
		}
		st, err := os.Stat(filepath.Join(v.uploads, id))
		if err != nil && !os.IsNotExist(err) {
			return n, fmt.Errorf("purge stale evidence uploads: %w", err)
		}
		if err == nil && !st.ModTime().Before(cutoff) {
			continue
		}
		v.removeUpload(id)
		n++
	}
	return n, nil
}

// PurgeJob is the hourly job that runs PurgeStale with [StaleAfter].
func (v *Vault) PurgeJob(now func() time.Time) jobs.Job {
	return jobs.Job{Name: "evidence-upload-purge", Schedule: jobs.Every(time.Hour), Timeout: 10 * time.Minute,
		Run: func(ctx context.Context) error {
			n, err := v.PurgeStale(ctx, now().Add(-StaleAfter))
			if n > 0 {
				v.log.Info("purged unfinished evidence uploads", "uploads", n)
			}
			return err
		}}
}
