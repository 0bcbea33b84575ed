package auth

import (
	"context"
	"fmt"
	"time"

	"cityloop/internal/jobs"
)

// CodeExpiryJob deletes citizens' expired one-time codes every ten
// minutes (they live five; the expired ones are also swept whenever a code
// is issued). purge deletes the codes that expired by now.
func CodeExpiryJob(purge func(ctx context.Context, now time.Time) (int, error), now func() time.Time) jobs.Job {
	return jobs.Job{Name: "otp-expiry", Schedule: jobs.Every(10 * time.Minute), Timeout: 5 * time.Minute, Run: func(ctx context.Context) error {
		if _, err := purge(ctx, now()); err != nil {
			return fmt.Errorf("one-time code expiry: %w", err)
		}
		return nil
	}}
}
